"""Refuse malformed or undocumented requests before anything reads them.

In order, every request must have:

* request line and headers of at most ``[api] max_request_header_size``
  bytes (431), header values without control characters (400);
* a method and path of :data:`ciming.api.routes.ROUTES` (404 for an
  unknown path, 405 with an ``Allow`` header for a known path), each
  path segment valid UTF-8 of at most :data:`MAX_VALUE` characters
  without control characters (400);
* a query string of UTF-8 parameters the call takes (400), never
  ``_method`` (pecan would take it as the method);
* a body only where the call takes one (400), in its content type (415):
  JSON bodies are read here, at most :data:`json_body.MAX_BODY` bytes
  (413), complete (400 when shorter than its Content-Length or when the
  chunked encoding is broken) and parsed once to refuse deep nesting, NUL
  and lone surrogates before pecan parses them again; upload data is
  never read here, only wrapped so a broken stream is a 400 too.
"""

import io
import re
from urllib import parse

from oslo_log import log

from ciming.api import json_body
from ciming.api.middleware import parsable_error
from ciming.api import routes
from ciming.common import exception
from ciming.conf import CONF

LOG = log.getLogger(__name__)

# Longest path segment or query value: names and ids are 255 at most.
MAX_VALUE = 255
MAX_QUERY_PARAMS = 32

# C0 and C1 control characters and DEL; headers may hold a tab.
_CONTROL = re.compile('[\x00-\x1f\x7f-\x9f]')
_HEADER_CONTROL = re.compile('[\x00-\x08\x0a-\x1f\x7f]')

# Errors reading the WSGI input: the client went away or sent a broken
# chunked encoding (cheroot raises ValueError, other servers IOError).
_READ_ERRORS = (ValueError, OSError, EOFError)
_READ_FAILED = 'the connection ended early or the chunked encoding is broken'


def _quote(value):
    return parsable_error.quote(value)


class RequestCheckMiddleware:
    """Answer a 4xx JSON error to any request breaking the rules above."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        try:
            self._check(environ)
        except exception.MethodNotAllowed as exc:
            return _error(start_response, exc,
                          [('Allow', exc.kwargs['allowed'])])
        except exception.CimingException as exc:
            return _error(start_response, exc)
        return self.app(environ, start_response)

    def _check(self, environ):
        _check_headers(environ)
        route = _route(environ)
        _check_query(environ, route)
        _check_body(environ, route)


def _error(start_response, exc, headers=()):
    body = parsable_error.error_body(exc.status, exc.code, exc.message)
    start_response('%d %s' % (exc.status, parsable_error.title(exc.status)),
                   [('Content-Type', parsable_error.JSON_TYPE),
                    ('Content-Length', str(len(body)))] + list(headers))
    return [body]


def _check_headers(environ):
    size = sum(len(environ.get(key, '')) for key in (
        'REQUEST_METHOD', 'PATH_INFO', 'QUERY_STRING', 'CONTENT_TYPE',
        'CONTENT_LENGTH'))
    for key, value in environ.items():
        if key.startswith('HTTP_') and isinstance(value, str):
            size += len(key) + len(value)
            if _HEADER_CONTROL.search(value):
                raise exception.InvalidParameterValue(
                    err='The header %s contains control characters.'
                        % _quote(key[5:].replace('_', '-').title()))
    limit = CONF.api.max_request_header_size
    if size > limit:
        raise exception.HeadersTooLarge(limit=limit)


def _decode(raw, what):
    """A WSGI (latin-1) string as the UTF-8 text it stands for."""
    try:
        text = raw.encode('latin-1').decode('utf-8')
    except UnicodeError:
        raise exception.InvalidParameterValue(err='The %s is not UTF-8.'
                                              % what)
    return text


def _check_text(value, what):
    if len(value) > MAX_VALUE:
        raise exception.InvalidParameterValue(
            err='The %s is longer than %d characters.' % (what, MAX_VALUE))
    if _CONTROL.search(value):
        raise exception.InvalidParameterValue(
            err='The %s contains control characters.' % what)


def _route(environ):
    path = _decode(environ.get('PATH_INFO', ''), 'path')
    segments = tuple(path.strip('/').split('/')) if path.strip('/') else ()
    for segment in segments:
        _check_text(segment, 'path')
    matches = routes.match(segments)
    if not matches:
        raise exception.NotFound()
    method = environ.get('REQUEST_METHOD', '')
    if method not in matches:
        raise exception.MethodNotAllowed(
            method=_quote(method), allowed=', '.join(sorted(matches)))
    return matches[method]


def _check_query(environ, route):
    raw = environ.get('QUERY_STRING', '')
    if not raw:
        return
    try:
        pairs = parse.parse_qsl(raw.encode('latin-1'),
                                keep_blank_values=True,
                                max_num_fields=MAX_QUERY_PARAMS)
    except (ValueError, UnicodeError):
        raise exception.InvalidParameterValue(
            err='At most %d query parameters are accepted.'
                % MAX_QUERY_PARAMS)
    names = set()
    for raw_name, raw_value in pairs:
        try:
            name, value = raw_name.decode('utf-8'), raw_value.decode('utf-8')
        except UnicodeError:
            raise exception.InvalidParameterValue(
                err='The query string is not UTF-8.')
        _check_text(name, 'name of a query parameter')
        _check_text(value, 'value of the query parameter %s' % _quote(name))
        names.add(name)
    if '_method' in names:
        raise exception.InvalidParameterValue(
            err='The method cannot be overridden with _method.')
    if route.params != routes.CONTROLLER:
        unknown = names - set(route.params)
        if unknown:
            raise exception.InvalidParameterValue(
                err='Unknown query parameters: %s.'
                    % ', '.join(_quote(n) for n in sorted(unknown)))


def _content_length(environ):
    raw = environ.get('CONTENT_LENGTH') or ''
    if not raw:
        return None
    if not raw.isdigit():
        raise exception.InvalidParameterValue(
            err='Content-Length must be a number of bytes.')
    return int(raw)


def _media_type(environ):
    media_type, _, params = (environ.get('CONTENT_TYPE') or '').partition(
        ';')
    return media_type.strip().lower(), params.strip().lower()


def _check_body(environ, route):
    length = _content_length(environ)
    chunked = 'chunked' in environ.get('HTTP_TRANSFER_ENCODING', '').lower()
    has_body = chunked or bool(length)
    media_type, params = _media_type(environ)
    if route.body == routes.OCTETS:
        if media_type != routes.OCTETS:
            raise exception.UnsupportedMediaType(
                content_type=_quote(media_type), expected=routes.OCTETS)
        environ['wsgi.input'] = _GuardedInput(environ['wsgi.input'])
        return
    if not has_body:
        return
    if route.body is None:
        raise exception.Invalid(reason='this call takes no body')
    accepted = (routes.JSON,)
    if (route.method, route.path) in routes.MERGE_PATCH_ROUTES:
        accepted += (routes.MERGE_PATCH,)
    if media_type not in accepted or params not in ('', 'charset=utf-8'):
        raise exception.UnsupportedMediaType(
            content_type=_quote(environ.get('CONTENT_TYPE') or 'none'),
            expected=routes.JSON)
    data = _read_body(environ['wsgi.input'], length, json_body.MAX_BODY)
    json_body.loads(data)
    environ['wsgi.input'] = io.BytesIO(data)
    environ['CONTENT_LENGTH'] = str(len(data))
    environ.pop('HTTP_TRANSFER_ENCODING', None)


def _read_body(stream, length, limit):
    """All of a body of at most ``limit`` bytes, or an error."""
    if length is not None and length > limit:
        raise exception.RequestTooLarge(limit=limit)
    wanted = limit + 1 if length is None else length
    chunks, received = [], 0
    try:
        while received < wanted:
            chunk = stream.read(min(65536, wanted - received))
            if not chunk:
                break
            chunks.append(chunk)
            received += len(chunk)
    except _READ_ERRORS as exc:
        LOG.info('Request body unreadable: %s', type(exc).__name__)
        raise exception.UnreadableBody(reason=_READ_FAILED)
    if length is None and received > limit:
        raise exception.RequestTooLarge(limit=limit)
    if length is not None and received != length:
        raise exception.IncompleteBody(received=received, expected=length)
    return b''.join(chunks)


class _GuardedInput:
    """The upload's WSGI input, whose read errors are a 400."""

    def __init__(self, stream):
        self._stream = stream

    def read(self, *args):
        try:
            return self._stream.read(*args)
        except _READ_ERRORS as exc:
            LOG.info('Upload body unreadable: %s', type(exc).__name__)
            raise exception.UnreadableBody(reason=_READ_FAILED)

    def __getattr__(self, name):
        return getattr(self._stream, name)
