"""Every method and path of the API, and what each call accepts.

Only these reach pecan (see :mod:`ciming.api.middleware.request_check`):
pecan's RestController would route more than the API documents (the
``_method`` override, collection-level DELETE and PATCH, ids taken from
the body or the query when the path lacks them). When adding a call,
add it here and to api-ref/source.

``body`` is what the call reads: ``JSON`` (a JSON document, or nothing),
``OCTETS`` (raw upload data) or ``None`` (no body at all). ``params`` is
the tuple of query parameters the call takes, or ``CONTROLLER`` when its
controller checks them itself (:func:`ciming.api.utils.query`).
"""

import collections

JSON = 'application/json'
OCTETS = 'application/octet-stream'
CONTROLLER = 'checked by the controller'
# RFC 7396 bodies, taken where a call says so (as well as JSON).
MERGE_PATCH = 'application/merge-patch+json'
MERGE_PATCH_ROUTES = (('PATCH', '/v1/images/{image}'),)

Route = collections.namedtuple('Route', 'method path body params')

ROUTES = (
    Route('GET', '/', None, ()),
    Route('GET', '/v1', None, ()),
    Route('GET', '/healthcheck', None, CONTROLLER),
    Route('HEAD', '/healthcheck', None, CONTROLLER),

    Route('GET', '/v1/clouds', None, CONTROLLER),
    Route('POST', '/v1/clouds', JSON, ()),
    Route('GET', '/v1/clouds/{cloud}', None, ()),
    Route('PATCH', '/v1/clouds/{cloud}', JSON, ()),
    Route('DELETE', '/v1/clouds/{cloud}', None, ()),
    Route('POST', '/v1/clouds/{cloud}/validate', JSON, ()),
    Route('GET', '/v1/clouds/{cloud}/images', None, ()),

    Route('GET', '/v1/images', None, CONTROLLER),
    Route('POST', '/v1/images', JSON, ()),
    Route('POST', '/v1/images/adopt', JSON, ()),
    Route('GET', '/v1/images/{image}', None, ()),
    Route('PATCH', '/v1/images/{image}', JSON, ()),
    Route('DELETE', '/v1/images/{image}', None, CONTROLLER),
    Route('PUT', '/v1/images/{image}/file', OCTETS, ()),
    Route('POST', '/v1/images/{image}/sync', JSON, ()),
    Route('POST', '/v1/images/{image}/refresh', JSON, ()),
    Route('POST', '/v1/images/{image}/deprecate', JSON, ()),
    Route('POST', '/v1/images/{image}/undeprecate', JSON, ()),
    Route('GET', '/v1/images/{image}/locations', None, CONTROLLER),
    Route('POST', '/v1/images/{image}/locations', JSON, ()),
    Route('DELETE', '/v1/images/{image}/locations/{cloud}', None, ()),

    Route('GET', '/v1/jobs', None, CONTROLLER),
    Route('GET', '/v1/jobs/{job}', None, ()),
    Route('POST', '/v1/jobs/{job}/cancel', JSON, ()),
    Route('POST', '/v1/jobs/{job}/resume', JSON, ()),
)


def _segments(path):
    return tuple(path.strip('/').split('/')) if path != '/' else ()


def _is_variable(segment):
    return segment.startswith('{')


_PATTERNS = [(route, _segments(route.path)) for route in ROUTES]


def match(path_segments):
    """The routes of a path (a tuple of segments), by method.

    Where literal and variable segments both match (``/v1/images/adopt``
    and ``/v1/images/{image}``) only the routes with the most literal
    segments count, so ``adopt`` is never taken for an image id.
    """
    found = []
    for route, pattern in _PATTERNS:
        if len(pattern) != len(path_segments):
            continue
        if all((_is_variable(p) and s) or p == s
               for p, s in zip(pattern, path_segments)):
            literals = sum(1 for p in pattern if not _is_variable(p))
            found.append((literals, route))
    if not found:
        return {}
    best = max(literals for literals, _ in found)
    return {route.method: route for literals, route in found
            if literals == best}
