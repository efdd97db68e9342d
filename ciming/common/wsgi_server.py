"""A real threaded WSGI server (cheroot) for ciming-api and the all-in-one.

Deployments may serve ``ciming.wsgi.api:application`` with uwsgi or
gunicorn instead; this server keeps the built-in commands dependency-light.
"""

import threading

from cheroot import wsgi
from oslo_log import log

from ciming.conf import CONF

LOG = log.getLogger(__name__)

LISTEN_BACKLOG = 128


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
