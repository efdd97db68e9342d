"""RequestCheckMiddleware: what never reaches the application."""

import io
import json

import webob

from ciming.api.middleware import request_check
from tests.unit import base

JSON = 'application/json'


class _BrokenChunks(io.RawIOBase):
    """A WSGI input whose chunked encoding is broken (cheroot's error)."""

    def read(self, size=-1):
        raise ValueError('Bad chunked transfer size')


class RequestCheckTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.seen = []
        self.app = request_check.RequestCheckMiddleware(self._inner)

    def _inner(self, environ, start_response):
        self.seen.append(environ['wsgi.input'].read())
        start_response('200 OK', [('Content-Type', JSON)])
        return [b'{}']

    def call(self, path, method='GET', body=None, content_type=None,
             headers=None, **environ):
        request = webob.Request.blank(path, method=method,
                                      headers=headers or {})
        if body is not None:
            request.body = body
        if content_type is not None:
            request.environ['CONTENT_TYPE'] = content_type
        request.environ.update(environ)
        return request.get_response(self.app)

    def assertRefused(self, response, status, code=None):
        self.assertEqual(status, response.status_int, response.text)
        self.assertEqual(JSON, response.content_type)
        error = response.json['error']
        self.assertEqual({'code', 'title', 'message'}, set(error))
        if code:
            self.assertEqual(code, error['code'])
        self.assertEqual([], self.seen)
        return error

    # Routes

    def test_documented_call_passes(self):
        response = self.call('/v1/clouds/dev-a', 'PATCH', b'{"name": "x"}',
                             JSON)
        self.assertEqual(200, response.status_int)
        self.assertEqual([b'{"name": "x"}'], self.seen)

    def test_unknown_path_is_404(self):
        self.assertRefused(self.call('/v1/nothing'), 404)

    def test_wrong_method_is_405_with_allow(self):
        response = self.call('/v1/images', 'DELETE', b'{"image_id": "x"}',
                             JSON)
        self.assertRefused(response, 405, 'method_not_allowed')
        self.assertEqual('GET, POST', response.headers['Allow'])

    def test_action_without_id_is_405(self):
        response = self.call('/v1/jobs/cancel', 'POST')
        self.assertRefused(response, 405)
        self.assertEqual('GET', response.headers['Allow'])

    def test_path_with_control_character_is_400(self):
        self.assertRefused(self.call('/v1/clouds/a%00b'), 400)
        self.assertRefused(self.call('/v1/clouds/a%1Bb'), 400)

    def test_path_not_utf8_is_400(self):
        self.assertRefused(self.call('/v1/clouds/%ED%A0%80'), 400)

    def test_long_path_segment_is_400_without_quoting_it(self):
        error = self.assertRefused(self.call('/v1/clouds/' + 'c' * 5000),
                                   400)
        self.assertNotIn('ccc', error['message'])

    # Query strings

    def test_method_override_is_refused(self):
        self.assertRefused(self.call('/v1/clouds?_method=delete', 'POST'),
                           400)
        self.assertRefused(self.call('/v1/clouds/x?_method=DELETE'), 400)

    def test_unknown_parameter_of_a_call_without_any(self):
        error = self.assertRefused(self.call('/v1/clouds/x?fields=' + 'f'),
                                   400)
        self.assertIn('"fields"', error['message'])

    def test_list_parameters_are_left_to_the_controller(self):
        self.assertEqual(200, self.call('/v1/images?owner=x').status_int)

    def test_query_control_characters_and_bad_utf8(self):
        for query in ('name=%00', 'name=%1B', 'name=%FF', '%00=1',
                      'name=' + 'n' * 256):
            self.assertRefused(self.call('/v1/images?' + query), 400)

    def test_too_many_query_parameters(self):
        self.assertRefused(self.call('/v1/images?' + '&'.join(
            'name=%d' % i for i in range(100))), 400)

    # Headers

    def test_headers_over_the_limit_are_431(self):
        self.config(max_request_header_size=8192, group='api')
        response = self.call('/v1/clouds',
                             headers={'X-Padding': 'p' * 9000})
        self.assertRefused(response, 431, 'request_header_fields_too_large')

    def test_header_control_characters_are_400(self):
        self.assertRefused(self.call('/v1/clouds',
                                     headers={'X-Project-Id': 'a\x00b'}),
                           400)

    def test_header_tab_is_allowed(self):
        response = self.call('/v1/clouds', headers={'X-Roles': 'a,\tb'})
        self.assertEqual(200, response.status_int)

    # Bodies

    def test_json_body_needs_json_content_type(self):
        for content_type in ('text/plain', 'application/x-www-form-urlencoded',
                             '', 'application/json; charset=latin-1'):
            self.assertRefused(self.call('/v1/clouds', 'POST', b'{}',
                                         content_type),
                               415, 'unsupported_media_type')

    def test_json_with_utf8_charset_is_accepted(self):
        response = self.call('/v1/clouds', 'POST', b'{}',
                             'application/json; charset=UTF-8')
        self.assertEqual(200, response.status_int)

    def test_empty_body_needs_no_content_type(self):
        response = self.call('/v1/jobs/j/cancel', 'POST')
        self.assertEqual(200, response.status_int)

    def test_body_on_a_call_without_one_is_400(self):
        self.assertRefused(self.call('/v1/images/x', 'DELETE',
                                     b'{"purge": true}', JSON), 400)

    def test_upload_needs_octet_stream(self):
        for content_type in (JSON, 'multipart/form-data; boundary=x', ''):
            self.assertRefused(self.call('/v1/images/x/file', 'PUT',
                                         b'data', content_type), 415)

    def test_upload_is_not_read(self):
        response = self.call('/v1/images/x/file', 'PUT', b'data',
                             'application/octet-stream')
        self.assertEqual(200, response.status_int)
        self.assertEqual([b'data'], self.seen)

    def test_upload_read_errors_are_400(self):
        stream = request_check._GuardedInput(_BrokenChunks())
        self.assertRaises(request_check.exception.UnreadableBody,
                          stream.read, 10)

    def test_truncated_json_body_is_400(self):
        response = self.call('/v1/clouds', 'POST', b'{"name": "x"}', JSON,
                             CONTENT_LENGTH='100')
        self.assertRefused(response, 400, 'incomplete_body')

    def test_broken_chunked_json_body_is_400(self):
        response = self.call('/v1/clouds', 'POST', None, JSON,
                             HTTP_TRANSFER_ENCODING='chunked',
                             **{'wsgi.input': _BrokenChunks()})
        self.assertRefused(response, 400, 'unreadable_body')

    def test_chunked_json_body_is_read_and_framed(self):
        response = self.call('/v1/clouds', 'POST', None, JSON,
                             HTTP_TRANSFER_ENCODING='chunked',
                             **{'wsgi.input': io.BytesIO(b'{"a": 1}')})
        self.assertEqual(200, response.status_int)
        self.assertEqual([b'{"a": 1}'], self.seen)

    def test_large_json_body_is_413_unread(self):
        stream = io.BytesIO(b'{')
        response = self.call('/v1/clouds', 'POST', None, JSON,
                             CONTENT_LENGTH=str(64 * 1024 * 1024),
                             **{'wsgi.input': stream})
        self.assertRefused(response, 413, 'request_too_large')
        self.assertEqual(0, stream.tell())

    def test_deep_json_is_400(self):
        body = json.dumps({'name': 'x'}).encode()
        self.assertEqual(200, self.call('/v1/clouds', 'POST', body,
                                        JSON).status_int)
        self.seen = []
        deep = b'[' * 5000 + b']' * 5000
        self.assertRefused(self.call('/v1/clouds', 'POST', deep, JSON),
                           400, 'malformed_body')

    def test_content_length_not_a_number_is_400(self):
        self.assertRefused(self.call('/v1/clouds', 'POST', b'{}', JSON,
                                     CONTENT_LENGTH='ten'), 400)
