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
