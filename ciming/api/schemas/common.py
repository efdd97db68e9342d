"""Schema pieces several bodies share.

Strings never hold control characters (C0, DEL, C1; NUL included) or
lone surrogates, as Nova and Glance refuse in names: a single-line field
(names, references, ids) none at all, a multi-line one (a description,
a credential such as a PEM key) only tab, newline and carriage return.
:mod:`ciming.api.json_body` already refused NUL and lone surrogates
anywhere in a body.
"""

# ``\Z``, not ``$``: Python's ``$`` also matches before a final newline,
# so ``'name\n'`` would pass as a single line.
SINGLE_LINE = r'^[^\x00-\x1f\x7f-\x9f\ud800-\udfff]*\Z'
MULTI_LINE = r'^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]*$'


def text(max_length, min_length=0, nullable=False, pattern=SINGLE_LINE):
    """A string field of at most ``max_length`` characters."""
    schema = {'type': ['string', 'null'] if nullable else 'string',
              'maxLength': max_length, 'pattern': pattern}
    if min_length:
        schema['minLength'] = min_length
    return schema


NAME = text(255, min_length=1)
OPTIONAL_TEXT = text(255, nullable=True)
DESCRIPTION = text(255, nullable=True, pattern=MULTI_LINE)
CLOUD_REF = text(255, min_length=1)
REMOTE_ID = text(255, min_length=1)
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
    'propertyNames': CLOUD_REF,
    'additionalProperties': {
        'type': 'object',
        'maxProperties': 32,
        'propertyNames': text(255, min_length=1),
        'additionalProperties': {'type': ['string', 'boolean', 'null'],
                                 'maxLength': 65536,
                                 'pattern': MULTI_LINE},
    },
}

WITH_CREDENTIALS = {
    'type': 'object',
    'properties': {'credentials': CREDENTIALS},
    'additionalProperties': False,
}
