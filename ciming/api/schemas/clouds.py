"""Bodies of POST /v1/clouds and PATCH /v1/clouds/{cloud}."""

from ciming.api.schemas import common

_FIELDS = {
    'name': common.NAME,
    'region': common.OPTIONAL_TEXT,
    'options': {'type': 'object'},
    'credential_ref': {'type': ['string', 'null'], 'maxLength': 1024},
    'description': common.OPTIONAL_TEXT,
}

CREATE = {
    'type': 'object',
    'properties': dict(_FIELDS, type={'type': 'string', 'minLength': 1,
                                      'maxLength': 64},
                       shared={'type': 'boolean'}),
    'required': ['name', 'type'],
    'additionalProperties': False,
}

UPDATE = {
    'type': 'object',
    'properties': _FIELDS,
    'additionalProperties': False,
}

VALIDATE = common.WITH_CREDENTIALS
