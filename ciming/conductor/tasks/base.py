"""What every job task shares: the database, drivers, job bookkeeping."""

from oslo_log import log
from taskflow import task

from ciming.common import credentials as ciming_credentials
from ciming.common import exception
from ciming.common import states
from ciming.conductor import runtime
from ciming.db import api as dbapi
from ciming.drivers import base as driver_base
from ciming.drivers import loader

LOG = log.getLogger(__name__)


def cloud_record(cloud):
    """The plain mapping a driver is built from (no ORM object leaks)."""
    return {'id': cloud.id, 'name': cloud.name, 'type': cloud.type,
            'region': cloud.region, 'options': dict(cloud.options or {}),
            'credential_ref': cloud.credential_ref,
            'project_id': cloud.project_id, 'shared': bool(cloud.shared)}


def expected_image(image):
    """What a target must end up holding: the image's known metadata."""
    return driver_base.RemoteImage(
        remote_id=image.id, name=image.name,
        disk_format=image.disk_format,
        container_format=image.container_format, size=image.size,
        checksum=image.checksum, os_hash_algo=image.os_hash_algo,
        os_hash_value=image.os_hash_value)


def get_driver(context, credentials, cloud, project_id=None):
    """A driver for a cloud record, acting for a project.

    The project is the one whose images are at stake (an image's, a
    job's), else the caller's: an admin looking at a project's image sees
    what that project stored.
    """
    record = cloud_record(cloud)
    record['shared_identity'] = ciming_credentials.is_shared_identity(
        record, credentials)
    return loader.get_driver(
        record, credentials=ciming_credentials.for_cloud(
            context, record, credentials),
        project_id=project_id or context.project_id)


class JobTask(task.Task):
    """A task of a job's flow; knows how to reach the DB and the clouds."""

    def __init__(self, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.dbapi = dbapi.get_instance()

    @staticmethod
    def runtime(job_id):
        """The job's in-memory context and credentials."""
        return runtime.get(job_id)

    def driver_for(self, job_id, cloud_id):
        """A driver of a cloud, with the job's identity and credentials."""
        job_runtime = self.runtime(job_id)
        return get_driver(job_runtime.context, job_runtime.credentials,
                          self.dbapi.get_cloud(cloud_id),
                          project_id=self.dbapi.get_job(job_id).project_id)

    def fail_target(self, job_id, image_id, cloud_id, error):
        """Record one target's failure; the job goes on for the others.

        The log has the error in full; the job and the location only
        what a user may read of it.
        """
        LOG.warning('Job %(job)s: target %(cloud)s failed: %(error)s',
                    {'job': job_id, 'cloud': cloud_id, 'error': error})
        message = exception.safe_message(error)
        self.dbapi.update_job_target(
            job_id, cloud_id,
            {'state': states.TARGET_FAILED, 'error': message})
        self.dbapi.set_location(
            image_id, cloud_id,
            {'status': states.LOC_ERROR, 'error': message})
