"""A job's trust is deleted before the job is seen ended, or swept."""

from unittest import mock

from ciming.common import keystone
from ciming.common import states
from ciming.conductor import persistence
from ciming.conductor import runtime
from ciming.conductor.tasks import transfer
from tests.unit.conductor import base as conductor_base
from tests.unit.conductor import test_executor


class TrustLifetimeTestCase(conductor_base.LocalCloudsTestCase):

    HOST = 'host-a'

    # A staged upload to the two local clouds.
    _job = test_executor.ExecutorTestCase._job

    def _job_with_trust(self):
        job = self._job()
        return self.dbapi.update_job(job.id, {'trust_id': 'trust-1'})

    def _run(self, job):
        runtime.register(job, self.context, None)
        persistence.save_flow(job)
        try:
            self.manager.executor.run(job.id)
        finally:
            runtime.forget(job.id)
        return self.dbapi.get_job(job.id)

    def _state_when_deleted(self, job_id, gone=True):
        """A delete_trust that records the job's state when it is called."""
        seen = []

        def delete_trust(trust_id, auth=None):
            seen.append((trust_id, self.dbapi.get_job(job_id).state))
            return gone
        return seen, delete_trust

    def test_deleted_before_the_job_succeeds(self):
        job = self._job_with_trust()
        seen, fake = self._state_when_deleted(job.id)
        with mock.patch.object(keystone, 'delete_trust', side_effect=fake):
            job = self._run(job)
        self.assertEqual(states.JOB_SUCCEEDED, job.state, job.error)
        self.assertEqual([('trust-1', states.JOB_RUNNING)], seen)
        self.assertIsNone(job.trust_id)

    def test_deleted_with_the_token_the_job_holds(self):
        job = self._job_with_trust()
        plugin = mock.Mock()
        self.context._ciming_trust_auth = ('trust-1', plugin)
        with mock.patch.object(keystone, 'delete_trust',
                               return_value=True) as delete:
            job = self._run(job)
        self.assertEqual(states.JOB_SUCCEEDED, job.state, job.error)
        delete.assert_called_once_with('trust-1', auth=plugin)

    def test_deleted_before_the_job_fails(self):
        job = self._job_with_trust()
        seen, fake = self._state_when_deleted(job.id)
        with mock.patch.object(keystone, 'delete_trust', side_effect=fake), \
                mock.patch.object(transfer.Transfer, 'execute',
                                  side_effect=RuntimeError('boom')):
            job = self._run(job)
        self.assertEqual(states.JOB_FAILED, job.state)
        self.assertEqual([('trust-1', states.JOB_RUNNING)], seen)
        self.assertIsNone(job.trust_id)

    def test_undeletable_trust_is_kept_then_swept(self):
        job = self._job_with_trust()
        with mock.patch.object(keystone, 'delete_trust',
                               return_value=False):
            job = self._run(job)
        self.assertEqual(states.JOB_SUCCEEDED, job.state, job.error)
        self.assertEqual('trust-1', job.trust_id)
        self.assertEqual([job.id], [j.id for j in
                                    self.dbapi.list_ended_jobs_with_trust()])

        with mock.patch.object(keystone, 'delete_trust',
                               return_value=True) as delete:
            self.manager.delete_ended_trusts()
        delete.assert_called_once_with('trust-1')
        self.assertIsNone(self.dbapi.get_job(job.id).trust_id)
        self.assertEqual([], self.dbapi.list_ended_jobs_with_trust())

    def test_sweep_leaves_running_jobs_alone(self):
        job = self._job_with_trust()
        self.dbapi.update_job(job.id, {'state': states.JOB_RUNNING})
        with mock.patch.object(keystone, 'delete_trust') as delete:
            self.manager.delete_ended_trusts()
        delete.assert_not_called()
        self.assertEqual('trust-1', self.dbapi.get_job(job.id).trust_id)

    def test_sweep_keeps_the_id_of_a_trust_still_there(self):
        job = self._job_with_trust()
        self.dbapi.update_job(job.id, {'state': states.JOB_SUCCEEDED})
        with mock.patch.object(keystone, 'delete_trust',
                               return_value=False):
            self.manager.delete_ended_trusts()
        self.assertEqual('trust-1', self.dbapi.get_job(job.id).trust_id)
