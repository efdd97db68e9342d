"""POST /v1/images with a ``source`` URL (API 1.2)."""

import socket

import fixtures

from tests.unit.api import base

V12 = {'OpenStack-API-Version': 'cloud-image-manager 1.2'}
SHA256 = 'sha256:' + 'ab' * 32


def _resolving_to(address):
    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, '', (address, port))]
    return getaddrinfo


class URLImportAPITest(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.getaddrinfo = self.useFixture(fixtures.MockPatch(
            'socket.getaddrinfo',
            side_effect=_resolving_to('93.184.216.34'))).mock
        self.create_cloud('dev-a')
        self.create_cloud('dev-b')

    def create(self, source, headers=V12, **fields):
        body = {'name': 'from-url', 'targets': ['dev-a', 'dev-b'],
                'source': source}
        body.update(fields)
        return self.post('/v1/images', body, headers=headers)

    def assertNothingRecorded(self):
        self.assertEqual([], self.dbapi.list_images())
        self.assertEqual([], self.dbapi.list_jobs())
        self.assertEqual([], self.rpcapi.calls)

    def test_create_from_a_url_records_and_casts_an_import_job(self):
        response = self.create({'url': 'https://example.org/img.raw',
                                'checksum': SHA256.upper().replace(
                                    'SHA256', 'sha256')})
        self.assertEqual(201, response.status_int, response.text)
        image = response.json
        self.assertEqual('importing', image['status'])
        self.assertTrue(response.headers['Location'].endswith(
            '/v1/images/%s' % image['id']))
        job = image['job']
        self.assertEqual('import_url', job['action'])
        self.assertEqual({'type': 'url', 'url': 'https://example.org/img.raw',
                          'checksum': SHA256}, job['source'])
        self.assertEqual(2, len(job['targets']))
        self.assertEqual([job['id']],
                         [c['job_id'] for c in self.rpcapi.called('run_job')])

    def test_a_checksums_url_is_recorded(self):
        response = self.create({
            'url': 'http://example.org/d/img.raw',
            'checksums_url': 'http://example.org/d/SHA256SUMS'})
        self.assertEqual(201, response.status_int, response.text)
        self.assertEqual('http://example.org/d/SHA256SUMS',
                         response.json['job']['source']['checksums_url'])

    def test_a_denied_url_is_refused_before_anything_is_recorded(self):
        for url in ('http://127.0.0.1/x', 'http://[::1]/x',
                    'http://0x7f.1/x', 'http://2130706433/x',
                    'http://169.254.169.254/latest', 'file:///etc/passwd',
                    'http://user:secret@example.org/x',
                    'http://example.org:22/x',
                    'http://example.org/' + 'a' * 3000):
            response = self.create({'url': url, 'checksum': SHA256})
            error = self.assertError(response, 400, 'url_not_allowed')
            self.assertNotIn('secret', error['message'])
        self.assertNothingRecorded()

    def test_a_name_resolving_to_loopback_is_refused(self):
        self.getaddrinfo.side_effect = _resolving_to('127.0.0.1')
        response = self.create({'url': 'http://evil.example.org/x',
                                'checksum': SHA256})
        error = self.assertError(response, 400, 'url_not_allowed')
        self.assertIn('loopback', error['message'])
        self.assertNotIn('127.0.0.1', error['message'])
        self.assertNothingRecorded()

    def test_a_denied_checksums_url_is_refused(self):
        response = self.create({
            'url': 'http://example.org/img.raw',
            'checksums_url': 'http://10.0.0.1/SHA256SUMS'})
        self.assertError(response, 400, 'url_not_allowed')
        self.assertNothingRecorded()

    def test_allowed_networks_let_a_local_server_in(self):
        self.config(allowed_networks=['127.0.0.0/8'], allowed_ports=[],
                    group='url_import')
        response = self.create({'url': 'http://127.0.0.1:8000/x',
                                'checksum': SHA256})
        self.assertEqual(201, response.status_int, response.text)

    def test_checksum_and_checksums_url_exclude_each_other(self):
        for source in ({'url': 'http://example.org/x'},
                       {'url': 'http://example.org/x', 'checksum': SHA256,
                        'checksums_url': 'http://example.org/SUMS'}):
            self.assertError(self.create(source), 400, 'invalid_parameter')
        self.assertNothingRecorded()

    def test_a_checksums_url_needs_a_file_name_in_the_url(self):
        response = self.create({
            'url': 'http://example.org/dir/',
            'checksums_url': 'http://example.org/SHA256SUMS'})
        self.assertError(response, 400, 'invalid_parameter')
        self.assertNothingRecorded()

    def test_hostile_sources_are_refused_without_a_traceback(self):
        for source in ({'url': 42, 'checksum': SHA256},
                       {'url': ['http://example.org/'], 'checksum': SHA256},
                       {'url': 'http://exa\x01mple.org/', 'checksum': SHA256},
                       {'url': '', 'checksum': SHA256},
                       {'url': 'http://example.org/' + 'a' * 9000,
                        'checksum': SHA256},
                       {'url': 'http://example.org/x', 'checksum': 'md5:ab'},
                       {'url': 'http://example.org/x',
                        'checksum': 'sha256:' + 'g' * 64},
                       {'url': 'http://example.org/x', 'checksum': SHA256,
                        'extra': 1},
                       {'url': 'http://example.org/x', 'checksum': None},
                       'http://example.org/x', None, [], {}):
            response = self.create(source)
            self.assertError(response, 400, 'schema_validation_failed')
        for raw in (b'{"name": "x", "targets": ["dev-a"], "source": '
                    b'{"url": "http://ex\\u0000ample.org/", "checksum": "'
                    + SHA256.encode() + b'"}}',
                    b'{"name": "x", "targets": ["dev-a"], "source": '
                    b'{"url": "http://example.org/\\ud800", "checksum": "'
                    + SHA256.encode() + b'"}}'):
            response = self.post('/v1/images', raw, headers=dict(
                V12, **{'Content-Type': 'application/json'}))
            self.assertError(response, 400, 'malformed_body')
        self.assertNothingRecorded()

    def test_source_needs_api_1_2(self):
        response = self.create({'url': 'http://example.org/x',
                                'checksum': SHA256}, headers={})
        self.assertError(response, 400, 'schema_validation_failed')
        self.assertNothingRecorded()

    def test_credentials_without_a_source_are_refused(self):
        response = self.post('/v1/images', {
            'name': 'x', 'targets': ['dev-a'],
            'credentials': {'dev-a': {'token': 't'}}}, headers=V12)
        self.assertError(response, 400, 'invalid_parameter')
        self.assertNothingRecorded()

    def test_a_create_without_source_at_1_2_is_as_before(self):
        response = self.post('/v1/images', {'name': 'x',
                                            'targets': ['dev-a']},
                             headers=V12)
        self.assertEqual(201, response.status_int, response.text)
        self.assertEqual('queued', response.json['status'])
        self.assertNotIn('job', response.json)
        self.assertEqual([], self.rpcapi.calls)

    def test_another_projects_cloud_is_not_a_target(self):
        self.create_cloud('theirs', headers=base.OTHER)
        response = self.create({'url': 'http://example.org/x',
                                'checksum': SHA256}, targets=['theirs'])
        self.assertEqual(400, response.status_int, response.text)
        self.assertNothingRecorded()
