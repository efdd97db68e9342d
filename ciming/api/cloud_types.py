"""What the API may know of cloud drivers, through one door.

The API never builds a driver (the conductor does, with credentials it
holds). It only asks what a type of cloud can do, which options and
credentials it takes; this is the one API module that imports
:mod:`ciming.drivers`, so its questions stay these few.
"""

from ciming.common import exception
from ciming.common import image_format
from ciming.drivers import factory


def capabilities(cloud_type):
    """A cloud type's Capabilities; InvalidParameterValue if unknown."""
    return factory.capabilities(cloud_type)


def capabilities_or_none(cloud_type):
    """A cloud type's Capabilities, or None if its driver is not here."""
    try:
        return factory.capabilities(cloud_type)
    except exception.CimingException:
        return None


def check_options(cloud_type, options):
    """Refuse a cloud record's options (without reaching the cloud)."""
    factory.check_options(cloud_type, options)


def confine_options(cloud_type, options, project_id):
    """A project's cloud options, confined by the type's driver."""
    return factory.driver_class(cloud_type).confine_options(options,
                                                            project_id)


def overlaps(cloud_type, options, other_options):
    """Whether two clouds of a type would share their storage."""
    return factory.driver_class(cloud_type).overlaps(options, other_options)


def check_credentials(cloud_type, cloud_name, credentials):
    """Refuse credentials whose shape the cloud type does not take."""
    factory.check_credentials(cloud_type, cloud_name, credentials)


def accepted_formats(cloud):
    """Disk formats a cloud record takes (None: any)."""
    return factory.driver_class(cloud.type).accepted_formats(
        cloud.options or {})


def can_receive(cloud, disk_format):
    """Whether a cloud takes an image of ``disk_format``, or converted."""
    return image_format.delivery_format(
        disk_format, accepted_formats(cloud)) is not None
