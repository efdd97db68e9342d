"""Client side of the conductor RPC API.

API version history:

* 1.0 - Initial version: run_job, cancel_job, validate_cloud,
  verify_location.
"""

import oslo_messaging as messaging

from ciming.common import rpc
from ciming.conf import CONF

TOPIC = 'ciming-conductor'
RPC_API_VERSION = '1.0'


class ConductorAPI:
    """Versioned client of :class:`ciming.conductor.manager.ConductorManager`.

    Casts carry only ids: a job's details are in the database and its
    credentials in the conductor's memory.
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

    def run_job(self, context, job_id, host=None):
        """Start a pending job, on ``host`` when its data is staged there."""
        self._prepare(host=host, version='1.0').cast(
            context, 'run_job', job_id=job_id)

    def cancel_job(self, context, job_id):
        """Tell every conductor to stop the job if it runs it."""
        self._prepare(fanout=True, version='1.0').cast(
            context, 'cancel_job', job_id=job_id)

    def validate_cloud(self, context, cloud_id):
        """Reach a cloud with the caller's authority; raise if it fails."""
        return self._prepare(version='1.0').call(
            context, 'validate_cloud', cloud_id=cloud_id)

    def verify_location(self, context, image_id, cloud_id, remote_id,
                        force=False):
        """Check a remote image before it is linked; return its metadata.

        Raises RemoteImageNotFound, or ChecksumMismatch unless ``force``.
        """
        return self._prepare(version='1.0').call(
            context, 'verify_location', image_id=image_id,
            cloud_id=cloud_id, remote_id=remote_id, force=force)
