"""Running job flows: a bounded pool of threads, durably.

Without a jobboard a conductor runs the jobs cast to it and, when it
starts, resumes those it was running when it stopped. With a jobboard
(:mod:`ciming.conductor.jobboard`) the job is posted there, and whichever
conductor claims it runs it here. Flows are persisted by
:mod:`ciming.conductor.persistence`, so a flow cut short resumes where it
stopped.

Only ids go into anything persisted: a job's context and credentials stay
in :mod:`ciming.conductor.runtime`.
"""


import futurist
from futurist import rejection
from oslo_log import log
from oslo_utils import timeutils

from ciming.common import exception
from ciming.common import notify
from ciming.common import states
from ciming.conductor import jobboard
from ciming.conductor import persistence
from ciming.conductor import runtime
from ciming.conductor import utils
from ciming.conf import CONF
from ciming.db import api as dbapi

LOG = log.getLogger(__name__)


class JobExecutor:
    """Runs jobs in a bounded pool of threads, durably.

    A job's flow settles the job itself, as it completes or as it
    reverts (:mod:`ciming.conductor.tasks.lifecycle`).
    """

    def __init__(self, host):
        self.host = host
        self.dbapi = dbapi.get_instance()
        self._pool = futurist.ThreadPoolExecutor(
            max_workers=CONF.conductor.workers,
            check_and_reject=rejection.reject_when_reached(
                CONF.conductor.job_backlog))
        self.jobboard = None
        if jobboard.jobboard_enabled():
            self.jobboard = jobboard.JobBoard(host, self.run, self._pool)

    # Life cycle

    def start(self):
        if self.jobboard is not None:
            self.jobboard.start()
        else:
            self.resume_own_jobs()

    def stop(self, wait=True):
        """Stop taking jobs; running ones finish, or resume elsewhere.

        A job cut short (the process is killed) is not lost: its flow is
        persisted, and it resumes on restart or on another conductor.
        """
        if self.jobboard is not None:
            self.jobboard.stop()
        self._pool.shutdown(wait=wait)
        if self.jobboard is not None:
            self.jobboard.close()

    # Submitting

    def submit(self, job, context, credentials):
        """Run a pending job: post it to the board, or queue it here."""
        persistence.save_flow(job)
        if self.jobboard is not None:
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
        if self.jobboard is not None:
            self._post(job, None, credentials)
            return
        runtime.register(job, None, credentials)
        self._pool.submit(self._run_local, job.id)

    def _post(self, job, context, credentials):
        """Post a job; one with credentials is held (claimed) here."""
        if credentials:
            runtime.register(job, context, credentials)
        if not self.jobboard.post(job.id, hold=bool(credentials)):
            runtime.forget(job.id)

    def posted(self, job_id):
        """Whether a job is on the jobboard (claimed or not)."""
        return self.jobboard is not None and self.jobboard.posted(job_id)

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
        engine = persistence.load_engine(job)
        LOG.info('Job %(job)s: %(action)s of image %(image)s to %(n)d '
                 'targets', {'job': job.id, 'action': job.action,
                             'image': job.image_id,
                             'n': len(job.targets)})
        notify.emit(job_runtime.context, 'job.start',
                    notify.job_payload(self.dbapi.get_job(job.id)))
        try:
            engine.run()
        except exception.JobCancelled:
            self._settle_unsettled(job.id, states.JOB_CANCELLED, None)
        except Exception as exc:
            LOG.exception('Job %s failed', job.id)
            self._settle_unsettled(job.id, states.JOB_FAILED,
                                   exception.safe_message(exc))
        persistence.destroy_flow(job.id)
        ended = self.dbapi.get_job(job.id)
        notify.emit(job_runtime.context,
                    'job.error' if ended.state == states.JOB_FAILED
                    else 'job.end', notify.job_payload(ended),
                    error=ended.state == states.JOB_FAILED)

    def _settle_unsettled(self, job_id, state, error):
        """End a job whose flow could not even revert (a revert failed)."""
        if self.dbapi.get_job(job_id).state not in states.JOB_FINAL_STATES:
            utils.end_job(self.dbapi, job_id, state, error)

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
