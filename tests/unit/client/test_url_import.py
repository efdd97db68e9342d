"""The Python client creating an image from a URL (API 1.2)."""

import socket

import fixtures

from ciming.client import exceptions
from ciming.client import http
from tests.unit.client import base

SOURCE = {'url': 'https://images.example.org/cirros.img',
          'checksum': 'sha256:' + 'ab' * 32}


class URLImportClientTest(base.ClientTestCase):

    def setUp(self):
        super().setUp()
        real = socket.getaddrinfo

        def getaddrinfo(host, port, *args, **kwargs):
            if host == 'images.example.org':
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, '',
                         ('93.184.216.34', port))]
            return real(host, port, *args, **kwargs)
        # The API in this process resolves the URL's host; the client
        # still reaches the API on 127.0.0.1.
        self.useFixture(fixtures.MockPatch('socket.getaddrinfo',
                                           side_effect=getaddrinfo))
        self.create_local_cloud_via_api('dev-a')

    def test_create_with_a_source_starts_the_import_job(self):
        image = self.client.images.create('cirros', ['dev-a'],
                                          source=SOURCE)
        self.assertEqual('importing', image['status'])
        self.assertEqual('import_url', image['job']['action'])
        self.assertEqual(dict(SOURCE, type='url'), image['job']['source'])
        request = self.recorder.requests[-1]
        # The highest version both speak, at least the one of URL import.
        version = request['headers']['openstack-api-version'].split()[1]
        self.assertGreaterEqual(http.parse_version(version), (1, 2))
        self.assertEqual([image['job']['id']], [
            c['job_id'] for c in self.rpcapi.called('run_job')])

    def test_a_refused_url_is_a_bad_request(self):
        exc = self.assertRaises(
            exceptions.BadRequest, self.client.images.create, 'x', ['dev-a'],
            source={'url': 'http://127.0.0.1/x',
                    'checksum': SOURCE['checksum']})
        self.assertIn('loopback', str(exc))
        self.assertEqual([], self.client.images.list())

    def test_a_source_needs_api_1_2(self):
        client = self.make_client(api_version='1.0')
        self.assertRaises(exceptions.VersionNotSupported,
                          client.images.create, 'x', ['dev-a'],
                          source=SOURCE)
        self.assertEqual([], self.client.images.list())
