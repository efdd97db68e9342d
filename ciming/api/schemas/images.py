"""Bodies of POST /v1/images, PATCH /v1/images/{id} and sync."""

from ciming.api.schemas import common

DISK_FORMATS = ('raw', 'qcow2', 'vmdk', 'vhd', 'vhdx', 'vdi', 'iso',
                'ploop', 'ami', 'ari', 'aki')
CONTAINER_FORMATS = ('bare', 'ovf', 'ova', 'docker', 'ami', 'ari', 'aki')

CREATE = {
    'type': 'object',
    'properties': {
        'name': common.OPTIONAL_TEXT,
        'disk_format': {'type': 'string', 'enum': list(DISK_FORMATS)},
        'container_format': {'type': 'string',
                             'enum': list(CONTAINER_FORMATS)},
        'targets': common.CLOUD_LIST,
    },
    'required': ['targets'],
    'additionalProperties': False,
}

UPDATE = {
    'type': 'object',
    'properties': {'name': common.OPTIONAL_TEXT},
    'additionalProperties': False,
}

SYNC = {
    'type': 'object',
    'properties': {'targets': common.CLOUD_LIST,
                   'credentials': common.CREDENTIALS},
    'additionalProperties': False,
}

ADOPT = {
    'type': 'object',
    'properties': {
        'source': {
            'type': 'object',
            'properties': {
                'cloud': common.CLOUD_REF,
                'remote_id': common.REMOTE_ID,
            },
            'required': ['cloud', 'remote_id'],
            'additionalProperties': False,
        },
        'name': common.OPTIONAL_TEXT,
        'targets': {'type': 'array', 'items': common.CLOUD_REF,
                    'uniqueItems': True},
        'credentials': common.CREDENTIALS,
    },
    'required': ['source'],
    'additionalProperties': False,
}

REFRESH = common.WITH_CREDENTIALS
