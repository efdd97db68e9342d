"""What a job tells its user when something inside fails: no internals."""

import os
from unittest import mock

from oslo_db import exception as db_exc
from sqlalchemy import exc as sa_exc

from ciming.common import states
from ciming.conductor import manager
from ciming.drivers import local
from tests.unit import base

DATA = os.urandom(256 * 1024 + 5)
SQL = 'UPDATE job_targets SET bytes_done=? WHERE job_targets.job_id = ?'
PARAMS = (4096, 'secret-parameter-value')
PATH = '/var/lib/ciming/secret-internal-path'
LEAKS = ('UPDATE', 'job_targets', 'secret-parameter-value', PATH,
         'sqlite')


class JobErrorTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.cloud_a = self.create_local_cloud('dev-a')
        self.cloud_b = self.create_local_cloud('dev-b')
        self.manager = manager.ConductorManager('test-host')
        self.addCleanup(self.manager.stop)
        self.image = base.stage_image(self.dbapi,
                                      [self.cloud_a, self.cloud_b], DATA)
        self.job = self.dbapi.create_job(
            {'project_id': 'project-a', 'image_id': self.image.id,
             'action': states.ACTION_IMPORT_UPLOAD,
             'source': {'type': 'staging'},
             'image_status': states.IMAGE_IMPORTING},
            [self.cloud_a.id, self.cloud_b.id])

    def _run(self):
        base.run_job_now(self.manager, self.context, self.job.id)
        return self.dbapi.get_job(self.job.id)

    def assertNoLeak(self, text):
        for leak in LEAKS:
            self.assertNotIn(leak, text or '')

    def test_database_error_fails_the_job_without_its_sql(self):
        error = db_exc.DBError(sa_exc.OperationalError(
            SQL, PARAMS, Exception('disk I/O error')))
        with mock.patch('ciming.conductor.tasks.transfer.Transfer.'
                        '_check_source', side_effect=error):
            job = self._run()
        self.assertEqual(states.JOB_FAILED, job.state)
        self.assertIn('DBError', job.error)
        self.assertNoLeak(job.error)
        for target in job.targets:
            self.assertNoLeak(target.error)

    def test_target_error_names_no_internal_path(self):
        refusal = PermissionError(13, 'Permission denied', PATH)
        original = local.LocalDriver.prepare_import

        def prepare(driver, image_id, meta):
            if driver.name == 'dev-b':
                raise refusal
            return original(driver, image_id, meta)

        with mock.patch.object(local.LocalDriver, 'prepare_import',
                               prepare):
            job = self._run()
        self.assertEqual(states.JOB_PARTIAL, job.state)
        failed = {t.cloud_id: t for t in job.targets}[self.cloud_b.id]
        self.assertEqual(states.TARGET_FAILED, failed.state)
        self.assertIn('PermissionError', failed.error)
        self.assertNoLeak(failed.error)
        self.assertNoLeak(job.error)
        location = {loc.cloud_id: loc for loc in self.dbapi.get_image(
            self.image.id).locations}[self.cloud_b.id]
        self.assertNoLeak(location.error)
