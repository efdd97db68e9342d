"""The transfer task's server-side copy: used when a target can, verified,
and replaced by streaming when it cannot."""

import dataclasses
import os
import shutil
from unittest import mock

from ciming.common import exception
from ciming.common import states
from ciming.conductor import manager
from ciming.drivers import local
from tests.unit import base

DATA = os.urandom(2 * 1024 * 1024 + 5)
PULLING = dataclasses.replace(local.LocalDriver.capabilities,
                              can_copy_server_side=True)


def _copy_file(driver, remote_id, source, source_remote_id):
    """A local cloud that 'pulls': copies the source's file itself."""
    shutil.copyfile(source._file(source_remote_id, '.img'),
                    driver._file(remote_id, '.img.part'))
    return True


class ServerSideCopyTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.cloud_a = self.create_local_cloud('dev-a')
        self.cloud_b = self.create_local_cloud('dev-b')
        self.manager = manager.ConductorManager('test-host')
        self.addCleanup(self.manager.stop)
        # The image is in dev-a, with its size and hashes known.
        self.image = base.stage_image(self.dbapi, [self.cloud_a], DATA,
                                      recorded=DATA)
        self._run([self.cloud_a])
        self.dbapi.set_location(self.image.id, self.cloud_b.id,
                                {'status': states.LOC_PENDING})

    def _run(self, targets, source=None):
        job = self.dbapi.create_job(
            {'project_id': 'project-a', 'image_id': self.image.id,
             'action': states.ACTION_SYNC,
             'source': source or {'type': 'staging'},
             'image_status': states.IMAGE_IMPORTING},
            [c.id for c in targets])
        base.run_job_now(self.manager, self.context, job.id)
        return self.dbapi.get_job(job.id)

    def _sync_a_to_b(self):
        return self._run([self.cloud_b], source={
            'type': 'cloud', 'cloud_id': self.cloud_a.id,
            'remote_id': self.image.id})

    def _stored_in_b(self):
        path = os.path.join(local.resolve_path(self.cloud_b.options['path']),
                            self.image.id + '.img')
        with open(path, 'rb') as stored:
            return stored.read()

    def test_a_target_that_pulls_is_not_streamed_to(self):
        with mock.patch.object(local.LocalDriver, 'capabilities', PULLING), \
                mock.patch.object(local.LocalDriver, 'pull_import',
                                  _copy_file), \
                mock.patch.object(local.LocalDriver, 'open_export',
                                  side_effect=AssertionError('read')):
            job = self._sync_a_to_b()
        self.assertEqual(states.JOB_SUCCEEDED, job.state, job.error)
        self.assertEqual([len(DATA)], [t.bytes_done for t in job.targets])
        self.assertEqual(DATA, self._stored_in_b())

    def test_a_pulled_copy_that_differs_fails_its_target(self):
        def pull_wrong_data(driver, remote_id, source, source_remote_id):
            with open(driver._file(remote_id, '.img.part'), 'wb') as out:
                out.write(DATA[:-1])
            return True

        with mock.patch.object(local.LocalDriver, 'capabilities', PULLING), \
                mock.patch.object(local.LocalDriver, 'pull_import',
                                  pull_wrong_data):
            job = self._sync_a_to_b()
        self.assertEqual(states.JOB_FAILED, job.state)
        self.assertIn('expected %d' % len(DATA), job.targets[0].error)

    def test_a_target_that_cannot_pull_is_streamed_to(self):
        with mock.patch.object(local.LocalDriver, 'capabilities', PULLING), \
                mock.patch.object(local.LocalDriver, 'pull_import',
                                  return_value=False) as pull:
            job = self._sync_a_to_b()
        pull.assert_called_once()
        self.assertEqual(states.JOB_SUCCEEDED, job.state, job.error)
        self.assertEqual(DATA, self._stored_in_b())

    def test_a_pull_that_fails_falls_back_to_streaming(self):
        error = exception.DriverError(cloud='dev-b', reason='import failed')
        with mock.patch.object(local.LocalDriver, 'capabilities', PULLING), \
                mock.patch.object(local.LocalDriver, 'pull_import',
                                  side_effect=error):
            job = self._sync_a_to_b()
        self.assertEqual(states.JOB_SUCCEEDED, job.state, job.error)
        self.assertEqual(DATA, self._stored_in_b())

    def test_a_pull_that_failed_once_taken_fails_its_target_only(self):
        error = exception.ServerSideCopyFailed(
            cloud='dev-b', reason='image still importing after 600 s')
        with mock.patch.object(local.LocalDriver, 'capabilities', PULLING), \
                mock.patch.object(local.LocalDriver, 'pull_import',
                                  side_effect=error), \
                mock.patch.object(local.LocalDriver, 'write_import') as write:
            job = self._sync_a_to_b()
        self.assertEqual(states.JOB_FAILED, job.state)
        [target] = job.targets
        self.assertEqual(states.TARGET_FAILED, target.state)
        self.assertIn('still importing', target.error)
        write.assert_not_called()  # nothing streamed to it
        self.assertEqual(
            [], os.listdir(local.resolve_path(self.cloud_b.options['path'])))

    def test_pulls_and_streams_in_one_job(self):
        cloud_c = self.create_local_cloud('dev-c')
        self.dbapi.set_location(self.image.id, cloud_c.id,
                                {'status': states.LOC_PENDING})

        def only_dev_b_pulls(driver, remote_id, source, source_remote_id):
            if driver.name != 'dev-b':
                return False
            return _copy_file(driver, remote_id, source, source_remote_id)

        with mock.patch.object(local.LocalDriver, 'capabilities', PULLING), \
                mock.patch.object(local.LocalDriver, 'pull_import',
                                  only_dev_b_pulls):
            job = self._run([self.cloud_b, cloud_c], source={
                'type': 'cloud', 'cloud_id': self.cloud_a.id,
                'remote_id': self.image.id})
        self.assertEqual(states.JOB_SUCCEEDED, job.state, job.error)
        self.assertEqual([len(DATA)] * 2, [t.bytes_done for t in job.targets])
        self.assertEqual(DATA, self._stored_in_b())
        path = os.path.join(local.resolve_path(cloud_c.options['path']),
                            self.image.id + '.img')
        with open(path, 'rb') as stored:
            self.assertEqual(DATA, stored.read())

    def test_no_pull_when_the_hash_is_unknown(self):
        self.dbapi.update_image(self.image.id, {'os_hash_value': None})
        with mock.patch.object(local.LocalDriver, 'capabilities', PULLING), \
                mock.patch.object(local.LocalDriver, 'pull_import') as pull:
            job = self._sync_a_to_b()
        pull.assert_not_called()
        self.assertEqual(states.JOB_SUCCEEDED, job.state, job.error)
        self.assertEqual(DATA, self._stored_in_b())

    def test_no_pull_from_staging(self):
        self.dbapi.delete_location(self.image.id, self.cloud_b.id)
        image = base.stage_image(self.dbapi, [self.cloud_b], DATA,
                                 recorded=DATA)
        self.image = image
        with mock.patch.object(local.LocalDriver, 'capabilities', PULLING), \
                mock.patch.object(local.LocalDriver, 'pull_import') as pull:
            job = self._run([self.cloud_b])
        pull.assert_not_called()
        self.assertEqual(states.JOB_SUCCEEDED, job.state, job.error)
