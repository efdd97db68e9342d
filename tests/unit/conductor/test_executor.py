"""The executor on the real (sqlite) TaskFlow persistence: crash, resume.

A crash is a BaseException raised by a task: TaskFlow records task
failures for Exceptions only, so a BaseException leaves the persisted
flow as a killed process would (the task RUNNING, those before it done).
"""

import datetime
import hashlib
import os
import time
from unittest import mock

from oslo_utils import timeutils

from ciming.common import staging
from ciming.common import states
from ciming.conductor import executor
from ciming.conductor import persistence
from ciming.conductor import runtime
from ciming.conductor.tasks import targets
from ciming.conductor.tasks import transfer
from ciming.conf import CONF
from ciming.drivers import local
from tests.unit.conductor import base as conductor_base

DATA = os.urandom(1024 * 1024 + 3)
CANARY = 'canary-of-the-executor-test'


class Crash(BaseException):
    """The process died here."""


class ExecutorTestCase(conductor_base.LocalCloudsTestCase):

    HOST = 'host-a'

    def _files(self, cloud, image_id):
        try:
            return sorted(n for n in os.listdir(self._cloud_dir(cloud))
                          if n.startswith(image_id))
        except FileNotFoundError:
            return []

    def _job(self, credential_clouds=None):
        image = self.dbapi.create_image(
            {'project_id': 'project-a', 'name': 'img', 'disk_format': 'raw',
             'container_format': 'bare', 'status': states.IMAGE_UPLOADING},
            [self.cloud_a.id, self.cloud_b.id])
        area = staging.StagingArea()
        with area.open_writer(image.id) as out:
            out.write(DATA)
        area.commit(image.id)
        self.dbapi.update_image(image.id, {
            'size': len(DATA), 'checksum': hashlib.md5(DATA).hexdigest(),
            'os_hash_algo': 'sha512',
            'os_hash_value': hashlib.sha512(DATA).hexdigest(),
            'staged': True, 'staged_host': 'host-a'})
        values = {'project_id': 'project-a', 'image_id': image.id,
                  'action': states.ACTION_IMPORT_UPLOAD,
                  'source': {'type': 'staging', 'host': 'host-a'},
                  'image_status': states.IMAGE_IMPORTING}
        if credential_clouds:
            values['credential_clouds'] = credential_clouds
        return self.dbapi.create_job(values,
                                     [self.cloud_a.id, self.cloud_b.id])

    def _crash_in(self, task_class, job, credentials=None):
        """Run the job on host-a until ``task_class`` starts: it dies."""
        with mock.patch.object(task_class, 'execute', side_effect=Crash):
            runtime.register(job, self.context, credentials)
            persistence.save_flow(job)
            try:
                self.assertRaises(Crash, self.manager.executor.run, job.id)
            finally:
                runtime.forget(job.id)

    def _atom_states(self, job_id):
        flow_detail = persistence.load_flow_detail(job_id)
        return {atom.name: atom.state for atom in flow_detail}

    def _take_over(self, job_id, credentials=None):
        """Another conductor takes the job over (a jobboard claim)."""
        other = executor.JobExecutor('host-b')
        job = self.dbapi.get_job(job_id)
        if credentials is not None:
            runtime.register(job, None, credentials)
        try:
            other.run(job_id, takeover=True)
        finally:
            runtime.forget(job_id)
        return self.dbapi.get_job(job_id)

    def _assert_done(self, job):
        self.assertEqual(states.JOB_SUCCEEDED, job.state, job.error)
        for cloud in (self.cloud_a, self.cloud_b):
            self.assertEqual([job.image_id + '.img', job.image_id + '.json'],
                             self._files(cloud, job.image_id))
            with open(os.path.join(self._cloud_dir(cloud),
                                   job.image_id + '.img'), 'rb') as f:
                self.assertEqual(DATA, f.read())
        self.assertFalse(staging.StagingArea().exists(job.image_id))
        self.assertFalse(self.dbapi.get_image(job.image_id).staged)
        self.assertIsNone(persistence.load_flow_detail(job.id))

    def test_flows_left_by_ended_jobs_are_dropped_once_settled(self):
        long_ago = timeutils.utcnow() - datetime.timedelta(
            seconds=CONF.conductor.periodic_interval + 1)
        left = self._job()  # its conductor died before dropping the flow
        ended_now = self._job()
        running = self._job()
        deleted = self._job()
        for job in (left, ended_now, running, deleted):
            persistence.save_flow(job)
        self.dbapi.update_job(left.id, {'state': states.JOB_SUCCEEDED,
                                        'finished_at': long_ago})
        self.dbapi.update_job(ended_now.id, {
            'state': states.JOB_FAILED, 'finished_at': timeutils.utcnow()})
        self.dbapi.update_job(running.id, {'state': states.JOB_RUNNING,
                                           'started_at': long_ago})
        self.dbapi.update_job(deleted.id, {'state': states.JOB_CANCELLED,
                                           'finished_at': timeutils.utcnow()})
        self.dbapi.destroy_image(deleted.image_id)

        self.manager.destroy_ended_flows()

        self.assertIsNone(persistence.load_flow_detail(left.id))
        self.assertIsNone(persistence.load_flow_detail(deleted.id))
        for job in (ended_now, running):
            self.assertIsNotNone(persistence.load_flow_detail(job.id))
        self.assertEqual({ended_now.id, running.id},
                         set(persistence.saved_job_ids()))

    def test_store_holds_ids_only(self):
        job = self._job()
        self.assertEqual({'job_id', 'image_id', 'source'},
                         set(persistence.store_for(job)))

    def test_crash_before_finalize_resumes_there(self):
        job = self._job()
        self._crash_in(targets.FinalizeTarget, job)
        atoms = self._atom_states(job.id)
        self.assertEqual('SUCCESS', atoms['transfer'])
        self.assertEqual('SUCCESS', atoms['prepare-%s' % self.cloud_a.id])
        self.assertEqual(states.JOB_RUNNING, self.dbapi.get_job(job.id).state)
        self.assertEqual('host-a',
                         self.dbapi.get_job(job.id).conductor_host)

        with mock.patch.object(transfer.Transfer, 'execute') as again, \
                mock.patch.object(local.LocalDriver, 'prepare_import') as p:
            job = self._take_over(job.id)
        again.assert_not_called()
        p.assert_not_called()
        self.assertEqual('host-b', job.conductor_host)
        self._assert_done(job)

    def test_crash_in_transfer_restarts_the_stream(self):
        job = self._job()
        self._crash_in(transfer.Transfer, job)
        self.assertEqual('RUNNING', self._atom_states(job.id)['transfer'])
        # The prepared (empty) data files are there, nothing final.
        for cloud in (self.cloud_a, self.cloud_b):
            self.assertEqual([job.image_id + '.img.part'],
                             self._files(cloud, job.image_id))
        with mock.patch.object(local.LocalDriver, 'prepare_import') as p:
            job = self._take_over(job.id)
        p.assert_not_called()
        self._assert_done(job)

    def test_crash_in_prepare_converges(self):
        job = self._job()
        self._crash_in(targets.PrepareTarget, job)
        job = self._take_over(job.id)
        self._assert_done(job)

    def test_credentials_never_persisted(self):
        job = self._job()
        secret = {'another-cloud': {'username': 'u', 'password': CANARY}}
        self._crash_in(targets.FinalizeTarget, job, credentials=secret)
        database = persistence.persistence_backend().engine.url.database
        with open(database, 'rb') as data:
            self.assertNotIn(CANARY.encode(), data.read())
        flow_detail = persistence.load_flow_detail(job.id)
        for atom in flow_detail:
            self.assertNotIn(CANARY, repr(atom.to_dict()))
        self.assertNotIn(CANARY, repr(flow_detail.meta))

    def test_lost_credentials_wait_then_resume(self):
        job = self._job(credential_clouds=['another-cloud'])
        secret = {'another-cloud': {'username': 'u', 'password': CANARY}}
        self._crash_in(targets.FinalizeTarget, job, credentials=secret)

        # Taken over with nothing in memory: the job waits, its flow kept.
        job = self._take_over(job.id)
        self.assertEqual(states.JOB_AWAITING_CREDENTIALS, job.state)
        self.assertIsNone(job.conductor_host)
        self.assertEqual('SUCCESS', self._atom_states(job.id)['transfer'])

        # POST /v1/jobs/{id}/resume reaches a conductor (no jobboard).
        with mock.patch.object(transfer.Transfer, 'execute') as again:
            self.manager.resume_job(self.context, job.id, credentials=secret)
            deadline = time.monotonic() + 30
            while self.dbapi.get_job(job.id).state not in \
                    states.JOB_FINAL_STATES or runtime.find(job.id):
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.05)
        again.assert_not_called()
        self._assert_done(self.dbapi.get_job(job.id))
        self.assertIsNone(runtime.find(job.id))

    def test_resume_job_only_when_awaiting(self):
        job = self._job()
        with mock.patch.object(self.manager.executor, 'resume') as resume:
            self.manager.resume_job(self.context, job.id, credentials={})
        resume.assert_not_called()
        self.assertEqual(states.JOB_PENDING, self.dbapi.get_job(job.id).state)

    def test_resume_own_jobs_after_restart(self):
        mine, theirs = self._job(), self._job()
        for job, host in ((mine, 'host-a'), (theirs, 'host-b')):
            self.dbapi.update_job(job.id, {'state': states.JOB_RUNNING,
                                           'conductor_host': host})
        with mock.patch.object(self.manager.executor._pool,
                               'submit') as submit:
            self.manager.executor.resume_own_jobs()
        self.assertEqual([mock.call(self.manager.executor._run_local,
                                    mine.id, True)], submit.call_args_list)

    def test_finished_job_is_not_run_again(self):
        job = self._job()
        self.dbapi.update_job(job.id, {'state': states.JOB_CANCELLED})
        with mock.patch.object(persistence, 'load_engine') as load:
            self.manager.executor.run(job.id, takeover=True)
        load.assert_not_called()
