"""A job copying an upload while it arrives, on real local clouds."""

import dataclasses
import hashlib
import os
import threading
import time
from unittest import mock

from ciming.common import exception
from ciming.common import staging
from ciming.common import states
from ciming.conductor.tasks import live_upload
from ciming.conductor import utils
from ciming.drivers import local
from tests.unit.conductor import base as conductor_base

PIECE = 256 * 1024
DATA = os.urandom(8 * PIECE + 5)
WAIT = 10


def _wait_for(condition, what):
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError('timed out waiting for %s' % what)
        time.sleep(0.01)


class Uploader(threading.Thread):
    """The API's side: write the staging file piece by piece, then record.

    ``before_last(uploader)`` runs before the last piece is written;
    ``fail`` ends the upload as a refused one instead of recording it.
    """

    def __init__(self, dbapi, image_id, before_last=None, fail=False):
        super().__init__(daemon=True)
        self.dbapi = dbapi
        self.image_id = image_id
        self.before_last = before_last or (lambda uploader: None)
        self.fail = fail
        self.error = None

    def run(self):
        try:
            self._upload()
        except BaseException as exc:  # reported by the test
            self.error = exc
            # A job still waiting for the upload ends too.
            self.dbapi.update_image(self.image_id, {'status': 'queued'})

    def _upload(self):
        area = staging.StagingArea()
        pieces = [DATA[i:i + PIECE] for i in range(0, len(DATA), PIECE)]
        with area.open_writer(self.image_id) as out:
            for piece in pieces[:-1]:
                out.write(piece)
                out.flush()
            self.before_last(self)
            out.write(pieces[-1])
        if self.fail:
            area.delete(self.image_id)
            self.dbapi.update_image(self.image_id, {'status': 'queued'})
            return
        area.commit(self.image_id)
        self.dbapi.update_image(self.image_id, {
            'size': len(DATA), 'checksum': hashlib.md5(DATA).hexdigest(),
            'os_hash_algo': 'sha512',
            'os_hash_value': hashlib.sha512(DATA).hexdigest(),
            'staged': True, 'staged_host': 'test-host',
            'status': states.IMAGE_IMPORTING})


UPLOAD_PID = 4242


class LiveUploadTestCase(conductor_base.LocalCloudsTestCase):

    def setUp(self):
        super().setUp()
        self.image = self.dbapi.create_image(
            {'project_id': 'project-a', 'name': 'img', 'disk_format': 'raw',
             'container_format': 'bare',
             'status': states.IMAGE_UPLOADING, 'upload_host': self.HOST,
             'upload_pid': UPLOAD_PID},
            [self.cloud_a.id, self.cloud_b.id])
        self.job = self.dbapi.create_job(
            {'project_id': 'project-a', 'image_id': self.image.id,
             'action': states.ACTION_IMPORT_UPLOAD,
             'source': {'type': 'staging', 'host': self.HOST,
                        'live': True, 'upload_pid': UPLOAD_PID},
             'expected_image_status': [states.IMAGE_UPLOADING]},
            [self.cloud_a.id, self.cloud_b.id])

    def _received(self, cloud):
        """Bytes a target holds of the image, being written or done."""
        total = 0
        for suffix in ('.img.part', '.img'):
            try:
                total += os.path.getsize(self._file(cloud, self.image.id,
                                                    suffix))
            except FileNotFoundError:
                pass
        return total

    def _copying(self, uploader):
        """Hold the last piece until both targets received data."""
        _wait_for(lambda: self._received(self.cloud_a)
                  and self._received(self.cloud_b),
                  'the targets to receive data during the upload')

    def _run_with(self, uploader):
        uploader.start()
        job = self._run(self.image, [], job=self.job)
        uploader.join(WAIT)
        self.assertIsNone(uploader.error)
        return job

    def test_the_targets_receive_the_upload_while_it_arrives(self):
        def reported(uploader):
            self._copying(uploader)
            # The job says how far it got while it waits for more data.
            _wait_for(lambda: all(t.bytes_done for t in self.dbapi.get_job(
                self.job.id).targets), 'progress during the upload')

        job = self._run_with(Uploader(self.dbapi, self.image.id,
                                      before_last=reported))

        self.assertEqual(states.JOB_SUCCEEDED, job.state, job.error)
        self.assertEqual([len(DATA)] * 2, [t.bytes_done for t in job.targets])
        self.assertEqual([len(DATA)] * 2,
                         [t.bytes_total for t in job.targets])
        for cloud in (self.cloud_a, self.cloud_b):
            with open(self._file(cloud, self.image.id, '.img'), 'rb') as f:
                self.assertEqual(DATA, f.read())
        image = self.dbapi.get_image(self.image.id)
        self.assertEqual(states.IMAGE_ACTIVE, image.status)
        self.assertEqual([len(DATA)] * 2,
                         [loc.size for loc in image.locations])
        self.assertFalse(image.staged)
        self.assertEqual([], os.listdir(staging.StagingArea().dir))
        # What the job read, once the upload ended.
        self.assertEqual(len(DATA), job.data['source']['size'])

    def test_a_failed_upload_fails_the_job_and_removes_the_copies(self):
        job = self._run_with(Uploader(self.dbapi, self.image.id,
                                      before_last=self._copying, fail=True))

        self.assertEqual(states.JOB_FAILED, job.state)
        self.assertIn('did not complete', job.error)
        for cloud in (self.cloud_a, self.cloud_b):
            self.assertEqual(0, self._received(cloud))
        image = self.dbapi.get_image(self.image.id)
        self.assertEqual(states.IMAGE_QUEUED, image.status)
        self.assertEqual([states.LOC_PENDING] * 2,
                         [loc.status for loc in image.locations])

    def test_a_job_cancelled_while_it_waits_for_data_stops(self):
        cancelled = threading.Event()

        def cancel(uploader):
            self._copying(uploader)
            self.manager.cancel_job(self.context, self.job.id)
            _wait_for(lambda: self.dbapi.get_job(self.job.id).state
                      == states.JOB_CANCELLED, 'the job to stop')
            cancelled.set()

        job = self._run_with(Uploader(self.dbapi, self.image.id,
                                      before_last=cancel, fail=True))

        self.assertTrue(cancelled.is_set())
        self.assertEqual(states.JOB_CANCELLED, job.state)
        for cloud in (self.cloud_a, self.cloud_b):
            self.assertEqual(0, self._received(cloud))

    def test_a_target_needing_the_size_waits_for_the_whole_upload(self):
        sized = dataclasses.replace(local.LocalDriver.capabilities,
                                    accepts_unknown_size=False)

        def nothing_sent_yet(uploader):
            time.sleep(0.5)
            uploader.sent_early = (self._received(self.cloud_a)
                                   + self._received(self.cloud_b))

        uploader = Uploader(self.dbapi, self.image.id,
                            before_last=nothing_sent_yet)
        with mock.patch.object(local.LocalDriver, 'capabilities', sized):
            job = self._run_with(uploader)

        self.assertEqual(0, uploader.sent_early)
        self.assertEqual(states.JOB_SUCCEEDED, job.state, job.error)
        with open(self._file(self.cloud_b, self.image.id, '.img'),
                  'rb') as f:
            self.assertEqual(DATA, f.read())

    def test_a_job_waiting_for_the_upload_sees_a_cancel_recorded(self):
        sized = dataclasses.replace(local.LocalDriver.capabilities,
                                    accepts_unknown_size=False)

        def cancelled_without_a_cast(uploader):
            _wait_for(lambda: self.dbapi.get_job(self.job.id).state
                      == states.JOB_RUNNING, 'the job to start')
            # The API recorded the cancel; its cast never came.
            self.dbapi.update_job(self.job.id,
                                  {'state': states.JOB_CANCELLING})
            _wait_for(lambda: self.dbapi.get_job(self.job.id).state
                      == states.JOB_CANCELLED, 'the job to stop')

        with mock.patch.object(local.LocalDriver, 'capabilities', sized):
            job = self._run_with(Uploader(
                self.dbapi, self.image.id,
                before_last=cancelled_without_a_cast, fail=True))

        self.assertEqual(states.JOB_CANCELLED, job.state)
        for cloud in (self.cloud_a, self.cloud_b):
            self.assertEqual(0, self._received(cloud))

    def test_a_later_upload_of_the_image_is_not_the_jobs(self):
        source = self.job.source
        self.assertFalse(live_upload.upload_ended(
            self.dbapi, self.job.id, self.image.id, source))
        # The API died; the image was reset, then uploaded again by
        # another process while this job still ran.
        self.dbapi.update_image(self.image.id, {'upload_pid': 99})
        self.assertRaises(exception.TransferFailed, live_upload.upload_ended,
                          self.dbapi, self.job.id, self.image.id, source)
        self.dbapi.update_image(self.image.id, {
            'staged': True, 'status': states.IMAGE_IMPORTING})
        self.assertRaises(exception.TransferFailed, live_upload.upload_ended,
                          self.dbapi, self.job.id, self.image.id, source)
        self.dbapi.update_image(self.image.id, {'upload_pid': UPLOAD_PID})
        self.assertTrue(live_upload.upload_ended(
            self.dbapi, self.job.id, self.image.id, source))

    def _fail_targets(self):
        for cloud in (self.cloud_a, self.cloud_b):
            self.dbapi.set_location(self.image.id, cloud.id,
                                    {'status': states.LOC_ERROR})

    def _record_upload(self):
        self.dbapi.update_image(self.image.id, {
            'staged': True, 'size': len(DATA),
            'status': states.IMAGE_IMPORTING})

    def test_a_job_ending_before_its_upload_leaves_the_image_to_it(self):
        self._fail_targets()
        utils.end_job(self.dbapi, self.job.id, states.JOB_FAILED, 'full')

        self.assertEqual(states.JOB_FAILED,
                         self.dbapi.get_job(self.job.id).state)
        # The upload goes on; the API settles the image when it ends.
        self.assertEqual(states.IMAGE_UPLOADING,
                         self.dbapi.get_image(self.image.id).status)

    def test_an_upload_recorded_as_its_job_ends_is_settled_by_the_job(self):
        self._fail_targets()
        update_job = self.dbapi.update_job

        def upload_recorded_first(job_id, values, **kwargs):
            if values.get('state') == states.JOB_FAILED:
                self._record_upload()  # between the job's two looks
            return update_job(job_id, values, **kwargs)

        with mock.patch.object(self.dbapi, 'update_job',
                               side_effect=upload_recorded_first):
            utils.end_job(self.dbapi, self.job.id, states.JOB_FAILED,
                          'full')

        # As after a failed copy of a complete upload: a sync retries.
        image = self.dbapi.get_image(self.image.id)
        self.assertEqual(states.IMAGE_ERROR, image.status)
        self.assertTrue(image.staged)

    def test_an_image_changed_meanwhile_is_settled_from_its_new_state(self):
        self._record_upload()
        self._fail_targets()
        update_image = self.dbapi.update_image
        changed = []

        def changed_first(image_id, values, **kwargs):
            if not changed:
                # Another process records the staged data gone.
                changed.append(update_image(image_id, {
                    'staged': False, 'status': states.IMAGE_PARTIAL}))
            return update_image(image_id, values, **kwargs)

        with mock.patch.object(self.dbapi, 'update_image',
                               side_effect=changed_first):
            status = utils.settle_image(self.dbapi, self.image.id)

        # Worked out again: not staged any more, so queued, not error.
        self.assertEqual(states.IMAGE_QUEUED, status)


class GrowingFileTestCase(conductor_base.LocalCloudsTestCase):
    """The reader alone: what it returns and when it stops."""

    def setUp(self):
        super().setUp()
        self.area = staging.StagingArea()
        self.image_id = '3f1f4a3e-8f1e-4a4e-9a43-6d7a7c2e8b11'
        self.ended = False

    def _reader(self, **kwargs):
        def upload_ended():
            if isinstance(self.ended, Exception):
                raise self.ended
            return self.ended
        return staging.GrowingFile(self.image_id, upload_ended,
                                   poll_interval=0.001, **kwargs)

    def test_reads_whole_chunks_until_the_upload_is_recorded(self):
        reader = self._reader()
        with self.area.open_writer(self.image_id) as out:
            out.write(b'a' * 10)
            out.flush()

            def later():
                time.sleep(0.05)
                out.write(b'b' * 10)
                out.flush()

            writer = threading.Thread(target=later)
            writer.start()
            # Waits for the 16 bytes asked for rather than returning 10.
            self.assertEqual(b'a' * 10 + b'b' * 6, reader.read(16))
            writer.join()
        self.area.commit(self.image_id)
        self.ended = True
        self.assertEqual(b'b' * 4, reader.read(16))
        self.assertEqual(b'', reader.read(16))
        reader.close()

    def test_an_upload_that_failed_raises(self):
        reader = self._reader()
        with self.area.open_writer(self.image_id) as out:
            out.write(b'a' * 10)
        self.assertEqual(b'a' * 10, reader.read(10))
        self.area.delete(self.image_id)
        self.ended = RuntimeError('upload reset')
        self.assertRaises(RuntimeError, reader.read, 10)

    def test_staged_data_that_is_gone_raises(self):
        self.ended = True
        error = self.assertRaises(exception.TransferFailed,
                                  self._reader().read, 10)
        self.assertIn('is gone', str(error))

    def test_check_stops_a_wait(self):
        def check():
            raise KeyboardInterrupt('stop')
        with self.area.open_writer(self.image_id):
            self.assertRaises(KeyboardInterrupt,
                              self._reader(check=check).read, 10)
