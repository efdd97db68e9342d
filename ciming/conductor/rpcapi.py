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
"""

import oslo_messaging as messaging

from ciming.common import rpc
from ciming.conf import CONF

TOPIC = 'ciming-conductor'
RPC_API_VERSION = '1.4'


class ConductorAPI:
    """Versioned client of :class:`ciming.conductor.manager.ConductorManager`.

    Casts carry ids, and per-request credentials that conductors keep in
    memory only; a job's details are in the database.
    """

    def __init__(self, topic=TOPIC):
        target = messaging.Target(topic=topic, version='1.0')
        self.client = rpc.get_client(
            target, version_cap=CONF.conductor.rpc_version_cap or
            RPC_API_VERSION)

    def _prepare(self, host=None, **kwargs):
        if host is not None:
            # Delivered on the queue ciming-conductor.<host> only.
            kwargs['server'] = host
        return self.client.prepare(**kwargs)

    def run_job(self, context, job_id, host=None, credentials=None):
        """Start a pending job, on ``host`` when its data is staged there."""
        kwargs = {'job_id': job_id}
        if credentials:
            kwargs['credentials'] = credentials
        self._prepare(host=host, version='1.1' if credentials else '1.0') \
            .cast(context, 'run_job', **kwargs)

    def resume_job(self, context, job_id, credentials=None):
        """Continue a job that lost its per-request credentials."""
        self._prepare(version='1.2').cast(
            context, 'resume_job', job_id=job_id, credentials=credentials)

    def cancel_job(self, context, job_id):
        """Tell every conductor to stop the job if it runs it."""
        self._prepare(fanout=True, version='1.0').cast(
            context, 'cancel_job', job_id=job_id)

    def validate_cloud(self, context, cloud_id, credentials=None):
        """Reach a cloud with the caller's authority; raise if it fails."""
        return self._prepare(version='1.1').call(
            context, 'validate_cloud', cloud_id=cloud_id,
            credentials=credentials)

    def verify_location(self, context, image_id, cloud_id, remote_id,
                        force=False, credentials=None):
        """Check a remote image before it is linked; return its metadata.

        Raises RemoteImageNotFound, or ChecksumMismatch unless ``force``.
        """
        return self._prepare(version='1.1').call(
            context, 'verify_location', image_id=image_id,
            cloud_id=cloud_id, remote_id=remote_id, force=force,
            credentials=credentials)

    def describe_remote_image(self, context, cloud_id, remote_id,
                              credentials=None):
        """Live metadata of one image in a cloud."""
        return self._prepare(version='1.1').call(
            context, 'describe_remote_image', cloud_id=cloud_id,
            remote_id=remote_id, credentials=credentials)

    def list_cloud_images(self, context, cloud_id, credentials=None):
        """The images a cloud holds, tracked or not."""
        return self._prepare(version='1.1').call(
            context, 'list_cloud_images', cloud_id=cloud_id,
            credentials=credentials)

    def purge_image(self, context, image_id, credentials=None):
        """Delete every copy of an image from its clouds.

        Raises DriverError naming the clouds whose copy could not be
        deleted; their locations are kept.
        """
        return self._prepare(version='1.3').call(
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
        return self._prepare(version='1.1').call(
            context, 'refresh_image', image_id=image_id,
            credentials=credentials)
