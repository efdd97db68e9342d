"""Small helpers shared by the API and the conductor."""

from oslo_utils import uuidutils

from ciming.common import exception


def check_uuid(value):
    """Refuse anything but a UUID where one names a file or record."""
    if not uuidutils.is_uuid_like(value):
        raise exception.InvalidParameterValue(
            err='%s is not a valid id.' % value)
    return value
