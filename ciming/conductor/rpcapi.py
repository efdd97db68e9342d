"""Client side of the conductor RPC API.

API version history:

* 1.0 - Initial version: run_job, cancel_job, validate_cloud,
  verify_location.
* 1.1 - run_job, validate_cloud and verify_location take per-request
  ``credentials``; added describe_remote_image, list_cloud_images and
  refresh_image.
* 1.2 - Added resume_job.
* 1.3 - Added purge_image.
* 1.4 - Added describe_locations (refresh_image without writing).
* 1.5 - run_job runs metadata jobs (update, deprecate, undeprecate),
  sent at 1.5 so that no older conductor takes one for a sync.
* 1.6 - run_job runs jobs copying an upload that still arrives (a
  ``live`` staging source), sent at 1.6.

While ``[conductor] rpc_version_cap`` pins the API to an older version
(a rolling upgrade), a call that needs a newer one is refused with
:class:`ciming.common.exception.ConductorVersionCapped` (a 409) before
anything is sent, or degraded when an older form does the same work
(checking a cloud without per-request credentials). A job whose
credentials cannot be sent is not cast: it stays recorded, is run by a
conductor's sweep and waits for its credentials (``awaiting_credentials``).
"""

import oslo_messaging as messaging

from ciming.common import exception
from ciming.common import rpc
from ciming.conf import CONF

TOPIC = 'ciming-conductor'
RPC_API_VERSION = '1.6'
METADATA_JOBS_VERSION = '1.5'
METADATA_JOBS = 'Changing the metadata of the copies'
LIVE_UPLOAD_JOBS_VERSION = '1.6'
LIVE_UPLOAD_JOBS = 'Copying an upload while it arrives'


class ConductorAPI:
    """Versioned client of :class:`ciming.conductor.manager.ConductorManager`.

    Casts carry ids, and per-request credentials that conductors keep in
    memory only; a job's details are in the database.
    """

    def __init__(self, topic=TOPIC):
        target = messaging.Target(topic=topic, version='1.0')
        self.version_cap = CONF.conductor.rpc_version_cap or RPC_API_VERSION
        self.client = rpc.get_client(target, version_cap=self.version_cap)

    def _prepare(self, host=None, **kwargs):
        if host is not None:
            # Delivered on the queue ciming-conductor.<host> only.
            kwargs['server'] = host
        return self.client.prepare(**kwargs)

    def _require(self, version, action):
        """``version``, or ConductorVersionCapped if it may not be sent."""
        if not self.client.can_send_version(version):
            raise exception.ConductorVersionCapped(
                action=action, needed=version, cap=self.version_cap)
        return version

    def _with_credentials(self, credentials, action):
        """1.1 to carry per-request credentials; else 1.0 does."""
        if credentials:
            return self._require('1.1', action)
        return '1.1' if self.client.can_send_version('1.1') else '1.0'

    @staticmethod
    def _kwargs(version, credentials, **kwargs):
        if version != '1.0':
            kwargs['credentials'] = credentials
        return kwargs

    def can_run_metadata_jobs(self):
        """Whether every conductor runs metadata jobs.

        Asked before such a job is recorded, so that none is left waiting
        for a conductor that does not know it.
        """
        return self.client.can_send_version(METADATA_JOBS_VERSION)

    def can_copy_during_upload(self):
        """Whether every conductor reads an upload while it arrives."""
        return self.client.can_send_version(LIVE_UPLOAD_JOBS_VERSION)

    def run_job(self, context, job_id, host=None, credentials=None,
                metadata=False, live_upload=False):
        """Start a pending job, on ``host`` when its data is staged there.

        ``metadata``: the job changes metadata (an update, a deprecation).
        ``live_upload``: the job copies an upload that still arrives.
        """
        kwargs = {'job_id': job_id}
        if credentials:
            kwargs['credentials'] = credentials
        version = self._require('1.1', 'A job with per-request '
                                'credentials') if credentials else '1.0'
        if metadata:
            version = self._require(METADATA_JOBS_VERSION, METADATA_JOBS)
        if live_upload:
            version = self._require(LIVE_UPLOAD_JOBS_VERSION,
                                    LIVE_UPLOAD_JOBS)
        self._prepare(host=host, version=version) \
            .cast(context, 'run_job', **kwargs)

    def resume_job(self, context, job_id, credentials=None):
        """Continue a job that lost its per-request credentials."""
        version = self._require('1.2', 'Resuming a job')
        self._prepare(version=version).cast(
            context, 'resume_job', job_id=job_id, credentials=credentials)

    def cancel_job(self, context, job_id):
        """Tell every conductor to stop the job if it runs it."""
        self._prepare(fanout=True, version='1.0').cast(
            context, 'cancel_job', job_id=job_id)

    def validate_cloud(self, context, cloud_id, credentials=None):
        """Reach a cloud with the caller's authority; raise if it fails."""
        version = self._with_credentials(
            credentials, 'Checking a cloud with per-request credentials')
        return self._prepare(version=version).call(
            context, 'validate_cloud', **self._kwargs(
                version, credentials, cloud_id=cloud_id))

    def verify_location(self, context, image_id, cloud_id, remote_id,
                        force=False, credentials=None):
        """Check a remote image before it is linked; return its metadata.

        Raises RemoteImageNotFound, or ChecksumMismatch unless ``force``.
        """
        version = self._with_credentials(
            credentials, 'Adopting an image with per-request credentials')
        return self._prepare(version=version).call(
            context, 'verify_location', **self._kwargs(
                version, credentials, image_id=image_id, cloud_id=cloud_id,
                remote_id=remote_id, force=force))

    def describe_remote_image(self, context, cloud_id, remote_id,
                              credentials=None):
        """Live metadata of one image in a cloud."""
        version = self._require('1.1', 'Describing a remote image')
        return self._prepare(version=version).call(
            context, 'describe_remote_image', cloud_id=cloud_id,
            remote_id=remote_id, credentials=credentials)

    def list_cloud_images(self, context, cloud_id, credentials=None):
        """The images a cloud holds, tracked or not."""
        version = self._require('1.1', "Listing a cloud's images")
        return self._prepare(version=version).call(
            context, 'list_cloud_images', cloud_id=cloud_id,
            credentials=credentials)

    def purge_image(self, context, image_id, credentials=None):
        """Delete every copy of an image from its clouds.

        Raises DriverError naming the clouds whose copy could not be
        deleted; their locations are kept.
        """
        version = self._require('1.3', 'Purging an image from its clouds')
        return self._prepare(version=version).call(
            context, 'purge_image', image_id=image_id,
            credentials=credentials)

    def can_describe_locations(self):
        """Whether every conductor reads live locations without writing."""
        return self.client.can_send_version('1.4')

    def describe_locations(self, context, image_id, credentials=None):
        """Like refresh_image, but the database is left as it is."""
        return self._prepare(version='1.4').call(
            context, 'describe_locations', image_id=image_id,
            credentials=credentials)

    def refresh_image(self, context, image_id, credentials=None):
        """Check every location now; ``{cloud_id: status, error, remote}``."""
        version = self._require('1.1', 'Refreshing an image')
        return self._prepare(version=version).call(
            context, 'refresh_image', image_id=image_id,
            credentials=credentials)
