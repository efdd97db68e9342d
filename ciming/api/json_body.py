"""Parse JSON from clients (bodies, the credentials header) defensively.

``json.loads`` recurses once per nesting level (deep enough, a
RecursionError), decodes UTF-16 and UTF-32 as well, accepts NaN and
Infinity, and lets NUL characters and lone surrogates (``"\\ud800"``)
into strings, which no database stores and no cloud accepts. :func:`loads`
refuses all of them as a MalformedBody (400); the schemas then refuse
the other control characters field by field.
"""

import json
import math
import re

from ciming.common import exception

MAX_DEPTH = 32
MAX_BODY = 1024 * 1024

_FORBIDDEN = re.compile('[\x00\ud800-\udfff]')


def _refuse_constant(name):
    raise ValueError('%s is not JSON' % name)


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise ValueError('a number is out of range')
    return value


def loads(raw, what='body'):
    """The document in ``raw`` (UTF-8 bytes or str), checked."""
    try:
        if isinstance(raw, bytes):
            raw = raw.decode('utf-8')
        document = json.loads(raw, parse_constant=_refuse_constant,
                              parse_float=_finite_float)
    except RecursionError:
        raise exception.MalformedBody(reason=_too_deep(what))
    except UnicodeDecodeError:
        raise exception.MalformedBody(reason='the %s is not UTF-8' % what)
    except ValueError as exc:
        # json's messages name a position, never the content.
        raise exception.MalformedBody(reason=str(exc)[:200])
    check(document, what)
    return document


def check(document, what='body'):
    """Refuse nesting past MAX_DEPTH, NUL and lone surrogates anywhere."""
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            _check_string(value, what)
            continue
        if isinstance(value, (dict, list)) and depth > MAX_DEPTH:
            raise exception.MalformedBody(reason=_too_deep(what))
        if isinstance(value, dict):
            for key, item in value.items():
                _check_string(key, what)
                pending.append((item, depth + 1))
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)


def _check_string(value, what):
    if _FORBIDDEN.search(value):
        raise exception.MalformedBody(
            reason='a string of the %s contains a NUL character or a lone '
                   'surrogate' % what)


def _too_deep(what):
    return 'the %s is nested deeper than %d levels' % (what, MAX_DEPTH)
