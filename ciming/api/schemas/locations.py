"""Body of POST /v1/images/{id}/locations."""

from ciming.api.schemas import common

CREATE = {
    'type': 'object',
    'properties': {
        'cloud': common.CLOUD_REF,
        'remote_id': common.REMOTE_ID,
        'force': {'type': 'boolean'},
        'credentials': common.CREDENTIALS,
    },
    'required': ['cloud', 'remote_id'],
    'additionalProperties': False,
}
