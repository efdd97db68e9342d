"""The Google Cloud driver: options, keys, and the resumable upload."""

import requests

from ciming.common import exception
from ciming.drivers import factory
from ciming.drivers import gcp
from ciming.drivers import gcp_storage
from tests.unit import base

KiB = 1024
GOOD_OPTIONS = {'project': 'ciming-test', 'bucket': 'ciming-staging'}
KEY = {'type': 'service_account', 'private_key_id': 'ab12',
       'private_key': '-----BEGIN PRIVATE KEY-----\n' + 'A' * 100,
       'client_email': 'sa@p.iam.gserviceaccount.com', 'client_id': '12',
       'token_uri': 'https://oauth2.googleapis.com/token'}


class OptionsTestCase(base.TestCase):

    def test_loaded_through_stevedore(self):
        self.assertIs(gcp.GCPDriver, factory.driver_class('gcp'))
        caps = factory.capabilities('gcp')
        self.assertTrue(caps.exports_per_image)
        self.assertEqual(('raw',), caps.disk_formats)

    def test_good_options(self):
        factory.check_options('gcp', dict(
            GOOD_OPTIONS, storage_location='europe-west1',
            compute_endpoint='http://127.0.0.1:1/compute/v1/',
            storage_endpoint='http://127.0.0.1:2'))

    def test_hostile_options_are_refused(self):
        for bad in ({}, {'project': 'ciming-test'},
                    dict(GOOD_OPTIONS, project=1),
                    dict(GOOD_OPTIONS, project='UPPER-case'),
                    dict(GOOD_OPTIONS, bucket='b\0ad'),
                    dict(GOOD_OPTIONS, bucket=['x']),
                    dict(GOOD_OPTIONS, bucket='\ud800abc'),
                    dict(GOOD_OPTIONS, storage_location='x' * 1000),
                    dict(GOOD_OPTIONS, compute_endpoint='file:///etc'),
                    dict(GOOD_OPTIONS, storage_endpoint={'a': 1}),
                    dict(GOOD_OPTIONS, extra='x')):
            self.assertRaises(exception.InvalidParameterValue,
                              factory.check_options, 'gcp', bad)


class CredentialsTestCase(base.TestCase):

    def test_a_service_account_key_passes(self):
        factory.check_credentials('gcp', 'g', KEY)

    def test_wrong_keys_are_refused_without_echo(self):
        for bad in ({}, dict(KEY, type='authorized_user'),
                    dict(KEY, private_key='secret-canary' * 10),
                    dict(KEY, private_key=1),
                    dict(KEY, client_email='no-at-sign'),
                    dict(KEY, token_uri='ftp://x'),
                    dict(KEY, extra='secret-canary'),
                    dict(KEY, private_key_id='\ud800')):
            error = self.assertRaises(exception.InvalidCredentials,
                                      factory.check_credentials, 'gcp', 'g',
                                      bad)
            self.assertNotIn('secret-canary', str(error))

    def test_a_key_that_does_not_load_names_no_secret(self):
        driver = factory.build({'id': 'c', 'name': 'g', 'type': 'gcp',
                                'options': GOOD_OPTIONS}, credentials=KEY)
        error = self.assertRaises(exception.InvalidCredentials,
                                  driver._credentials)
        self.assertNotIn('AAAA', str(error))

    def test_no_key_asks_for_one(self):
        driver = factory.build({'id': 'c', 'name': 'g', 'type': 'gcp',
                                'options': GOOD_OPTIONS})
        self.assertRaises(exception.CredentialsRequired, driver._client)


class _Response:
    def __init__(self, status, headers=None):
        self.status_code = status
        self.headers = headers or {}
        self.text = ''


class FakeSession:
    """A resumable session that commits whole requests, and breaks once.

    ``break_at``: the PUT whose connection breaks (its bytes are lost).
    """

    def __init__(self, break_at=None):
        self.data = bytearray()
        self.total = None
        self.puts = 0
        self.break_at = break_at

    def request(self, method, url, data=None, headers=None, **kwargs):
        if method == 'POST':
            return _Response(200, {'Location': 'http://other/upload?id=1'})
        crange = headers['Content-Range']
        self.puts += 1
        if self.puts == self.break_at:
            # Like urllib3, keep the error (and the frames of its
            # traceback, with the caller's locals) alive.
            self.kept = requests.ConnectionError('cut')
            raise self.kept
        spec, total = crange[len('bytes '):].split('/')
        if spec != '*':
            start = int(spec.split('-')[0])
            assert start == len(self.data), (start, len(self.data))
            self.data += data
        if total != '*' and len(self.data) == int(total):
            self.total = int(total)
            return _Response(200)
        if not self.data:
            return _Response(308)
        end = len(self.data) - 1
        return _Response(308, {'Range': 'bytes=0-%d' % end})


class UploadTestCase(base.TestCase):

    def bucket(self, session):
        bucket = gcp_storage.Bucket(session, 'http://gcs', 'b', 'g',
                                    piece_size=256 * KiB, backoff=0)
        return bucket

    def test_pieces_are_quanta_and_the_last_carries_the_total(self):
        session = FakeSession()
        data = bytes(range(256)) * 4000  # ~1 MB, not a multiple
        size = self.bucket(session).upload('o', [data[i:i + 10000] for i in
                                                 range(0, len(data), 10000)])
        self.assertEqual(len(data), size)
        self.assertEqual(data, bytes(session.data))
        self.assertEqual(len(data), session.total)

    def test_broken_connection_resumes_from_the_committed_offset(self):
        session = FakeSession(break_at=3)
        data = b'x' * (1024 * KiB + 5)
        bucket = self.bucket(session)
        bucket.upload('o', [data])
        self.assertEqual(data, bytes(session.data))
        self.assertEqual(1, bucket.resumes)
        # Only the broken piece went twice.
        self.assertEqual(len(data) + 256 * KiB, bucket.bytes_sent)

    def test_empty_stream(self):
        session = FakeSession()
        self.assertEqual(0, self.bucket(session).upload('o', []))
        self.assertEqual(0, session.total)

    def test_session_url_keeps_the_configured_endpoint(self):
        bucket = self.bucket(FakeSession())
        self.assertEqual('http://gcs/upload?id=1', bucket._session_url('o'))
