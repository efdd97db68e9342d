"""The Python client against the real API: calls, versions, errors."""

import base64
import hashlib
import io
import json

from ciming.api.controllers.v1 import versions
from ciming.client import exceptions
from ciming.client import http
from ciming.client import upload
from tests.unit.client import base

FOREIGN = {'auth_url': 'http://keystone.example:5000/v3'}
SECRET = {'username': 'bob', 'password': 'canary-pw'}


class VersionTest(base.ClientTestCase):

    def test_negotiates_once_against_the_root_then_labels_requests(self):
        self.client.clouds.list()
        self.client.images.list()
        roots = [r for r in self.recorder.requests if r['path'] == '/']
        self.assertEqual(1, len(roots))
        v1 = [r for r in self.recorder.requests if r['path'] != '/']
        agreed = min(http.MAX_VERSION, versions.MAX_VERSION)
        self.assertEqual(
            ['cloud-image-manager %d.%d' % agreed] * 2,
            [r['headers']['openstack-api-version'] for r in v1])
        self.assertEqual(agreed, self.client.http.api_version)

    def test_a_version_the_client_does_not_speak_fails_before_a_request(
            self):
        client = self.make_client(api_version='1.7')
        self.assertRaises(exceptions.VersionNotSupported,
                          client.clouds.list)
        self.assertEqual([], self.recorder.requests)

    def test_endpoint_with_v1_suffix_is_the_same_service(self):
        client = base.ciming_client.Client(
            endpoint=self.endpoint + '/v1/', noauth=True,
            project_id=base.PROJECT)
        self.assertEqual(self.endpoint, client.endpoint)
        self.assertIsInstance(client.clouds.list(), list)

    def test_request_id_is_remembered(self):
        self.client.clouds.list()
        self.assertTrue(self.client.last_request_id.startswith('req-'))


class NoauthTest(base.ClientTestCase):

    def test_identity_headers_choose_the_project(self):
        cloud = self.create_local_cloud_via_api('mine')
        self.assertEqual(base.PROJECT, cloud['project_id'])
        other = self.make_client(project_id='project-b')
        self.assertNotIn('mine', [c['name'] for c in other.clouds.list()])
        self.assertEqual('member,reader',
                         self.recorder.requests[-1]['headers']['x-roles'])

    def test_noauth_needs_an_endpoint(self):
        self.assertRaises(ValueError, base.ciming_client.Client,
                          noauth=True)


class ErrorTest(base.ClientTestCase):

    def test_not_found_by_code(self):
        exc = self.assertRaises(exceptions.NotFound,
                                self.client.images.get,
                                '5e4b4a8e-0000-4000-8000-000000000000')
        self.assertIsInstance(exc, exceptions.ImageNotFound)
        self.assertEqual(404, exc.http_status)
        self.assertEqual('image_not_found', exc.code)
        self.assertTrue(exc.request_id.startswith('req-'))
        self.assertIn('(HTTP 404)', str(exc))
        self.assertNotIn('\n', str(exc))

    def test_conflict_by_code(self):
        self.create_local_cloud_via_api('twice')
        exc = self.assertRaises(exceptions.Conflict,
                                self.client.clouds.create, 'twice', 'local',
                                options={'path': 'elsewhere'})
        self.assertIsInstance(exc, exceptions.DuplicateName)

    def test_bad_request_by_code(self):
        exc = self.assertRaises(exceptions.BadRequest,
                                self.client.images.create, 'x',
                                targets=['no-such-cloud'])
        self.assertEqual(400, exc.http_status)
        self.assertIsInstance(exc, exceptions.UnknownCloud)

    def test_unknown_code_falls_back_to_the_status(self):
        response = _Response(409, {'error': {
            'code': 'something_new', 'title': 'Conflict', 'message': 'm'}})
        exc = exceptions.from_response(response)
        self.assertIs(exceptions.Conflict, type(exc))
        self.assertEqual('something_new', exc.code)

    def test_checksum_mismatch_by_code_whatever_the_status(self):
        for status in (400, 409):
            exc = exceptions.from_response(_Response(status, {'error': {
                'code': 'checksum_mismatch', 'title': 't',
                'message': 'm'}}))
            self.assertIsInstance(exc, exceptions.ChecksumMismatch)
            self.assertEqual(status, exc.http_status)

    def test_body_that_is_not_ours(self):
        exc = exceptions.from_response(_Response(502, None, b'<html>'),
                                       'GET', 'http://x/v1/images')
        self.assertIsInstance(exc, exceptions.BadGateway)
        self.assertIn('GET http://x/v1/images answered 502', str(exc))

    def test_unreachable_service(self):
        client = base.ciming_client.Client(endpoint='http://127.0.0.1:9',
                                           noauth=True)
        exc = self.assertRaises(exceptions.CommunicationError,
                                client.clouds.list)
        self.assertIn('Cannot reach the CIMinG API', str(exc))


class _Response:
    """Just enough of a requests response for from_response."""

    def __init__(self, status, document, content=None):
        self.status_code = status
        self.headers = {}
        self.content = (content if content is not None
                        else json.dumps(document).encode())

    def json(self):
        return json.loads(self.content)


class ResourceTest(base.ClientTestCase):

    def setUp(self):
        super().setUp()
        self.cloud = self.create_local_cloud_via_api('dev-a')

    def test_cloud_calls(self):
        self.assertEqual(self.cloud, self.client.clouds.get('dev-a'))
        updated = self.client.clouds.update('dev-a', description='d')
        self.assertEqual('d', updated['description'])
        self.assertEqual({'valid': True},
                         self.client.clouds.validate('dev-a'))
        self.rpcapi.listing = [{'remote_id': 'r1', 'name': 'x'}]
        self.assertEqual(['r1'], [i['remote_id'] for i in
                                  self.client.clouds.images('dev-a')])
        self.client.clouds.delete('dev-a')
        self.assertRaises(exceptions.NotFound, self.client.clouds.get,
                          'dev-a')

    def test_image_list_follows_next_links(self):
        self.config(max_limit=2, group='api')
        created = [self.client.images.create('img-%d' % i, ['dev-a'])['id']
                   for i in range(5)]
        self.assertEqual(created,
                         [i['id'] for i in self.client.images.list()])
        self.assertEqual(2, len(self.client.images.list(limit=2)))
        self.assertEqual(['img-3'], [i['name'] for i in
                                     self.client.images.list(name='img-3')])

    def test_find_by_name_or_id(self):
        image = self.client.images.create('unique', ['dev-a'])
        self.assertEqual(image['id'],
                         self.client.images.find('unique')['id'])
        self.assertEqual(image['id'],
                         self.client.images.find(image['id'])['id'])
        self.client.images.create('twin', ['dev-a'])
        self.client.images.create('twin', ['dev-a'])
        self.assertRaises(exceptions.ClientException,
                          self.client.images.find, 'twin')
        self.assertRaises(exceptions.NotFound, self.client.images.find,
                          'nobody')

    def test_locations_link_and_unlink(self):
        image = self.client.images.create('img', ['dev-a'])
        cloud_b = self.create_local_cloud_via_api('dev-b')
        location = self.client.locations.create(image['id'], 'dev-b', 'r-9')
        self.assertEqual(('dev-b', 'r-9', 'active'), (
            location['cloud_name'], location['remote_id'],
            location['status']))
        self.assertIn(cloud_b['id'], [loc['cloud_id'] for loc in
                                      self.client.locations.list(
                                          image['id'])])
        self.client.locations.delete(image['id'], 'dev-b')
        self.assertEqual(['dev-a'], [loc['cloud_name'] for loc in
                                     self.client.locations.list(
                                         image['id'])])

    def test_delete_image(self):
        image = self.client.images.create('img', ['dev-a'])
        self.client.images.delete(image['id'])
        self.assertRaises(exceptions.ImageNotFound, self.client.images.get,
                          image['id'])


class UploadTest(base.ClientTestCase):

    DATA = bytes(range(256)) * 4096 * 3  # 3 MiB, three chunks

    def setUp(self):
        super().setUp()
        self.create_local_cloud_via_api('dev-a')
        self.image = self.client.images.create('img', ['dev-a'])

    def _assert_uploaded(self, job):
        self.assertEqual(self.image['id'], job['image_id'])
        image = self.client.images.get(self.image['id'])
        self.assertEqual(len(self.DATA), image['size'])
        self.assertEqual(hashlib.md5(self.DATA).hexdigest(),
                         image['checksum'])
        self.assertEqual(hashlib.sha512(self.DATA).hexdigest(),
                         image['os_hash_value'])

    def _upload_request(self):
        return [r for r in self.recorder.requests
                if r['method'] == 'PUT'][-1]

    def test_from_a_path_with_progress_and_a_length(self):
        path = self.useFixture(base.fixtures.TempDir()).join('data.raw')
        with open(path, 'wb') as out:
            out.write(self.DATA)
        seen = []
        job = self.client.images.upload(
            self.image['id'], path,
            progress=lambda done, total: seen.append((done, total)))
        self._assert_uploaded(job)
        size = len(self.DATA)
        self.assertEqual([(upload.CHUNK_SIZE * i, size) for i in (1, 2, 3)],
                         seen)
        self.assertEqual(str(size), self._upload_request()['content_length'])

    def test_from_a_file_like_object(self):
        job = self.client.images.upload(self.image['id'],
                                        io.BytesIO(self.DATA))
        self._assert_uploaded(job)

    def test_from_a_stream_of_unknown_size_goes_chunked(self):
        job = self.client.images.upload(self.image['id'],
                                        _Unsized(self.DATA))
        self._assert_uploaded(job)
        self.assertEqual('chunked', self._upload_request()['headers'].get(
            'transfer-encoding'))

    def test_checksum_announced_and_wrong(self):
        exc = self.assertRaises(
            exceptions.ChecksumMismatch, self.client.images.upload,
            self.image['id'], io.BytesIO(self.DATA),
            checksum='0' * 32)
        self.assertEqual(400, exc.http_status)

    def test_reads_chunk_by_chunk(self):
        source = _Unsized(self.DATA)
        body = upload.UploadBody(source, size=len(self.DATA))
        self.assertEqual(len(self.DATA), len(body))
        chunks = list(body)
        self.assertEqual(self.DATA, b''.join(chunks))
        self.assertEqual([upload.CHUNK_SIZE] * 3, source.reads)

    def test_data_must_be_a_path_or_a_file(self):
        self.assertRaises(TypeError, self.client.images.upload,
                          self.image['id'], 42)


class _Unsized:
    """A pipe-like reader: no fileno, no seek; records its reads."""

    def __init__(self, data):
        self.stream = io.BytesIO(data)
        self.reads = []

    def read(self, size=-1):
        self.reads.append(size)
        return self.stream.read(size)


class CredentialsTest(base.ClientTestCase):
    """Per-request credentials reach the conductor, by body or header."""

    def setUp(self):
        super().setUp()
        self.cloud = self.client.clouds.create('os-a', 'openstack',
                                               options=FOREIGN)
        self.image = self.client.images.create('img', ['os-a'])

    def _run_job_credentials(self):
        return [c['credentials'] for c in self.rpcapi.called('run_job')]

    def test_upload_sends_them_in_the_header(self):
        self.client.images.upload(self.image['id'], io.BytesIO(b'data'),
                                  credentials={'os-a': SECRET})
        self.assertEqual([{self.cloud['id']: SECRET}],
                         self._run_job_credentials())
        header = self.recorder.requests[-1]['headers'][
            'x-ciming-credentials']
        self.assertEqual({'os-a': SECRET},
                         json.loads(base64.b64decode(header)))

    def test_sync_sends_them_in_the_body(self):
        cloud_b = self.client.clouds.create('os-b', 'openstack',
                                            options=FOREIGN)
        self.dbapi.set_location(self.image['id'], self.cloud['id'],
                                {'status': 'active', 'remote_id': 'r1'})
        self.dbapi.update_image(self.image['id'], {'status': 'partial'})
        self.client.images.sync(self.image['id'], targets=['os-b'],
                                credentials={'os-a': SECRET})
        self.assertEqual([{self.cloud['id']: SECRET}],
                         self._run_job_credentials())
        self.assertIn(cloud_b['id'], [
            t['cloud_id'] for t in self.client.jobs.list()[0]['targets']])
        self.assertNotIn('x-ciming-credentials',
                         self.recorder.requests[-1]['headers'])

    def test_client_wide_credentials_are_the_default(self):
        client = self.make_client(credentials={'os-a': SECRET})
        client.clouds.validate('os-a')
        self.assertEqual([{self.cloud['id']: SECRET}], [
            c['credentials'] for c in self.rpcapi.called('validate_cloud')])

    def test_header_value_is_base64_json(self):
        value = http.credentials_header({'c': {'token': 't'}})
        self.assertEqual({'c': {'token': 't'}},
                         json.loads(base64.b64decode(value)))


class WaitForJobTest(base.ClientTestCase):

    def setUp(self):
        super().setUp()
        self.create_local_cloud_via_api('dev-a')
        image = self.client.images.create('img', ['dev-a'])
        self.job = self.client.images.upload(image['id'], io.BytesIO(b'x'))

    def test_returns_the_final_job_and_reports_every_poll(self):
        seen = []

        def sleep(_seconds):
            self.dbapi.update_job(self.job['id'], {'state': 'succeeded'})

        final = self.client.jobs.wait(self.job['id'], callback=seen.append,
                                      sleep=sleep)
        self.assertEqual('succeeded', final['state'])
        self.assertEqual(['pending', 'succeeded'],
                         [j['state'] for j in seen])

    def test_times_out(self):
        ticks = iter(range(100))
        exc = self.assertRaises(
            exceptions.JobTimeout, self.client.jobs.wait, self.job['id'],
            timeout=3, sleep=lambda s: None, clock=lambda: next(ticks))
        self.assertIn('still pending', str(exc))

    def test_cancel(self):
        job = self.client.jobs.cancel(self.job['id'])
        self.assertEqual('cancelled', job['state'])
        self.assertEqual([self.job['id']],
                         [j['id'] for j in self.client.jobs.list()])
