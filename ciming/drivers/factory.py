"""The one place cloud drivers are found and built.

Drivers are the ``ciming.drivers`` entry points, one per cloud type. A
driver is built here, and only here, from a cloud record (a plain
mapping) and the credentials already resolved for that cloud; the
conductor keeps each job's drivers (:mod:`ciming.conductor.runtime`).
What a type can do and which credentials it takes are answered here too,
without building anything: the API asks through
:mod:`ciming.api.cloud_types`.
"""

import functools

import jsonschema
from stevedore import driver as stevedore_driver
from stevedore import extension

from ciming.common import exception

NAMESPACE = 'ciming.drivers'


@functools.cache
def driver_class(cloud_type):
    """The driver class registered for a cloud type."""
    try:
        manager = stevedore_driver.DriverManager(NAMESPACE, cloud_type,
                                                 invoke_on_load=False)
    except Exception:
        raise exception.InvalidParameterValue(
            err='Unknown cloud type %s; known types: %s.'
                % (cloud_type, ', '.join(cloud_types())))
    return manager.driver


def cloud_types():
    """Names of every installed driver."""
    return sorted(extension.ExtensionManager(NAMESPACE).names())


def capabilities(cloud_type):
    """The :class:`~ciming.drivers.base.Capabilities` of a cloud type."""
    return driver_class(cloud_type).capabilities


def takes_credentials(cloud_type):
    """Whether a cloud type takes credentials (per request or Barbican)."""
    return driver_class(cloud_type).credentials_schema is not None


def check_options(cloud_type, options):
    """Refuse a cloud record's options its driver does not take."""
    driver_class(cloud_type).validate_options(options)


def check_credentials(cloud_type, cloud_name, credentials):
    """Refuse credentials whose shape the cloud's driver does not take.

    The message names the broken rule, never a value.
    """
    schema = driver_class(cloud_type).credentials_schema
    if schema is None:
        raise exception.InvalidCredentials(
            cloud=cloud_name, reason='this type of cloud takes none')
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(credentials))
    if error is not None:
        where = '/'.join(str(p) for p in error.absolute_path) or 'top'
        raise exception.InvalidCredentials(
            cloud=cloud_name, reason='%s breaks the rule %s' % (
                where, error.validator))


def build(cloud, credentials=None, project_id=None):
    """A driver for a cloud record (a mapping), acting for a project."""
    return driver_class(cloud['type'])(cloud, credentials=credentials,
                                       project_id=project_id)
