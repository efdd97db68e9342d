"""Loading cloud drivers from the ``ciming.drivers`` entry points."""

import functools

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


def get_driver(cloud, credentials=None, project_id=None):
    """A driver for a cloud record (a mapping), acting for a project."""
    return driver_class(cloud['type'])(cloud, credentials=credentials,
                                       project_id=project_id)
