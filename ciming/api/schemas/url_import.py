"""The ``source`` of POST /v1/images at API 1.2: import from a URL.

The shape is checked here; whether the URL may be reached is
:mod:`ciming.common.url_filter`'s decision.
"""

import copy

from ciming.api.schemas import common

# Longer URLs are refused by [url_import] max_url_length with a clearer
# message; this bound only keeps the schema check cheap.
_URL = common.text(8192, min_length=1)

SOURCE = {
    'type': 'object',
    'properties': {
        'url': _URL,
        'checksum': {'type': 'string',
                     'pattern': '^sha256:[0-9a-fA-F]{64}$'},
        'checksums_url': _URL,
    },
    'required': ['url'],
    'additionalProperties': False,
}


def create_schema(base):
    """``base`` (the create body) with ``source`` and ``credentials``."""
    schema = copy.deepcopy(base)
    schema['properties']['source'] = SOURCE
    schema['properties']['credentials'] = common.CREDENTIALS
    return schema
