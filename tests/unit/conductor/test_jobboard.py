"""The jobboard side of running jobs, with a fake board."""

import datetime
import threading
from unittest import mock

import futurist
from oslo_utils import timeutils

from ciming.common import states
from ciming.conductor import executor
from ciming.conductor import jobboard
from ciming.conductor import manager
from ciming.conductor import persistence
from ciming.conductor import runtime
from tests.unit import base

CANARY = 'canary-of-the-jobboard-test'


class BoardJob:

    def __init__(self, details, age=0):
        self.details = details
        self.created_on = timeutils.utcnow() - datetime.timedelta(
            seconds=age)


class JobboardTestCase(base.TestCase):
    """The jobboard side, with a fake board."""

    def setUp(self):
        super().setUp()
        self.config(jobboard_expiration_time=10, group='taskflow')
        self.cloud = self.create_local_cloud('dev-a')
        self.executor = executor.JobExecutor('host-a')
        self.jobboard = self.executor.jobboard = jobboard.JobBoard(
            'host-a', self.executor.run, self.executor._pool)
        self.board = self.jobboard._board = mock.Mock()
        self.board.post.side_effect = lambda name, book, details: BoardJob(
            details)
        self.addCleanup(self.executor._pool.shutdown)
        self.job = self.dbapi.create_job(
            {'project_id': 'project-a',
             'image_id': self.dbapi.create_image(
                 {'project_id': 'project-a', 'name': 'img',
                  'disk_format': 'raw', 'container_format': 'bare',
                  'status': states.IMAGE_QUEUED},
                 [self.cloud.id]).id,
             'action': states.ACTION_SYNC,
             'source': {'type': 'staging'},
             'image_status': states.IMAGE_IMPORTING}, [self.cloud.id])
        self.addCleanup(runtime.forget, self.job.id)
        self.addCleanup(persistence.destroy_flow, self.job.id)

    def test_job_without_credentials_is_posted_for_anyone(self):
        self.executor.submit(self.job, self.context, None)
        self.board.post.assert_called_once_with(
            self.job.id, book=None, details={'job_id': self.job.id})
        self.board.claim.assert_not_called()
        # Nothing held here: whoever claims it acts through its project.
        self.assertIsNone(runtime.find(self.job.id))
        self.assertIsNotNone(persistence.load_flow_detail(self.job.id))

    def test_job_with_credentials_is_claimed_by_its_holder(self):
        with mock.patch.object(self.jobboard, '_claimed') as claimed:
            self.executor.submit(self.job, self.context,
                                 {self.cloud.id: {'password': CANARY}})
        details = self.board.post.call_args[1]['details']
        self.assertEqual({'job_id': self.job.id, 'holder': 'host-a'},
                         details)
        self.assertNotIn(CANARY, repr(self.board.post.call_args))
        self.board.claim.assert_called_once_with(mock.ANY, 'host-a',
                                                 expiry=10)
        claimed.assert_called_once_with(mock.ANY)
        self.assertEqual({self.cloud.id: {'password': CANARY}},
                         runtime.find(self.job.id).credentials_by_cloud)

    def test_others_leave_a_held_job_alone_until_it_expires(self):
        fresh = BoardJob({'job_id': 'j', 'holder': 'host-b'}, age=1)
        old = BoardJob({'job_id': 'j', 'holder': 'host-b'}, age=11)
        bare = BoardJob({'job_id': 'j'}, age=0)
        self.assertFalse(self.jobboard._may_claim(fresh))
        self.assertTrue(self.jobboard._may_claim(old))
        self.assertTrue(self.jobboard._may_claim(bare))

    def test_posted(self):
        self.board.iterjobs.return_value = [BoardJob({'job_id': 'x'}),
                                            BoardJob({'job_id': 'y'})]
        self.assertTrue(self.jobboard.posted('y'))
        self.assertFalse(self.jobboard.posted('z'))

    def test_requeue_skips_a_job_already_posted(self):
        conductor = manager.ConductorManager('host-a')
        conductor.executor = self.executor
        self.config(pending_timeout=1, group='conductor')
        self.config(shared=True, group='staging')
        self.dbapi.update_job(self.job.id, {
            'created_at': timeutils.utcnow() - datetime.timedelta(
                seconds=60)})
        self.board.iterjobs.return_value = [
            BoardJob({'job_id': self.job.id})]
        with mock.patch.object(self.executor, 'submit') as submit:
            conductor.requeue_stale_jobs()
        submit.assert_not_called()
        self.board.iterjobs.return_value = []
        with mock.patch.object(self.executor, 'submit') as submit:
            conductor.requeue_stale_jobs()
        submit.assert_called_once_with(mock.ANY, mock.ANY, None)

    def test_claim_with_expiry(self):
        self.jobboard._claim(BoardJob({'job_id': 'x'}))
        self.board.claim.assert_called_once_with(mock.ANY, 'host-a',
                                                 expiry=10)

    def test_zookeeper_claims_without_expiry(self):
        # Its claim() takes no expiry; its jobs have no extend_expiry.
        self.config(jobboard_backend='zookeeper', group='taskflow')
        self.jobboard._claim(BoardJob({'job_id': 'x'}))
        self.board.claim.assert_called_once_with(mock.ANY, 'host-a')
        done = mock.Mock()
        self.jobboard._renew_claim(BoardJob({'job_id': 'x'}), done)
        done.wait.assert_not_called()

    def test_requeue_skips_a_job_claimed_since_the_list(self):
        conductor = manager.ConductorManager('host-a')
        conductor.executor = self.executor
        self.config(pending_timeout=1, group='conductor')
        self.config(shared=True, group='staging')
        stale = self.dbapi.update_job(self.job.id, {
            'created_at': timeutils.utcnow() - datetime.timedelta(
                seconds=60)})
        self.board.iterjobs.return_value = []
        # Another conductor claimed it once the pending jobs were listed.
        self.dbapi.update_job(self.job.id, {'state': states.JOB_RUNNING,
                                            'conductor_host': 'host-b'})
        with mock.patch.object(conductor.dbapi, 'list_jobs',
                               return_value=[stale]), \
                mock.patch.object(self.executor, 'submit') as submit:
            conductor.requeue_stale_jobs()
        submit.assert_not_called()
        self.assertIsNone(persistence.load_flow_detail(self.job.id))


class OnePass(Exception):
    """Ends the watcher's loop after one pass over the board."""


class ClaimsTestCase(base.TestCase):
    """A conductor claims no more jobs than it has free workers."""

    def setUp(self):
        super().setUp()
        self.config(workers=2, group='conductor')
        self.release = threading.Event()
        self.addCleanup(self.release.set)
        self.started = []
        self.pool = futurist.ThreadPoolExecutor(max_workers=2)
        self.addCleanup(self.pool.shutdown)
        self.jobboard = jobboard.JobBoard('host-a', self._run, self.pool)
        self.board = self.jobboard._board = mock.Mock()
        self.board.iterjobs.return_value = [
            BoardJob({'job_id': 'job-%d' % i}) for i in range(5)]

    def _run(self, job_id, takeover):
        self.started.append(job_id)
        self.release.wait(10)

    def _watch_once(self):
        with mock.patch.object(self.jobboard._stopped, 'wait',
                               side_effect=OnePass):
            self.assertRaises(OnePass, self.jobboard._watch)

    def test_jobs_queued_in_the_pool_count_as_busy(self):
        self._watch_once()
        self.assertEqual(2, self.board.claim.call_count)
        self.assertTrue(self.jobboard._full())
        # A second pass while both still run claims nothing more.
        self._watch_once()
        self.assertEqual(2, self.board.claim.call_count)

    def test_finished_jobs_make_room_again(self):
        self._watch_once()
        self.release.set()
        self.pool.shutdown(wait=True)
        self.assertEqual(['job-0', 'job-1'], sorted(self.started))
        self.assertEqual(2, self.board.consume.call_count)
        self.assertFalse(self.jobboard._full())

    def test_a_rejected_job_is_abandoned_and_frees_its_place(self):
        with mock.patch.object(self.pool, 'submit',
                               side_effect=futurist.RejectedSubmission):
            self.jobboard._claimed(BoardJob({'job_id': 'job-x'}))
        self.board.abandon.assert_called_once_with(mock.ANY, 'host-a')
        self.assertFalse(self.jobboard._full())
