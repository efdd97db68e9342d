"""The conductor's RPC endpoint: runs jobs and answers questions on clouds.

Each job is one TaskFlow flow built by :mod:`ciming.conductor.flows`,
run durably by :mod:`ciming.conductor.executor`.
"""

import datetime

from oslo_log import log
import oslo_messaging as messaging
from oslo_utils import timeutils

from ciming.common import exception
from ciming.common import staging
from ciming.common import states
from ciming.common import upload_lease
from ciming.conductor import cloud_access
from ciming.conductor import executor
from ciming.conductor import persistence
from ciming.conductor import runtime
from ciming.conductor import utils
from ciming.conf import CONF
from ciming.db import api as dbapi

LOG = log.getLogger(__name__)


class ConductorManager:
    """Endpoint of :class:`ciming.conductor.rpcapi.ConductorAPI`."""

    RPC_API_VERSION = '1.6'
    target = messaging.Target(version=RPC_API_VERSION)

    def __init__(self, host):
        self.host = host
        self.dbapi = dbapi.get_instance()
        self.executor = executor.JobExecutor(host)

    def start(self):
        self.executor.start()

    def stop(self, wait=True):
        self.executor.stop(wait=wait)

    # Jobs

    def run_job(self, context, job_id, credentials=None):
        """Run a pending job (post it to the jobboard, if there is one).

        ``credentials`` (per cloud, from the request) live only in this
        process's memory for as long as the job runs.
        """
        try:
            job = self.dbapi.get_job(job_id)
        except exception.JobNotFound:
            LOG.warning('Job %s to run does not exist', job_id)
            return
        if job.state != states.JOB_PENDING:
            LOG.info('Not running job %(job)s: it is %(state)s',
                     {'job': job_id, 'state': job.state})
            return
        self.executor.submit(job, context, credentials)

    def resume_job(self, context, job_id, credentials=None):
        """Continue a job that waited for its per-request credentials."""
        try:
            job = self.dbapi.update_job(
                job_id, {'state': states.JOB_PENDING},
                expected_state=[states.JOB_AWAITING_CREDENTIALS])
        except (exception.InvalidState, exception.JobNotFound) as exc:
            LOG.info('Not resuming job %(job)s: %(err)s',
                     {'job': job_id, 'err': exc})
            return
        self.executor.resume(job, credentials)

    def cancel_job(self, context, job_id):
        """Stop a job this conductor runs (a fanout: others ignore it)."""
        job_runtime = runtime.find(job_id)
        if job_runtime is not None:
            LOG.info('Cancelling job %s', job_id)
            job_runtime.cancel_event.set()

    def requeue_stale_jobs(self):
        """Run jobs left pending too long: their cast was lost.

        The API records a job before casting it, so a job is never lost;
        one whose cast never arrived (the broker was down) is picked up
        here by any conductor that may run it.
        """
        cutoff = timeutils.utcnow() - datetime.timedelta(
            seconds=CONF.conductor.pending_timeout)
        for job in self.dbapi.list_jobs(filters={
                'state': states.JOB_PENDING}):
            if job.created_at is None or job.created_at > cutoff:
                continue
            staged_elsewhere = (job.source.get('type') == 'staging'
                                and not CONF.staging.shared
                                and job.source.get('host') != self.host)
            if staged_elsewhere or runtime.find(job.id) is not None:
                continue
            if self.executor.posted(job.id):
                continue  # on the jobboard: no conductor had room yet
            if self.dbapi.get_job(job.id).state != states.JOB_PENDING:
                continue  # claimed since the list was read
            if job.credential_clouds:
                # Its cast carried credentials that are lost with it.
                self.executor.await_credentials(job)
                continue
            LOG.info('Job %s was pending since %s: running it', job.id,
                     job.created_at)
            self.executor.submit(job, runtime.context_for(job), None)

    def delete_ended_trusts(self):
        """Delete the trusts of jobs that ended without deleting them.

        A job's trust is deleted before the job is recorded ended; one
        that could not be (Keystone did not answer) or was left by an
        older conductor is deleted here by any conductor.
        """
        for job in self.dbapi.list_ended_jobs_with_trust():
            LOG.info('Job %(job)s ended %(state)s with its trust; '
                     'deleting it', {'job': job.id, 'state': job.state})
            values = utils.release_trust(self.dbapi, job)
            if values:
                self.dbapi.update_job(job.id, values)

    def destroy_ended_flows(self):
        """Drop the saved flows that jobs which ended left behind.

        A job's conductor drops its flow once the job ended; one killed
        in between, or a job re-submitted by ``requeue_stale_jobs`` as it
        ended elsewhere, leaves the flow saved. A flow is dropped a
        periodic interval after its job ended, when nothing writes it.
        """
        cutoff = timeutils.utcnow() - datetime.timedelta(
            seconds=CONF.conductor.periodic_interval)
        for job_id in persistence.saved_job_ids():
            try:
                job = self.dbapi.get_job(job_id)
            except exception.JobNotFound:
                job = None  # deleted with its image
            if job is not None and (job.state not in states.JOB_FINAL_STATES
                                    or job.finished_at is None
                                    or job.finished_at > cutoff):
                continue
            LOG.info('Dropping the saved flow of job %s, which ended',
                     job_id)
            persistence.destroy_flow(job_id)

    # Questions on clouds, answered synchronously

    # ``credentials`` is always ``{cloud_id: credentials}`` given with the
    # request; each call reaches its clouds through one CloudAccess.

    @messaging.expected_exceptions(exception.CimingException)
    def validate_cloud(self, context, cloud_id, credentials=None):
        clouds = cloud_access.CloudAccess(context, credentials)
        clouds.driver(cloud_id).validate()
        return True

    @messaging.expected_exceptions(exception.CimingException)
    def describe_remote_image(self, context, cloud_id, remote_id,
                              credentials=None):
        """Live metadata of an image in a cloud (for adopt)."""
        driver = cloud_access.CloudAccess(context, credentials).driver(
            cloud_id)
        return driver.get_image(remote_id).to_dict()

    @messaging.expected_exceptions(exception.CimingException)
    def list_cloud_images(self, context, cloud_id, credentials=None):
        """What a cloud holds, tracked by CIMinG or not."""
        driver = cloud_access.CloudAccess(context, credentials).driver(
            cloud_id)
        return [image.to_dict() for image in driver.list_images()]

    @messaging.expected_exceptions(exception.CimingException)
    def verify_location(self, context, image_id, cloud_id, remote_id,
                        force=False, credentials=None):
        image = self.dbapi.get_image(image_id)
        driver = cloud_access.CloudAccess(
            context, credentials, project_id=image.project_id).driver(
                cloud_id)
        remote = driver.get_image(remote_id)
        if not force:
            utils.check_remote_copy(image, remote, driver.name)
        return remote.to_dict()

    @messaging.expected_exceptions(exception.CimingException)
    def purge_image(self, context, image_id, credentials=None):
        """Delete the image's copies in every cloud; forget each one gone.

        A copy that cannot be deleted keeps its location, so that the
        image record (which the API deletes after this) is not lost while
        data it tracks still exists.
        """
        image = self.dbapi.get_image(image_id)
        clouds = cloud_access.CloudAccess(context, credentials,
                                          project_id=image.project_id)
        failed = {}
        for loc in image.locations:
            if loc.remote_id:
                try:
                    clouds.driver(loc.cloud_id).delete(loc.remote_id)
                except exception.CimingException as exc:
                    failed[self.dbapi.get_cloud(loc.cloud_id).name] = (
                        exc.message)
                    continue
            self.dbapi.delete_location(image_id, loc.cloud_id)
            LOG.info('Image %(image)s: copy in cloud %(cloud)s deleted',
                     {'image': image_id, 'cloud': loc.cloud_id})
        if failed:
            raise exception.DriverError(
                cloud=', '.join(sorted(failed)),
                reason='; '.join(failed[c] for c in sorted(failed)))

    @messaging.expected_exceptions(exception.CimingException)
    def refresh_image(self, context, image_id, credentials=None):
        """Check every location of an image now; return live metadata."""
        image = self.dbapi.get_image(image_id)
        results = utils.refresh_locations(
            self.dbapi, cloud_access.CloudAccess(
                context, credentials, project_id=image.project_id), image)
        if not self.dbapi.list_jobs(filters={
                'image_id': image_id,
                'state': states.JOB_ACTIVE_STATES}, limit=1):
            utils.settle_image(self.dbapi, image_id)
        return results

    @messaging.expected_exceptions(exception.CimingException)
    def describe_locations(self, context, image_id, credentials=None):
        """Live metadata of every location, writing nothing (readers)."""
        image = self.dbapi.get_image(image_id)
        return utils.refresh_locations(
            self.dbapi, cloud_access.CloudAccess(
                context, credentials, project_id=image.project_id), image,
            record=False)

    # Periodic work

    def reset_dead_uploads(self):
        """Queue again the images of uploads whose lease ended.

        The API process streaming them died (or its host did); the user
        can upload again.
        """
        upload_lease.reset_expired(self.dbapi)

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
            utils.settle_image(self.dbapi, image.id)
