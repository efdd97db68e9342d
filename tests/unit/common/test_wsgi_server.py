"""The built-in server answers its own errors in the API's JSON shape."""

import json
import socket

from ciming.common import wsgi_server
from tests.unit import base


def _app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'application/json')])
    return [b'{}']


class WSGIServerTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.config(max_request_header_size=8192, workers=1, group='api')
        self.server = wsgi_server.WSGIServer(_app, host='127.0.0.1', port=0)
        self.server.start()
        self.addCleanup(self.server.stop)

    def send(self, data):
        with socket.create_connection(('127.0.0.1', self.server.port),
                                      timeout=10) as sock:
            sock.sendall(data)
            received = b''
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
        head, _, body = received.partition(b'\r\n\r\n')
        return head.decode('latin-1'), body

    def test_headers_too_large_are_a_json_431(self):
        head, body = self.send(b'GET / HTTP/1.1\r\nHost: x\r\nX-Pad: '
                               + b'p' * 20000 + b'\r\n\r\n')
        self.assertTrue(head.startswith('HTTP/1.1 431 '), head)
        self.assertIn('Content-Type: application/json', head)
        error = json.loads(body)['error']
        self.assertEqual('request_header_fields_too_large', error['code'])

    def test_malformed_request_is_a_json_400(self):
        head, body = self.send(b'NONSENSE\r\n\r\n')
        self.assertTrue(head.startswith('HTTP/1.1 400 '), head)
        self.assertEqual({'code', 'title', 'message'},
                         set(json.loads(body)['error']))

    def test_good_request_is_served(self):
        head, body = self.send(b'GET / HTTP/1.1\r\nHost: x\r\n'
                               b'Connection: close\r\n\r\n')
        self.assertTrue(head.startswith('HTTP/1.1 200 '), head)
        self.assertIn(b'{}', body)
