"""Bodies of POST /v1/clouds and PATCH /v1/clouds/{cloud}."""

from ciming.api.schemas import common

_FIELDS = {
    'name': common.NAME,
    'region': common.OPTIONAL_TEXT,
    'options': {'type': 'object', 'propertyNames': common.NAME},
    'credential_ref': common.text(1024, nullable=True),
    'description': common.DESCRIPTION,
}

CREATE = {
    'type': 'object',
    'properties': dict(_FIELDS, type=common.text(64, min_length=1),
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
