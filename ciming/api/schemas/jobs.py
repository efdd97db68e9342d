"""Bodies of POST /v1/jobs/{id}/cancel (none) and .../resume."""

from ciming.api.schemas import common

CANCEL = common.EMPTY

RESUME = {
    'type': 'object',
    'properties': {'credentials': common.CREDENTIALS},
    'required': ['credentials'],
    'additionalProperties': False,
}
