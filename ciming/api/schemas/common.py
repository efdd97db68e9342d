"""Schema pieces several bodies share."""

NAME = {'type': 'string', 'minLength': 1, 'maxLength': 255}
OPTIONAL_TEXT = {'type': ['string', 'null'], 'maxLength': 255}
CLOUD_REF = {'type': 'string', 'minLength': 1, 'maxLength': 255}
CLOUD_LIST = {
    'type': 'array',
    'items': CLOUD_REF,
    'minItems': 1,
    'uniqueItems': True,
}
EMPTY = {'type': 'object', 'properties': {}, 'additionalProperties': False}

# Per-request credentials: cloud name or id -> that cloud's credentials.
# The shape of each cloud's entry depends on its type (see the drivers).
CREDENTIALS = {
    'type': 'object',
    'maxProperties': 64,
    'additionalProperties': {
        'type': 'object',
        'maxProperties': 32,
        'additionalProperties': {'type': ['string', 'boolean', 'null'],
                                 'maxLength': 65536},
    },
}

WITH_CREDENTIALS = {
    'type': 'object',
    'properties': {'credentials': CREDENTIALS},
    'additionalProperties': False,
}
