"""The conductor's RPC endpoint: runs jobs and answers questions on clouds.

Jobs run in a bounded pool of threads; each job is one TaskFlow flow built
by :mod:`ciming.conductor.flows`.
"""

import datetime
import threading

import futurist
from futurist import rejection
from oslo_log import log
import oslo_messaging as messaging
from oslo_utils import timeutils
from taskflow import engines

from ciming.common import exception
from ciming.common import keystone
from ciming.common import staging
from ciming.common import states
from ciming.conductor.flows import sync as sync_flow
from ciming.conductor.tasks import base as task_base
from ciming.conductor.tasks import complete
from ciming.conductor.tasks import monitor
from ciming.conf import CONF
from ciming.db import api as dbapi

LOG = log.getLogger(__name__)


class ConductorManager:
    """Endpoint of :class:`ciming.conductor.rpcapi.ConductorAPI`."""

    RPC_API_VERSION = '1.1'
    target = messaging.Target(version=RPC_API_VERSION)

    def __init__(self, host):
        self.host = host
        self.dbapi = dbapi.get_instance()
        self._executor = futurist.ThreadPoolExecutor(
            max_workers=CONF.conductor.workers,
            check_and_reject=rejection.reject_when_reached(
                CONF.conductor.job_backlog))
        self._running = {}
        self._lock = threading.Lock()

    def stop(self, wait=True):
        with self._lock:
            for event in self._running.values():
                event.set()
        self._executor.shutdown(wait=wait)

    # Jobs

    def run_job(self, context, job_id, credentials=None):
        """Queue a pending job; a full pool leaves it pending.

        ``credentials`` (per cloud, from the request) live only in this
        process's memory for as long as the job runs.
        """
        try:
            self._executor.submit(self._run_job, context, job_id,
                                  credentials)
        except futurist.RejectedSubmission:
            LOG.warning('Conductor %(host)s is full; job %(job)s stays '
                        'pending', {'host': self.host, 'job': job_id})

    def cancel_job(self, context, job_id):
        """Stop a job this conductor runs (a fanout: others ignore it)."""
        with self._lock:
            event = self._running.get(job_id)
        if event is not None:
            LOG.info('Cancelling job %s', job_id)
            event.set()

    def _run_job(self, context, job_id, credentials=None):
        try:
            job = self.dbapi.update_job(
                job_id, {'state': states.JOB_RUNNING,
                         'conductor_host': self.host,
                         'started_at': timeutils.utcnow()},
                expected_state=[states.JOB_PENDING])
        except (exception.InvalidState, exception.JobNotFound) as exc:
            LOG.info('Not running job %(job)s: %(err)s',
                     {'job': job_id, 'err': exc})
            return
        cancel_event = threading.Event()
        with self._lock:
            self._running[job_id] = cancel_event
        # The job works through its trust, not the token of the request.
        context.trust_id = job.trust_id
        try:
            self._execute(context, job, credentials, cancel_event)
        finally:
            with self._lock:
                self._running.pop(job_id, None)
            if job.trust_id:
                keystone.delete_trust(job.trust_id)

    def _execute(self, context, job, credentials, cancel_event):
        cloud_ids = [t.cloud_id for t in job.targets]
        flow = sync_flow.get_sync_flow(cloud_ids)
        store = {'context': context, 'credentials': credentials or {},
                 'job_id': job.id,
                 'image_id': job.image_id, 'source': dict(job.source),
                 'cancel_event': cancel_event}
        LOG.info('Job %(job)s: %(action)s of image %(image)s to %(n)d '
                 'targets', {'job': job.id, 'action': job.action,
                             'image': job.image_id, 'n': len(cloud_ids)})
        try:
            engines.run(flow, store=store, engine='serial')
        except exception.JobCancelled:
            self._end_job(job, states.JOB_CANCELLED, None)
        except Exception as exc:
            LOG.exception('Job %s failed', job.id)
            self._end_job(job, states.JOB_FAILED,
                          getattr(exc, 'message', None) or str(exc))

    def _end_job(self, job, state, error):
        """Settle a job whose flow did not complete (it was reverted)."""
        for target in self.dbapi.get_job(job.id).targets:
            if target.state in (states.TARGET_PENDING,
                                states.TARGET_COPYING):
                self.dbapi.update_job_target(job.id, target.cloud_id, {
                    'state': states.TARGET_CANCELLED
                    if state == states.JOB_CANCELLED
                    else states.TARGET_FAILED, 'error': error})
        complete.settle_image(self.dbapi, job.image_id)
        self.dbapi.update_job(job.id, {'state': state, 'error': error,
                                       'finished_at': timeutils.utcnow()})
        LOG.info('Job %(job)s ended %(state)s', {'job': job.id,
                                                 'state': state})

    # Questions on clouds, answered synchronously

    def _driver(self, context, credentials, cloud_id):
        return task_base.get_driver(context, credentials,
                                    self.dbapi.get_cloud(cloud_id))

    @messaging.expected_exceptions(exception.CimingException)
    def validate_cloud(self, context, cloud_id, credentials=None):
        self._driver(context, credentials, cloud_id).validate()
        return True

    @messaging.expected_exceptions(exception.CimingException)
    def describe_remote_image(self, context, cloud_id, remote_id,
                              credentials=None):
        """Live metadata of an image in a cloud (for adopt)."""
        driver = self._driver(context, credentials, cloud_id)
        return driver.get_image(remote_id).to_dict()

    @messaging.expected_exceptions(exception.CimingException)
    def list_cloud_images(self, context, cloud_id, credentials=None):
        """What a cloud holds, tracked by CIMinG or not."""
        driver = self._driver(context, credentials, cloud_id)
        return [image.to_dict() for image in driver.list_images()]

    @messaging.expected_exceptions(exception.CimingException)
    def verify_location(self, context, image_id, cloud_id, remote_id,
                        force=False, credentials=None):
        image = self.dbapi.get_image(image_id)
        driver = self._driver(context, credentials, cloud_id)
        remote = driver.get_image(remote_id)
        if not force:
            for field in ('os_hash_value', 'checksum', 'size'):
                mine, theirs = getattr(image, field), getattr(remote, field)
                if mine is not None and theirs is not None \
                        and mine != theirs:
                    raise exception.ChecksumMismatch(
                        cloud=driver.name,
                        reason='%s is %s, the image has %s'
                               % (field, theirs, mine))
        return remote.to_dict()

    @messaging.expected_exceptions(exception.CimingException)
    def refresh_image(self, context, image_id, credentials=None):
        """Check every location of an image now; return live metadata."""
        image = self.dbapi.get_image(image_id)
        results = monitor.refresh_locations(self.dbapi, context,
                                            credentials, image)
        if not self.dbapi.list_jobs(filters={
                'image_id': image_id,
                'state': states.JOB_ACTIVE_STATES}, limit=1):
            complete.settle_image(self.dbapi, image_id)
        return results

    # Periodic work

    def cleanup_staging(self):
        """Remove staged data older than ``[staging] ttl`` that no job uses.

        Data is kept after a partial job so a sync can retry without a new
        upload; past the ttl the user has to upload again.
        """
        cutoff = timeutils.utcnow() - datetime.timedelta(
            seconds=CONF.staging.ttl)
        for image in self.dbapi.list_stale_staging(cutoff):
            if not CONF.staging.shared and image.staged_host != self.host:
                continue
            LOG.info('Removing staged data of image %s, unused since %s',
                     image.id, image.updated_at)
            staging.StagingArea().delete(image.id)
            self.dbapi.update_image(image.id, {'staged': False,
                                               'staged_host': None})
            complete.settle_image(self.dbapi, image.id)
