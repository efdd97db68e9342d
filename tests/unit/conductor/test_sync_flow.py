"""The sync flow run by the conductor manager, on real local clouds."""

import errno
import hashlib
import os
import shutil
import time
from unittest import mock

import oslo_messaging as messaging

from ciming.common import exception
from ciming.common import staging
from ciming.common import states
from ciming.drivers import local
from tests.unit import base
from tests.unit.conductor import base as conductor_base

DATA = os.urandom(3 * 1024 * 1024 + 17)


class SyncFlowTestCase(conductor_base.LocalCloudsTestCase):

    CHUNK_SIZE = 256 * 1024

    def _stored(self, cloud, image_id):
        with open(os.path.join(self._cloud_dir(cloud),
                               image_id + '.img'), 'rb') as f:
            return f.read()

    def _staged_image(self, data=DATA, targets=None):
        return base.stage_image(self.dbapi,
                                targets or [self.cloud_a, self.cloud_b],
                                data, recorded=DATA)

    def _break(self, cloud):
        """A file where the directory should be: writes fail, even as root."""
        path = self._cloud_dir(cloud)
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w'):
            pass
        return path

    def test_upload_reaches_every_target_and_staging_is_emptied(self):
        image = self._staged_image()
        job = self._run(image, [self.cloud_a, self.cloud_b])

        self.assertEqual(states.JOB_SUCCEEDED, job.state)
        self.assertEqual([len(DATA)] * 2, [t.bytes_done for t in job.targets])
        image = self.dbapi.get_image(image.id)
        self.assertEqual(states.IMAGE_ACTIVE, image.status)
        self.assertEqual([states.LOC_ACTIVE] * 2,
                         [loc.status for loc in image.locations])
        self.assertEqual([image.id] * 2,
                         [loc.remote_id for loc in image.locations])
        self.assertEqual(DATA, self._stored(self.cloud_a, image.id))
        self.assertEqual(DATA, self._stored(self.cloud_b, image.id))
        self.assertFalse(image.staged)
        self.assertEqual([], os.listdir(staging.StagingArea().dir))

    def test_failing_target_leaves_job_partial_and_keeps_staged_data(self):
        image = self._staged_image()
        broken = self._break(self.cloud_b)

        job = self._run(image, [self.cloud_a, self.cloud_b])

        self.assertEqual(states.JOB_PARTIAL, job.state)
        by_cloud = {t.cloud_id: t for t in job.targets}
        self.assertEqual(states.TARGET_ACTIVE,
                         by_cloud[self.cloud_a.id].state)
        self.assertEqual(states.TARGET_FAILED,
                         by_cloud[self.cloud_b.id].state)
        self.assertIn('dev-b', by_cloud[self.cloud_b.id].error)
        self.assertIn(self.cloud_b.id, job.error)
        image = self.dbapi.get_image(image.id)
        self.assertEqual(states.IMAGE_PARTIAL, image.status)
        self.assertTrue(image.staged)
        self.assertTrue(staging.StagingArea().exists(image.id))

        # The fault is fixed; a new job for the failed target completes.
        os.unlink(broken)
        job = self._run(image, [self.cloud_b])
        self.assertEqual(states.JOB_SUCCEEDED, job.state)
        image = self.dbapi.get_image(image.id)
        self.assertEqual(states.IMAGE_ACTIVE, image.status)
        self.assertEqual(DATA, self._stored(self.cloud_b, image.id))
        self.assertFalse(staging.StagingArea().exists(image.id))

    def test_retry_onto_a_full_disk_names_the_full_disk(self):
        image = self._staged_image()
        self._break(self.cloud_b)
        job = self._run(image, [self.cloud_a, self.cloud_b])
        self.assertEqual(states.JOB_PARTIAL, job.state)
        os.unlink(self._cloud_dir(self.cloud_b))
        original = local.LocalDriver.write_import

        def disk_full(driver, remote_id, chunks):
            def filling():
                for n, chunk in enumerate(chunks):
                    if n == 2:
                        raise OSError(errno.ENOSPC,
                                      os.strerror(errno.ENOSPC))
                    yield chunk
            return original(driver, remote_id, filling())

        # The retry has one target, whose disk fills up mid-write.
        with mock.patch.object(local.LocalDriver, 'write_import',
                               disk_full):
            job = self._run(image, [self.cloud_b])

        self.assertEqual(states.JOB_FAILED, job.state)
        error = job.targets[0].error
        self.assertIn(os.strerror(errno.ENOSPC), error)
        self.assertNotIn('source data', error)
        self.assertNotIn('source data', job.error or '')
        location = {loc.cloud_id: loc for loc in
                    self.dbapi.get_image(image.id).locations}[
            self.cloud_b.id]
        self.assertEqual(states.LOC_ERROR, location.status)
        self.assertIn(os.strerror(errno.ENOSPC), location.error)
        # Nothing half-written is left; the staged data waits for a retry.
        self.assertEqual([], os.listdir(self._cloud_dir(self.cloud_b)))
        self.assertTrue(staging.StagingArea().exists(image.id))

    def test_cancel_mid_transfer_deletes_what_the_job_created(self):
        image = self._staged_image()
        job = self._create_job(image, [self.cloud_a, self.cloud_b])
        original = local.LocalDriver.write_import

        def write_and_cancel(driver, remote_id, chunks):
            def cancelling():
                for n, chunk in enumerate(chunks):
                    if n == 2:
                        # What POST /v1/jobs/{id}/cancel does.
                        self.dbapi.update_job(
                            job.id, {'state': states.JOB_CANCELLING})
                    if n >= 2:
                        time.sleep(0.05)  # a slow cloud: cancel lands
                    yield chunk
            return original(driver, remote_id, cancelling())

        with mock.patch.object(local.LocalDriver, 'write_import',
                               write_and_cancel):
            job = self._run(image, None, job=job)

        self.assertEqual(states.JOB_CANCELLED, job.state)
        self.assertEqual([states.TARGET_CANCELLED] * 2,
                         [t.state for t in job.targets])
        for cloud in (self.cloud_a, self.cloud_b):
            self.assertEqual([], os.listdir(self._cloud_dir(cloud)))
        image = self.dbapi.get_image(image.id)
        self.assertEqual([states.LOC_PENDING] * 2,
                         [loc.status for loc in image.locations])
        self.assertTrue(image.staged)

    def test_corrupt_staged_data_fails_the_job_and_reverts_targets(self):
        self.config(rehash_staged_data=True, group='transfer')
        image = self._staged_image(data=b'x' * len(DATA))
        job = self._run(image, [self.cloud_a, self.cloud_b])

        self.assertEqual(states.JOB_FAILED, job.state)
        self.assertIn('source data has checksum', job.error)
        for cloud in (self.cloud_a, self.cloud_b):
            self.assertEqual([], os.listdir(self._cloud_dir(cloud)))

    def test_truncated_staged_data_fails_even_without_rehashing(self):
        image = self._staged_image(data=DATA[:-1])
        job = self._run(image, [self.cloud_a, self.cloud_b])

        self.assertEqual(states.JOB_FAILED, job.state)
        self.assertIn('source data has size', job.error)
        for cloud in (self.cloud_a, self.cloud_b):
            self.assertEqual([], os.listdir(self._cloud_dir(cloud)))

    def test_sync_from_a_cloud_learns_the_hash_and_copies(self):
        image = self._staged_image(targets=[self.cloud_a])
        self._run(image, [self.cloud_a])
        # Forget the hash: a sync from a cloud computes it as it streams.
        self.dbapi.update_image(image.id, {'checksum': None,
                                           'os_hash_value': None})
        self.dbapi.set_location(image.id, self.cloud_b.id,
                                {'status': states.LOC_PENDING})

        job = self._run(image, [self.cloud_b], source={
            'type': 'cloud', 'cloud_id': self.cloud_a.id,
            'remote_id': image.id})

        self.assertEqual(states.JOB_SUCCEEDED, job.state)
        image = self.dbapi.get_image(image.id)
        self.assertEqual(hashlib.sha512(DATA).hexdigest(),
                         image.os_hash_value)
        self.assertEqual(DATA, self._stored(self.cloud_b, image.id))

    def test_staging_cleanup_removes_data_past_the_ttl(self):
        image = self._staged_image(targets=[self.cloud_b])
        self._break(self.cloud_b)
        self._run(image, [self.cloud_b])
        self.assertTrue(staging.StagingArea().exists(image.id))

        self.config(ttl=3600, group='staging')
        self.manager.cleanup_staging()
        self.assertTrue(staging.StagingArea().exists(image.id))

        self.config(ttl=0, group='staging')
        self.manager.cleanup_staging()
        self.assertFalse(staging.StagingArea().exists(image.id))
        image = self.dbapi.get_image(image.id)
        self.assertFalse(image.staged)
        self.assertEqual(states.IMAGE_QUEUED, image.status)

    def test_purge_deletes_every_copy_and_forgets_them(self):
        image = self._staged_image()
        self._run(image, [self.cloud_a, self.cloud_b])

        self.manager.purge_image(self.context, image.id)

        for cloud in (self.cloud_a, self.cloud_b):
            self.assertEqual([], os.listdir(self._cloud_dir(cloud)))
        self.assertEqual([], self.dbapi.get_image(image.id).locations)

    def test_copy_that_cannot_be_deleted_keeps_its_location(self):
        image = self._staged_image()
        self._run(image, [self.cloud_a, self.cloud_b])
        original = local.LocalDriver.delete

        def refuse_in_b(driver, remote_id):
            if driver.cloud['id'] == self.cloud_b.id:
                raise exception.DriverError(cloud='dev-b', reason='busy')
            return original(driver, remote_id)

        with mock.patch.object(local.LocalDriver, 'delete', refuse_in_b):
            raised = self.assertRaises(messaging.ExpectedException,
                                       self.manager.purge_image,
                                       self.context, image.id)
        error = raised.exc_info[1]
        self.assertIsInstance(error, exception.DriverError)
        self.assertIn('dev-b', error.message)
        self.assertIn('busy', error.message)
        self.assertEqual([], os.listdir(self._cloud_dir(self.cloud_a)))
        self.assertEqual([self.cloud_b.id], [
            loc.cloud_id for loc in self.dbapi.get_image(image.id).locations])
