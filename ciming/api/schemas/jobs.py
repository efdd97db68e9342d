"""Body of POST /v1/jobs/{id}/cancel (nothing, or an empty object)."""

from ciming.api.schemas import common

CANCEL = common.EMPTY
