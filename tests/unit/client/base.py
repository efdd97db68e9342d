"""Base of client tests: the real API on a real HTTP port, in-process.

``make_app()`` (noauth, sqlite) is served by the same cheroot server as
``ciming-api``, on a free port, with the conductor replaced by the API
tests' :class:`FakeConductorAPI`. A thin middleware in front counts and
records the requests, so tests can tell which calls the client made.
"""

import threading

import fixtures

from ciming.api import app
from ciming.client import client as ciming_client
from ciming.common import policy
from ciming.common import wsgi_server
from tests.unit.api import base as api_base
from tests.unit import base

PROJECT = 'project-a'


class RecordingMiddleware:
    """Remembers the method, path and headers of every request."""

    def __init__(self, app):
        self.app = app
        self.requests = []
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self._lock:
            self.requests.append({
                'method': environ['REQUEST_METHOD'],
                'path': environ.get('PATH_INFO', ''),
                'query': environ.get('QUERY_STRING', ''),
                'headers': {k[5:].replace('_', '-').lower(): v
                            for k, v in environ.items()
                            if k.startswith('HTTP_')},
                'content_length': environ.get('CONTENT_LENGTH'),
            })
        return self.app(environ, start_response)

    def count(self, path_prefix='/'):
        return len([r for r in self.requests
                    if r['path'].startswith(path_prefix)])


class ServerFixture(fixtures.Fixture):
    """The API on 127.0.0.1:<free port> for the test's duration."""

    def _setUp(self):
        self.recorder = RecordingMiddleware(app.make_app())
        self.server = wsgi_server.WSGIServer(self.recorder, host='127.0.0.1',
                                             port=0)
        self.server.start()
        self.addCleanup(self.server.stop)
        self.endpoint = 'http://127.0.0.1:%d' % self.server.port


class ClientTestCase(base.TestCase):
    """A client in noauth mode, as project-a's member, on a live API."""

    def setUp(self):
        super().setUp()
        self.config(auth_strategy='noauth')
        self.config(host='api-host')
        self.config(workers=4, group='api')
        policy.reset()
        self.addCleanup(policy.reset)
        self.rpcapi = api_base.FakeConductorAPI()
        self.useFixture(fixtures.MockPatch(
            'ciming.conductor.rpcapi.ConductorAPI',
            return_value=self.rpcapi))
        server = self.useFixture(ServerFixture())
        self.recorder = server.recorder
        self.endpoint = server.endpoint
        self.client = self.make_client()

    def make_client(self, **kwargs):
        kwargs.setdefault('project_id', PROJECT)
        return ciming_client.Client(endpoint=self.endpoint, noauth=True,
                                    **kwargs)

    def create_local_cloud_via_api(self, name):
        return self.client.clouds.create(name, 'local',
                                         options={'path': name})
