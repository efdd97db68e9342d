"""A real threaded WSGI server (cheroot) for ciming-api and the all-in-one.

Deployments may serve ``ciming.wsgi.api:application`` with uwsgi or
gunicorn instead; this server keeps the built-in commands dependency-light.
"""

import http
import json
import socket
import threading

from cheroot import errors
from cheroot import server
from cheroot import wsgi
from oslo_log import log

from ciming.conf import CONF

LOG = log.getLogger(__name__)

LISTEN_BACKLOG = 128


class _JSONErrorRequest(server.HTTPRequest):
    """cheroot's own answers (malformed request, headers too large) in JSON.

    They come before the application sees the request, so they are shaped
    like the API's errors here: ``{"error": {code, title, message}}``.
    Headers too large are a 431, not cheroot's 413.
    """

    def simple_response(self, status, msg=''):
        code = int(str(status)[:3])
        if code < 400:
            return super().simple_response(status, msg)
        if code == 413 and not self.sent_headers:
            code = 431
        title = http.HTTPStatus(code).phrase
        body = json.dumps({'error': {
            'code': title.lower().replace(' ', '_').replace('-', '_'),
            'title': title,
            'message': str(msg or title)[:200],
        }}).encode('utf-8')
        self.close_connection = True
        head = ('%s %d %s\r\nContent-Length: %d\r\n'
                'Content-Type: application/json\r\nConnection: close\r\n'
                '\r\n' % (self.server.protocol, code, title, len(body)))
        try:
            self.conn.wfile.write(head.encode('ISO-8859-1') + body)
        except socket.error as exc:
            if exc.args[0] not in errors.socket_errors_to_ignore:
                raise

    def send_headers(self):
        """Close, rather than drain, a connection whose body was refused.

        cheroot reads what is left of a request body before answering,
        so that the client reads the answer: after an error that may be
        gigabytes of an upload nobody wants, or a read from a socket that
        already timed out (a client that stopped sending).
        """
        status = int(self.status[:3])
        if status >= 400 and getattr(self.rfile, 'remaining', 0):
            self.close_connection = True
        super().send_headers()


class _JSONErrorConnection(server.HTTPConnection):
    RequestHandlerClass = _JSONErrorRequest


class WSGIServer:
    """Serve one WSGI application on ``[api] host_ip``:``[api] port``."""

    def __init__(self, app, host=None, port=None):
        self.host = host or CONF.api.host_ip
        self.port = CONF.api.port if port is None else port
        # cheroot listens with a backlog of 5: more clients connecting
        # at once than that would find their connection dropped.
        self._server = wsgi.Server((self.host, self.port), app,
                                   numthreads=CONF.api.workers,
                                   request_queue_size=LISTEN_BACKLOG,
                                   server_name='ciming-api')
        # The application refuses large headers too (431); this bounds
        # what the server reads before the application can tell.
        self._server.max_request_header_size = (
            CONF.api.max_request_header_size)
        self._server.ConnectionClass = _JSONErrorConnection
        self._thread = None

    def start(self):
        self._server.prepare()
        self.port = self._server.bind_addr[1]
        self._thread = threading.Thread(target=self._server.serve,
                                        name='wsgi-server', daemon=True)
        self._thread.start()
        LOG.info('Serving the API on http://%s:%s', self.host, self.port)

    def stop(self):
        self._server.stop()
        if self._thread is not None:
            self._thread.join()

    def serve_forever(self):
        """Serve in the calling thread until stop() or an interrupt."""
        self._server.safe_start()
