"""Bodies of API 1.1: image metadata on create and PATCH, deprecation.

Properties are Glance-style: keys of at most 255 characters without
control characters, none of Glance's own fields nor the ``ciming_`` and
``os_glance_`` properties (checked in
:mod:`ciming.api.controllers.v1.image_lifecycle`, to name them), string
values; tags and visibility as Glance takes them.
"""

from ciming.api.schemas import common
from ciming.api.schemas import images
from ciming.common import metadata

MAX_PROPERTIES = 128
MAX_TAGS = 128
MAX_VALUE = 4096
GLANCE_INT_MAX = 2 ** 31 - 1

_KEY = {'type': 'string', 'maxLength': 255,
        'pattern': metadata.KEY_PATTERN}
_VALUE = common.text(MAX_VALUE, pattern=common.MULTI_LINE)


def _properties(nullable):
    value = dict(_VALUE, type=['string', 'null']) if nullable else _VALUE
    return {'type': 'object', 'maxProperties': MAX_PROPERTIES,
            'propertyNames': _KEY, 'additionalProperties': value}


FIELDS = {
    'tags': {'type': 'array', 'maxItems': MAX_TAGS, 'uniqueItems': True,
             'items': common.text(255, min_length=1)},
    'visibility': {'type': 'string', 'enum': list(metadata.VISIBILITIES)},
    'protected': {'type': 'boolean'},
    'min_disk': {'type': 'integer', 'minimum': 0,
                 'maximum': GLANCE_INT_MAX},
    'min_ram': {'type': 'integer', 'minimum': 0, 'maximum': GLANCE_INT_MAX},
}

CREATE = dict(images.CREATE, properties=dict(
    images.CREATE['properties'], properties=_properties(False), **FIELDS))

# A merge patch (RFC 7396): a property set to null is removed.
UPDATE = dict(images.UPDATE, properties=dict(
    images.UPDATE['properties'], properties=_properties(True), **FIELDS))

DEPRECATE = {
    'type': 'object',
    'properties': {
        'replacement': common.text(255, min_length=1, nullable=True),
        'deprecate_at': common.text(64, min_length=1, nullable=True),
    },
    'additionalProperties': False,
}

UNDEPRECATE = common.EMPTY

SYNC = dict(images.SYNC, properties=dict(images.SYNC['properties'],
                                         metadata={'type': 'boolean'}))
