"""An HTTP server on 127.0.0.1 for tests that import images from a URL.

``files`` maps paths to the bytes served, ``redirects`` paths to a
Location; ``requests`` records every GET as (path, Host header).
"""

import http.server
import threading

import fixtures


class _Handler(http.server.BaseHTTPRequestHandler):

    def do_GET(self):
        self.server.requests.append((self.path, self.headers.get('Host')))
        if self.path in self.server.redirects:
            self.send_response(302)
            self.send_header('Location', self.server.redirects[self.path])
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        data = self.server.files.get(self.path)
        if data is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class HTTPServerFixture(fixtures.Fixture):

    def _setUp(self):
        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      _Handler)
        self.server.files = {}
        self.server.redirects = {}
        self.server.requests = []
        self.port = self.server.server_address[1]
        thread = threading.Thread(target=self.server.serve_forever,
                                  daemon=True)
        thread.start()
        self.addCleanup(thread.join)
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)

    @property
    def files(self):
        return self.server.files

    @property
    def requests(self):
        return self.server.requests

    @property
    def paths(self):
        """The paths requested, in order."""
        return [path for path, _host in self.server.requests]

    def url(self, path, host='127.0.0.1'):
        return 'http://%s:%d%s' % (host, self.port, path)
