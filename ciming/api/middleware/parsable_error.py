"""Every error leaves the API as ``{"error": {code, title, message}}``.

Pecan, webob, keystonemiddleware and the WSGI stack each have their own
idea of an error body (HTML, plain text, another JSON shape); this
middleware rewrites any 4xx/5xx that is not already in CIMinG's shape, and
turns an exception escaping the application into a generic 500. Details of
a 500 stay in the log.
"""

import http
import json

from oslo_log import log

LOG = log.getLogger(__name__)

JSON_TYPE = 'application/json'

# Generic codes and messages for errors that carry no CimingException.
_CODES = {
    400: ('bad_request', 'The request is not valid.'),
    401: ('unauthorized', 'Authentication is required.'),
    403: ('forbidden', 'Access is denied.'),
    404: ('not_found', 'The resource could not be found.'),
    405: ('method_not_allowed',
          'The method is not allowed for this resource.'),
    406: ('not_acceptable', 'The requested representation is not '
                            'available.'),
    409: ('conflict', 'The request conflicts with the resource state.'),
    411: ('length_required', 'A Content-Length header is required.'),
    413: ('request_too_large', 'The request body is too large.'),
    415: ('unsupported_media_type', 'The content type is not accepted.'),
    431: ('request_header_fields_too_large',
          'The request headers are too large.'),
    500: ('internal_error', 'The server failed to handle the request; '
                            'the details are in its log.'),
    503: ('service_unavailable', 'The service is unavailable, try again '
                                 'later.'),
}


# How much of a client's value an error message quotes.
QUOTE_LENGTH = 40


def quote(value, length=QUOTE_LENGTH):
    """A client's value for an error message: short, escaped, quoted."""
    text = value if isinstance(value, str) else str(value)
    shortened = text[:length]
    quoted = json.dumps(shortened)
    return quoted + '...' if len(text) > length else quoted


def title(status):
    """The HTTP reason phrase of a status code."""
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return 'Error'


def error_body(status, code=None, message=None):
    """The bytes of an error document."""
    default_code, default_message = _CODES.get(
        status, ('internal_error' if status >= 500 else 'error',
                 title(status)))
    return json.dumps({'error': {
        'code': code or default_code,
        'title': title(status),
        'message': message or default_message,
    }}).encode('utf-8')


def _is_ours(body):
    try:
        error = json.loads(body)['error']
        return (isinstance(error, dict) and isinstance(error['code'], str)
                and isinstance(error['title'], str)
                and isinstance(error['message'], str))
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        return False


def _client_message(status, body, content_type):
    """A message worth keeping from a foreign 4xx body, or None."""
    if status >= 500 or not content_type.startswith(JSON_TYPE):
        return None
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(doc, dict):
        inner = doc.get('error', doc)
        if isinstance(inner, dict):
            for key in ('message', 'faultstring', 'title'):
                if isinstance(inner.get(key), str):
                    return inner[key]
    return None


class ParsableErrorMiddleware:
    """Rewrite error responses into CIMinG's JSON error document."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        captured = {}

        def replacement_start_response(status, headers, exc_info=None):
            captured['status'] = status
            captured['headers'] = headers
            captured['exc_info'] = exc_info
            status_code = int(status.split(' ', 1)[0])
            if status_code < 400:
                return start_response(status, headers, exc_info)
            # Hold an error back until its body has been looked at.
            return lambda data: None

        try:
            app_iter = self.app(environ, replacement_start_response)
        except Exception:
            LOG.exception('Unhandled error serving %s %s',
                          environ.get('REQUEST_METHOD'),
                          environ.get('PATH_INFO'))
            return self._respond(start_response, 500, [], error_body(500))

        status_code = int(captured.get('status', '500').split(' ', 1)[0])
        if status_code < 400:
            return app_iter
        try:
            body = b''.join(app_iter)
        except Exception:
            LOG.exception('Unhandled error rendering %s %s',
                          environ.get('REQUEST_METHOD'),
                          environ.get('PATH_INFO'))
            body, status_code = error_body(500), 500
            captured['headers'] = []
        finally:
            if hasattr(app_iter, 'close'):
                app_iter.close()
        headers = captured.get('headers', [])
        content_type = dict((k.lower(), v) for k, v in headers).get(
            'content-type', '')
        if not _is_ours(body):
            body = error_body(status_code,
                              message=_client_message(status_code, body,
                                                      content_type))
        return self._respond(start_response, status_code, headers, body)

    @staticmethod
    def _respond(start_response, status_code, headers, body):
        kept = [(k, v) for k, v in headers
                if k.lower() not in ('content-type', 'content-length')]
        kept += [('Content-Type', JSON_TYPE),
                 ('Content-Length', str(len(body)))]
        start_response('%d %s' % (status_code, title(status_code)), kept)
        return [body]
