"""Negotiate the API microversion of every /v1 request.

The version asked in ``OpenStack-API-Version: cloud-image-manager X.Y``
(absent means the minimum, ``latest`` the maximum) is stored in the WSGI
environment as a ``(major, minor)`` tuple under :data:`ENVIRON_KEY`; the
response names the version served and varies on the header.
"""

import re

from ciming.api.controllers.v1 import versions
from ciming.api.middleware import parsable_error
from ciming.common import exception

ENVIRON_KEY = 'ciming.api_version'
_WSGI_HEADER = 'HTTP_' + versions.HEADER.upper().replace('-', '_')
_VERSION = re.compile(r'^(\d{1,4})\.(\d{1,4})$')


def parse(header_value):
    """The (major, minor) asked for in a header value; raise if wrong."""
    if not header_value:
        return versions.MIN_VERSION
    asked = None
    for item in header_value.split(','):
        parts = item.strip().split()
        if parts and parts[0].lower() == versions.SERVICE_TYPE:
            if len(parts) != 2:
                raise exception.InvalidAPIVersion(
                    reason='expected "%s X.Y"' % versions.SERVICE_TYPE)
            asked = parts[1]
    if asked is None:
        return versions.MIN_VERSION
    if asked.lower() == 'latest':
        return versions.MAX_VERSION
    match = _VERSION.match(asked)
    if not match:
        raise exception.InvalidAPIVersion(
            reason='%s is not a version of the form X.Y'
                   % parsable_error.quote(asked))
    version = (int(match.group(1)), int(match.group(2)))
    if not versions.MIN_VERSION <= version <= versions.MAX_VERSION:
        raise exception.APIVersionNotSupported(
            version=asked, min=versions.MIN_VERSION_STRING,
            max=versions.MAX_VERSION_STRING)
    return version


class MicroversionMiddleware:
    """Check the asked version and label the response with it."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get('PATH_INFO', '')
        if not (path == '/v1' or path.startswith('/v1/')):
            return self.app(environ, start_response)
        try:
            version = parse(environ.get(_WSGI_HEADER))
        except exception.CimingException as exc:
            body = parsable_error.error_body(exc.status, exc.code,
                                             exc.message)
            start_response(
                '%d %s' % (exc.status, parsable_error.title(exc.status)),
                [('Content-Type', parsable_error.JSON_TYPE),
                 ('Content-Length', str(len(body))),
                 (versions.HEADER, '%s %s' % (
                     versions.SERVICE_TYPE, versions.MIN_VERSION_STRING)),
                 ('Vary', versions.HEADER)])
            return [body]
        environ[ENVIRON_KEY] = version

        def labelled_start_response(status, headers, exc_info=None):
            headers = [(k, v) for k, v in headers
                       if k.lower() != versions.HEADER.lower()]
            headers.append((versions.HEADER, '%s %d.%d' % (
                versions.SERVICE_TYPE, version[0], version[1])))
            headers.append(('Vary', versions.HEADER))
            return start_response(status, headers, exc_info)

        return self.app(environ, labelled_start_response)
