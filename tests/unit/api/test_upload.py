"""PUT /v1/images/{id}/file: the streamed upload into staging."""

import base64
import hashlib
import io
import os
import sys
from unittest import mock

import fixtures
import webtest

from ciming.api import upload
from ciming.common import staging
from ciming.common import upload_lease
from tests.unit.api import base

DATA = os.urandom(300 * 1024 + 7)


class RecordingInput(io.BytesIO):
    """A WSGI input remembering how much each read asked for."""

    def __init__(self, data):
        super().__init__(data)
        self.sizes = []

    def read(self, size=-1):
        self.sizes.append(size)
        return super().read(size)


class UploadTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        # The job is recorded after the upload (CopyDuringUploadTestCase
        # has the job that starts with it).
        self.config(upload_chunk_size=65536, copy_during_upload=False,
                    group='api')
        self.cloud = self.create_cloud('dev-a')
        self.image = self.create_image(targets=['dev-a'])
        self.url = '/v1/images/%s/file' % self.image['id']
        self.area = staging.StagingArea()

    def upload(self, data=DATA, headers=None, url=None):
        all_headers = {'Content-Type': 'application/octet-stream'}
        all_headers.update(headers or {})
        return self.request('PUT', url or self.url, data,
                            headers=all_headers)

    def upload_chunked(self, data=DATA, chunked=True):
        """A body without Content-Length, as a chunked upload arrives."""
        request = webtest.TestRequest.blank(self.url, method='PUT')
        request.environ['wsgi.input'] = RecordingInput(data)
        if chunked:
            request.environ.pop('CONTENT_LENGTH', None)
            request.environ['wsgi.input_terminated'] = True
            request.headers['Transfer-Encoding'] = 'chunked'
        else:
            request.environ['CONTENT_LENGTH'] = str(len(data))
        request.headers.update(base.MEMBER)
        request.content_type = 'application/octet-stream'
        self.app.last_input = request.environ['wsgi.input']
        return self.app.do_request(request, status='*', expect_errors=True)

    def assertNothingChanged(self):
        image = self.dbapi.get_image(self.image['id'])
        self.assertEqual('queued', image.status)
        self.assertIsNone(image.size)
        self.assertIsNone(image.os_hash_value)
        self.assertFalse(image.staged)
        self.assertFalse(self.area.exists(self.image['id']))
        self.assertFalse(os.path.exists(
            self.area.path(self.image['id']) + '.part'))
        self.assertEqual([], self.dbapi.list_jobs())
        self.assertEqual([], self.rpcapi.calls)


class SuccessfulUploadTestCase(UploadTestCase):

    def test_upload_stages_data_and_starts_a_job(self):
        response = self.upload()
        self.assertEqual(202, response.status_int, response.text)
        job = response.json
        self.assertTrue(response.headers['Location'].endswith(
            '/v1/jobs/%s' % job['id']))
        self.assertEqual('import_upload', job['action'])
        self.assertEqual('pending', job['state'])
        self.assertEqual({'type': 'staging', 'host': 'api-host'},
                         job['source'])
        self.assertEqual([self.cloud['id']],
                         [t['cloud_id'] for t in job['targets']])

        image = self.dbapi.get_image(self.image['id'])
        self.assertEqual('importing', image.status)
        self.assertEqual(len(DATA), image.size)
        self.assertEqual(hashlib.md5(DATA).hexdigest(), image.checksum)
        self.assertEqual('sha512', image.os_hash_algo)
        self.assertTrue(image.staged)
        self.assertEqual('api-host', image.staged_host)
        with self.area.open(image.id) as staged:
            self.assertEqual(image.os_hash_value,
                             hashlib.sha512(staged.read()).hexdigest())
        self.assertEqual(hashlib.sha512(DATA).hexdigest(),
                         image.os_hash_value)
        self.assertEqual([{'job_id': job['id'], 'host': 'api-host',
                           'credentials': None}],
                         self.rpcapi.called('run_job'))

    def test_shared_staging_lets_any_conductor_run_the_job(self):
        self.config(shared=True, group='staging')
        self.assertEqual(202, self.upload().status_int)
        self.assertIsNone(self.rpcapi.called('run_job')[0]['host'])

    def test_chunked_upload(self):
        response = self.upload_chunked()
        self.assertEqual(202, response.status_int, response.text)
        self.assertEqual(len(DATA),
                         self.dbapi.get_image(self.image['id']).size)

    def test_body_is_read_in_chunks(self):
        for chunked in (True, False):
            self.image = self.create_image(targets=['dev-a'])
            self.url = '/v1/images/%s/file' % self.image['id']
            response = self.upload_chunked(chunked=chunked)
            self.assertEqual(202, response.status_int, response.text)
            # Nobody (webob, pecan) read the whole body at once.
            sizes = self.app.last_input.sizes
            self.assertTrue(sizes)
            self.assertTrue(all(0 < s <= 65536 for s in sizes), sizes)

    def test_matching_checksums_are_accepted(self):
        md5 = base64.b64encode(hashlib.md5(DATA).digest()).decode()
        response = self.upload(headers={
            'Content-MD5': md5,
            'X-Image-Os-Hash-Value': hashlib.sha512(DATA).hexdigest()})
        self.assertEqual(202, response.status_int, response.text)

    def test_hex_content_md5_is_accepted(self):
        response = self.upload(
            headers={'Content-MD5': hashlib.md5(DATA).hexdigest()})
        self.assertEqual(202, response.status_int, response.text)


class RefusedUploadTestCase(UploadTestCase):

    def test_image_not_queued(self):
        self.dbapi.update_image(self.image['id'], {'status': 'active'})
        self.assertError(self.upload(), 409, 'invalid_state')
        self.assertEqual('active',
                         self.dbapi.get_image(self.image['id']).status)
        self.assertEqual([], self.rpcapi.calls)

    def test_second_upload_is_refused(self):
        self.assertEqual(202, self.upload().status_int)
        self.assertError(self.upload(), 409, 'invalid_state')
        self.assertEqual(1, len(self.dbapi.list_jobs()))

    def test_content_length_over_cap(self):
        self.config(image_size_cap=len(DATA) - 1, group='api')
        self.assertError(self.upload(), 413, 'image_too_large')
        self.assertNothingChanged()

    def test_chunked_body_over_cap(self):
        self.config(image_size_cap=len(DATA) - 1, group='api')
        self.assertError(self.upload_chunked(), 413, 'image_too_large')
        self.assertNothingChanged()

    def test_content_md5_mismatch(self):
        wrong = base64.b64encode(hashlib.md5(b'other').digest()).decode()
        response = self.upload(headers={'Content-MD5': wrong})
        self.assertError(response, 400, 'checksum_mismatch')
        self.assertNothingChanged()

    def test_sha512_mismatch(self):
        response = self.upload(headers={
            'X-Image-Os-Hash-Value': hashlib.sha512(b'x').hexdigest()})
        self.assertError(response, 400, 'checksum_mismatch')
        self.assertNothingChanged()

    def test_malformed_content_md5(self):
        response = self.upload(headers={'Content-MD5': 'not-md5'})
        self.assertError(response, 400, 'invalid_parameter')
        self.assertNothingChanged()

    def test_empty_upload(self):
        self.assertError(self.upload(b''), 400, 'invalid')
        self.assertNothingChanged()

    def test_form_content_type(self):
        response = self.upload(headers={
            'Content-Type': 'application/x-www-form-urlencoded'})
        self.assertError(response, 415, 'unsupported_media_type')
        self.assertNothingChanged()

    def test_an_upload_whose_lease_was_lost_stops(self):
        enter = upload_lease.Lease.__enter__

        def lost_at_once(lease):
            lease.lost.set()  # as when the conductors reset the image
            return enter(lease)

        with mock.patch.object(upload_lease.Lease, '__enter__',
                               lost_at_once):
            response = self.upload()
        self.assertError(response, 409, 'upload_lease_lost')
        self.assertNothingChanged()

    def test_staging_failure_is_a_500_and_changes_nothing(self):
        os.makedirs(os.path.dirname(self.area.dir), exist_ok=True)
        with open(self.area.dir, 'w'):
            pass  # a file where the staging directory should be
        self.assertError(self.upload(), 500, 'internal_error')
        os.unlink(self.area.dir)
        self.assertNothingChanged()

    def test_reader_cannot_upload(self):
        response = self.upload(headers=base.READER)
        self.assertError(response, 403, 'forbidden')
        self.assertNothingChanged()

    def test_other_project_gets_404(self):
        response = self.upload(headers=base.OTHER)
        self.assertError(response, 404, 'image_not_found')
        self.assertNothingChanged()

    def test_download_is_405(self):
        self.assertEqual(202, self.upload().status_int)
        response = self.get(self.url)
        self.assertError(response, 405, 'method_not_allowed')
        self.assertNotIn(DATA[:64], response.body)


class CopyDuringUploadTestCase(UploadTestCase):
    """The job starts once a first whole chunk arrived (see live_upload)."""

    def setUp(self):
        super().setUp()
        self.config(copy_during_upload=True, group='api')
        self.cast_while = []
        run_job = self.rpcapi.run_job

        def recording_run_job(context, job_id, **kwargs):
            # What the conductor would see when the cast reaches it.
            image = self.dbapi.get_image(self.image['id'])
            part = self.area.path(self.image['id']) + '.part'
            self.cast_while.append((image.status, os.path.getsize(part)
                                    if os.path.exists(part) else None))
            run_job(context, job_id, **kwargs)

        self.rpcapi.run_job = recording_run_job

    def test_job_starts_with_the_upload(self):
        response = self.upload()
        self.assertEqual(202, response.status_int, response.text)
        job = response.json
        self.assertEqual({'type': 'staging', 'host': 'api-host',
                          'live': True}, job['source'])
        self.assertEqual([{'job_id': job['id'], 'host': 'api-host',
                           'credentials': None, 'live_upload': True}],
                         self.rpcapi.called('run_job'))
        # Cast once the body proved longer than a chunk, long before
        # its end: the job reads the partial file as it grows.
        [(status, partial)] = self.cast_while
        self.assertEqual('uploading', status)
        self.assertLessEqual(partial, 65536)
        image = self.dbapi.get_image(self.image['id'])
        self.assertEqual('importing', image.status)
        self.assertTrue(image.staged)
        self.assertEqual(len(DATA), image.size)
        self.assertEqual(hashlib.sha512(DATA).hexdigest(),
                         image.os_hash_value)

    def test_an_upload_of_one_chunk_is_copied_after_it(self):
        response = self.upload(DATA[:65536])
        self.assertEqual(202, response.status_int, response.text)
        self.assertEqual({'type': 'staging', 'host': 'api-host'},
                         response.json['source'])
        self.assertEqual([('importing', None)], self.cast_while)

    def test_not_with_a_shared_staging_area(self):
        self.config(shared=True, group='staging')
        self.assertEqual(202, self.upload().status_int)
        self.assertEqual([('importing', None)], self.cast_while)
        self.assertIsNone(self.rpcapi.called('run_job')[0]['host'])

    def test_not_while_conductors_are_older(self):
        self.rpcapi.copies_during_upload = False
        self.assertEqual(202, self.upload().status_int)
        self.assertEqual([('importing', None)], self.cast_while)

    def test_a_refused_upload_cancels_its_job(self):
        response = self.upload(headers={
            'X-Image-Os-Hash-Value': hashlib.sha512(b'x').hexdigest()})
        self.assertError(response, 400, 'checksum_mismatch')
        [job] = self.dbapi.list_jobs()
        self.assertTrue(job.source['live'])
        self.assertEqual('cancelled', job.state)
        self.assertEqual(['cancelled'], [t.state for t in job.targets])
        image = self.dbapi.get_image(self.image['id'])
        self.assertEqual('queued', image.status)
        self.assertFalse(image.staged)
        self.assertEqual([], os.listdir(self.area.dir))

    def test_a_running_job_of_a_refused_upload_is_cancelled(self):
        run_job = self.rpcapi.run_job

        def taken(context, job_id, **kwargs):
            run_job(context, job_id, **kwargs)
            self.dbapi.update_job(job_id, {'state': 'running'})

        self.rpcapi.run_job = taken
        response = self.upload(headers={
            'X-Image-Os-Hash-Value': hashlib.sha512(b'x').hexdigest()})
        self.assertError(response, 400, 'checksum_mismatch')
        [job] = self.dbapi.list_jobs()
        self.assertEqual('cancelling', job.state)
        self.assertEqual([job.id],
                         [c['job_id'] for c in self.rpcapi.called(
                             'cancel_job')])

    def test_a_job_that_ended_first_leaves_the_upload_staged(self):
        run_job = self.rpcapi.run_job

        def failed(context, job_id, **kwargs):
            run_job(context, job_id, **kwargs)
            # Its every target failed; it left the image to the upload.
            self.dbapi.set_location(self.image['id'], self.cloud['id'],
                                    {'status': 'error'})
            self.dbapi.update_job(job_id, {'state': 'failed',
                                           'error': 'dev-a is full'})

        self.rpcapi.run_job = failed
        response = self.upload()
        self.assertEqual(202, response.status_int, response.text)
        self.assertEqual('failed', response.json['state'])
        # As after a failed copy of a complete upload: a sync retries.
        image = self.dbapi.get_image(self.image['id'])
        self.assertEqual('error', image.status)
        self.assertTrue(image.staged)
        self.assertEqual(len(DATA), image.size)
        self.assertTrue(self.area.exists(image.id))

    def test_the_job_of_an_earlier_upload_that_died_is_cancelled(self):
        earlier = self.dbapi.create_job(
            {'project_id': 'project-a', 'image_id': self.image['id'],
             'action': 'import_upload',
             'source': {'type': 'staging', 'host': 'api-host',
                        'live': True, 'upload_pid': 1}},
            [self.cloud['id']])

        response = self.upload()

        self.assertEqual(202, response.status_int, response.text)
        self.assertEqual('cancelled', self.dbapi.get_job(earlier.id).state)
        # Copied once complete: the earlier job held the image meanwhile.
        self.assertEqual({'type': 'staging', 'host': 'api-host'},
                         response.json['source'])
        self.assertEqual('importing',
                         self.dbapi.get_image(self.image['id']).status)

    def test_a_running_job_of_an_earlier_upload_is_waited_for(self):
        self.useFixture(fixtures.MockPatch(
            'ciming.api.controllers.v1.image_file.EARLIER_JOB_POLL', 0.01))
        self.useFixture(fixtures.MockPatch(
            'ciming.api.controllers.v1.image_file.EARLIER_JOB_WAIT', 0.2))
        earlier = self.dbapi.create_job(
            {'project_id': 'project-a', 'image_id': self.image['id'],
             'action': 'import_upload', 'state': 'running',
             'source': {'type': 'staging', 'host': 'api-host',
                        'live': True, 'upload_pid': 1}},
            [self.cloud['id']])

        # It never ends here: the upload is refused, as before.
        self.assertError(self.upload(), 409, 'image_busy')
        self.assertEqual('running', self.dbapi.get_job(earlier.id).state)
        self.assertEqual('queued',
                         self.dbapi.get_image(self.image['id']).status)


class FakeUwsgi:
    """``uwsgi.chunked_read``: the decoded chunks, then b'' at the end."""

    def __init__(self, data, size=4096):
        self._chunks = [data[i:i + size] for i in range(0, len(data), size)]

    def chunked_read(self, timeout=0):
        return self._chunks.pop(0) if self._chunks else b''


class UwsgiChunkedUploadTestCase(UploadTestCase):
    """Under uwsgi a chunked body comes from its API, not wsgi.input."""

    def test_chunked_upload_is_read_through_uwsgi(self):
        self.useFixture(fixtures.MockPatchObject(
            sys, 'modules', dict(sys.modules, uwsgi=FakeUwsgi(DATA))))
        request = webtest.TestRequest.blank(self.url, method='PUT')
        recording = request.environ['wsgi.input'] = RecordingInput(b'')
        request.environ['uwsgi.version'] = b'2.0.31'
        request.environ.pop('CONTENT_LENGTH', None)
        request.headers['Transfer-Encoding'] = 'chunked'
        request.headers.update(base.MEMBER)
        request.content_type = 'application/octet-stream'
        response = self.app.do_request(request, status='*',
                                       expect_errors=True)
        self.assertEqual(202, response.status_int, response.text)
        image = self.dbapi.get_image(self.image['id'])
        self.assertEqual(len(DATA), image.size)
        self.assertEqual(hashlib.sha512(DATA).hexdigest(),
                         image.os_hash_value)
        self.assertEqual([], recording.sizes)

    def test_body_reads_whole_sizes_across_uwsgi_chunks(self):
        self.useFixture(fixtures.MockPatchObject(
            sys, 'modules', dict(sys.modules, uwsgi=FakeUwsgi(
                b'abcdefghij', size=3))))
        body = upload.request_body(mock.Mock(
            environ={'uwsgi.version': b'2.0.31'},
            headers={'Transfer-Encoding': 'chunked'}))
        self.assertEqual(b'abcd', body.read(4))
        self.assertEqual(b'efghij', body.read(100))
        self.assertEqual(b'', body.read(100))

    def test_body_with_a_length_is_wsgi_input_under_uwsgi(self):
        stream = io.BytesIO(b'data')
        body = upload.request_body(mock.Mock(
            environ={'uwsgi.version': b'2.0.31', 'wsgi.input': stream},
            headers={'Content-Length': '4'}))
        self.assertIs(stream, body)
