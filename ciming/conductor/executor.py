"""Running job flows durably: TaskFlow persistence and the jobboard.

Every job's flow is saved in the TaskFlow persistence database (a logbook
and a flow detail named by the job id, with the factory that rebuilds the
flow) before it runs, and each task's state is saved as it changes; a
flow loaded again skips what completed and re-runs the rest (the tasks
are idempotent).

Without a jobboard a conductor runs the jobs cast to it and, when it
starts, resumes those it was running when it stopped. With a jobboard
(Redis, ZooKeeper, etcd) the job is posted there; every conductor claims
jobs with a claim that expires unless renewed, so the jobs of a conductor
that died are taken over by the others.

Only ids go into anything persisted: a job's context and credentials stay
in :mod:`ciming.conductor.runtime`.
"""

import contextlib
import threading

import futurist
from futurist import rejection
from oslo_log import log
from oslo_utils import timeutils
import sqlalchemy as sa
from taskflow import engines
from taskflow import exceptions as tf_exc
from taskflow.jobs import backends as board_backends
from taskflow.persistence import backends as persistence_backends
from taskflow.persistence import models as tf_models

from ciming.common import exception
from ciming.common import notify
from ciming.common import states
from ciming.conductor.flows import sync as sync_flow
from ciming.conductor import runtime
from ciming.conductor.tasks import complete
from ciming.conf import CONF
from ciming.db import api as dbapi

LOG = log.getLogger(__name__)

_backend = None
_backend_lock = threading.Lock()


def persistence_url():
    return CONF.taskflow.persistence_connection or CONF.database.connection


def persistence_backend():
    """The TaskFlow persistence backend, one per process."""
    global _backend
    with _backend_lock:
        if _backend is None:
            _backend = persistence_backends.fetch(
                {'connection': persistence_url()})
            if _backend.engine.url.drivername.startswith('sqlite') and \
                    not CONF.database.sqlite_synchronous:
                # As oslo.db does for [database]: no fsync per commit, or
                # every task transition waits for the disk (a job's data
                # is gigabytes of dirty pages in flight).
                sa.event.listen(_backend.engine, 'connect',
                                _sqlite_not_synchronous)
        return _backend


def _sqlite_not_synchronous(dbapi_connection, connection_record):
    dbapi_connection.execute('PRAGMA synchronous = OFF')


def reset_persistence_backend():
    """Forget the backend (tests that change the URL)."""
    global _backend
    with _backend_lock:
        _backend = None


def upgrade_persistence():
    """Create or upgrade TaskFlow's own tables (``ciming-manage db sync``)."""
    with contextlib.closing(persistence_backend().get_connection()) as conn:
        conn.upgrade()


def jobboard_enabled():
    return CONF.taskflow.jobboard_backend != 'none'


def open_jobboard(name=None):
    """A connected jobboard of ``[taskflow] jobboard_backend``."""
    conf = {'board': CONF.taskflow.jobboard_backend,
            'namespace': CONF.taskflow.jobboard_backend_namespace}
    hosts = CONF.taskflow.jobboard_backend_hosts
    port = CONF.taskflow.jobboard_backend_port
    if CONF.taskflow.jobboard_backend == 'redis':
        conf.update(host=hosts[0], port=port)
        if CONF.taskflow.jobboard_backend_password:
            conf['password'] = CONF.taskflow.jobboard_backend_password
    else:
        conf['hosts'] = ['%s:%s' % (host, port) for host in hosts]
    board = board_backends.fetch(name or CONF.taskflow.jobboard_name, conf,
                                 persistence=persistence_backend())
    board.connect()
    return board


def store_for(job):
    """What a flow's persisted store holds: ids and the source, no more."""
    return {'job_id': job.id, 'image_id': job.image_id,
            'source': dict(job.source)}


def save_flow(job):
    """Persist a new job's logbook and flow detail; return the book."""
    cloud_ids = [t.cloud_id for t in job.targets]
    book = tf_models.LogBook(job.id, uuid=job.id)
    flow_detail = tf_models.FlowDetail(job.id, uuid=job.id)
    book.add(flow_detail)
    engines.save_factory_details(flow_detail, sync_flow.get_sync_flow,
                                 [cloud_ids], {})
    with contextlib.closing(persistence_backend().get_connection()) as conn:
        conn.save_logbook(book)
    return book


def load_flow_detail(job_id):
    """The persisted flow detail of a job, or None if it was never saved."""
    with contextlib.closing(persistence_backend().get_connection()) as conn:
        try:
            book = conn.get_logbook(job_id)
        except tf_exc.NotFound:
            return None
    return book.find(job_id)


def destroy_flow(job_id):
    """Drop a finished job's logbook: the job record keeps the outcome."""
    with contextlib.closing(persistence_backend().get_connection()) as conn:
        try:
            conn.destroy_logbook(job_id)
        except tf_exc.NotFound:
            pass


class JobExecutor:
    """Runs jobs in a bounded pool of threads, durably.

    ``on_end(job, state, error)`` is called when a flow did not complete
    (it failed or was cancelled and was reverted).
    """

    def __init__(self, host, on_end):
        self.host = host
        self.dbapi = dbapi.get_instance()
        self._on_end = on_end
        self._pool = futurist.ThreadPoolExecutor(
            max_workers=CONF.conductor.workers,
            check_and_reject=rejection.reject_when_reached(
                CONF.conductor.job_backlog))
        self._board = None
        self._board_worker = None
        self._stopped = threading.Event()

    # Life cycle

    def start(self):
        if jobboard_enabled():
            self._board = open_jobboard()
            self._board_worker = threading.Thread(
                target=self._watch_board, name='jobboard-worker',
                daemon=True)
            self._board_worker.start()
        else:
            self.resume_own_jobs()

    def stop(self, wait=True):
        """Stop taking jobs; running ones finish, or resume elsewhere.

        A job cut short (the process is killed) is not lost: its flow is
        persisted, and it resumes on restart or on another conductor.
        """
        self._stopped.set()
        self._pool.shutdown(wait=wait)
        if self._board_worker is not None:
            self._board_worker.join(timeout=5)
        if self._board is not None:
            self._board.close()

    # Submitting

    def submit(self, job, context, credentials):
        """Run a pending job: post it to the board, or queue it here."""
        save_flow(job)
        if self._board is not None:
            self._post(job, context, credentials)
            return
        runtime.register(job, context, credentials)
        try:
            self._pool.submit(self._run_local, job.id)
        except futurist.RejectedSubmission:
            runtime.forget(job.id)
            LOG.warning('Conductor %(host)s is full; job %(job)s stays '
                        'pending', {'host': self.host, 'job': job.id})

    def resume(self, job, credentials):
        """Continue a job that waited for its credentials."""
        if self._board is not None:
            self._post(job, None, credentials)
            return
        runtime.register(job, None, credentials)
        self._pool.submit(self._run_local, job.id)

    def _post(self, job, context, credentials):
        """Post a job to the jobboard for any conductor to claim.

        A job without per-request credentials runs anywhere, through its
        project and trust. One with credentials must run here, where
        they are held in memory: it is posted naming this conductor as
        its holder and claimed at once; the others leave it alone until
        it is older than a claim's expiry (its holder died before
        claiming it; the taker then finds no credentials and the job
        waits for them).
        """
        details = {'job_id': job.id}
        if credentials:
            details['holder'] = self.host
            runtime.register(job, context, credentials)
        board_job = self._board.post(job.id, book=None, details=details)
        LOG.info('Job %s posted to the jobboard', job.id)
        if not credentials:
            return
        try:
            self._claim(board_job)
        except (tf_exc.UnclaimableJob, tf_exc.NotFound) as exc:
            runtime.forget(job.id)
            LOG.warning('Job %(job)s: could not claim it with its '
                        'credentials: %(err)s', {'job': job.id, 'err': exc})
            return
        self._claimed(board_job)

    def posted(self, job_id):
        """Whether a job is on the jobboard (claimed or not)."""
        if self._board is None:
            return False
        return any(board_job.details.get('job_id') == job_id
                   for board_job in self._board.iterjobs(ensure_fresh=True))

    def resume_own_jobs(self):
        """After a restart: continue the jobs this host was running."""
        for job in self.dbapi.list_jobs(filters={
                'state': [states.JOB_RUNNING, states.JOB_CANCELLING]}):
            if job.conductor_host != self.host:
                continue
            LOG.info('Resuming job %s after a restart', job.id)
            try:
                self._pool.submit(self._run_local, job.id, True)
            except futurist.RejectedSubmission:
                LOG.warning('Conductor %s is full; job %s resumes later',
                            self.host, job.id)

    # Running

    def _run_local(self, job_id, takeover=False):
        try:
            self.run(job_id, takeover)
        finally:
            runtime.forget(job_id)

    def run(self, job_id, takeover=False):
        """Claim the job in the database and run (or resume) its flow.

        The guarded move from ``pending`` is the claim: of two conductors
        given the same job, one runs it. ``takeover`` also accepts a job
        that was running (this host before a restart, or a jobboard
        claim, which already guarantees a single owner).
        """
        job = self.dbapi.get_job(job_id)
        if job.state in states.JOB_FINAL_STATES:
            return
        job_runtime = runtime.find(job.id)
        if job_runtime is None:
            if self._needs_lost_credentials(job):
                self.await_credentials(job)
                return
            job_runtime = runtime.register(job)
        try:
            job = self.dbapi.update_job(
                job.id, {'state': states.JOB_RUNNING
                         if job.state != states.JOB_CANCELLING
                         else states.JOB_CANCELLING,
                         'conductor_host': self.host,
                         'started_at': job.started_at or timeutils.utcnow()},
                expected_state=[states.JOB_PENDING] + (
                    [states.JOB_RUNNING, states.JOB_CANCELLING]
                    if takeover else []))
        except (exception.InvalidState, exception.JobNotFound) as exc:
            LOG.info('Not running job %(job)s: %(err)s',
                     {'job': job_id, 'err': exc})
            return
        flow_detail = load_flow_detail(job.id)
        if flow_detail is None:
            save_flow(job)
            flow_detail = load_flow_detail(job.id)
        engine = engines.load_from_detail(
            flow_detail, store=store_for(job),
            backend=persistence_backend(), engine='serial')
        LOG.info('Job %(job)s: %(action)s of image %(image)s to %(n)d '
                 'targets', {'job': job.id, 'action': job.action,
                             'image': job.image_id,
                             'n': len(job.targets)})
        notify.emit(job_runtime.context, 'job.start',
                    notify.job_payload(self.dbapi.get_job(job.id)))
        try:
            engine.run()
        except exception.JobCancelled:
            self._on_end(job, states.JOB_CANCELLED, None)
        except Exception as exc:
            LOG.exception('Job %s failed', job.id)
            self._on_end(job, states.JOB_FAILED,
                         exception.safe_message(exc))
        destroy_flow(job.id)
        ended = self.dbapi.get_job(job.id)
        notify.emit(job_runtime.context,
                    'job.error' if ended.state == states.JOB_FAILED
                    else 'job.end', notify.job_payload(ended),
                    error=ended.state == states.JOB_FAILED)

    def _needs_lost_credentials(self, job):
        return bool(job.credential_clouds)

    def await_credentials(self, job):
        LOG.warning('Job %s lost its per-request credentials with its '
                    'conductor; it waits for them to be given again',
                    job.id)
        try:
            self.dbapi.update_job(
                job.id, {'state': states.JOB_AWAITING_CREDENTIALS,
                         'conductor_host': None},
                expected_state=[states.JOB_PENDING, states.JOB_RUNNING])
        except exception.InvalidState:
            pass

    # Jobboard

    def _watch_board(self):
        """Claim unclaimed jobs while this conductor has room for them."""
        while not self._stopped.is_set():
            try:
                for board_job in self._board.iterjobs(only_unclaimed=True,
                                                      ensure_fresh=True):
                    if self._stopped.is_set() or self._full():
                        break
                    if not self._may_claim(board_job):
                        continue
                    try:
                        self._claim(board_job)
                    except (tf_exc.UnclaimableJob, tf_exc.NotFound):
                        continue
                    self._claimed(board_job)
            except Exception:
                LOG.exception('Jobboard unreachable; trying again')
            self._stopped.wait(CONF.taskflow.jobboard_poll_interval)

    def _full(self):
        return len(runtime.running()) >= CONF.conductor.workers

    def _may_claim(self, board_job):
        """Leave a job to the conductor holding its credentials, a while."""
        if board_job.details.get('holder') is None:
            return True
        # Even its holder's watcher: the holder claims it as it posts.
        created = board_job.created_on
        if created is None:
            return True
        if created.tzinfo is not None:
            created = created.replace(tzinfo=None)
        age = (timeutils.utcnow() - created).total_seconds()
        return age > CONF.taskflow.jobboard_expiration_time

    def _claimed(self, board_job):
        job_id = board_job.details['job_id']
        LOG.info('Claimed job %s from the jobboard', job_id)
        try:
            self._pool.submit(self._run_claimed, board_job, job_id)
        except futurist.RejectedSubmission:
            self._board.abandon(board_job, self.host)

    def _run_claimed(self, board_job, job_id):
        done = threading.Event()
        renewer = threading.Thread(target=self._renew_claim,
                                   args=(board_job, done), daemon=True)
        renewer.start()
        try:
            self.run(job_id, takeover=True)
            if self._stopped.is_set() and not self._finished(job_id):
                self._board.abandon(board_job, self.host)
            else:
                self._board.consume(board_job, self.host)
        except Exception:
            LOG.exception('Job %s: could not settle its jobboard entry',
                          job_id)
        finally:
            done.set()
            runtime.forget(job_id)

    def _finished(self, job_id):
        job = self.dbapi.get_job(job_id)
        return job.state in states.JOB_FINAL_STATES + (
            states.JOB_AWAITING_CREDENTIALS,)

    def _claim(self, board_job):
        """Claim a job for ``jobboard_expiration_time`` seconds.

        ZooKeeper claims are ephemeral nodes that last as long as this
        conductor's session: its board takes no expiry.
        """
        if CONF.taskflow.jobboard_backend == 'zookeeper':
            self._board.claim(board_job, self.host)
        else:
            self._board.claim(board_job, self.host,
                              expiry=CONF.taskflow.jobboard_expiration_time)

    def _renew_claim(self, board_job, done):
        """Keep the claim alive while the job runs here."""
        if not hasattr(board_job, 'extend_expiry'):
            return  # ZooKeeper: the claim lives with the session
        interval = CONF.taskflow.jobboard_expiration_time / 3.0
        while not done.wait(interval):
            try:
                board_job.extend_expiry(
                    CONF.taskflow.jobboard_expiration_time)
            except Exception:
                LOG.exception('Could not renew the claim on job %s',
                              board_job.details.get('job_id'))


def end_job(dbapi_conn, job, state, error):
    """Settle a job whose flow did not complete (it was reverted)."""
    for target in dbapi_conn.get_job(job.id).targets:
        if target.state in (states.TARGET_PENDING, states.TARGET_COPYING):
            dbapi_conn.update_job_target(job.id, target.cloud_id, {
                'state': states.TARGET_CANCELLED
                if state == states.JOB_CANCELLED
                else states.TARGET_FAILED, 'error': error})
    complete.settle_image(dbapi_conn, job.image_id)
    values = {'state': state, 'error': error,
              'finished_at': timeutils.utcnow()}
    values.update(complete.release_trust(dbapi_conn,
                                         dbapi_conn.get_job(job.id)))
    dbapi_conn.update_job(job.id, values)
    LOG.info('Job %(job)s ended %(state)s', {'job': job.id,
                                             'state': state})
