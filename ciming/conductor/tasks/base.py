"""What every job task shares: the database, the job's drivers, bookkeeping."""

from oslo_log import log
from taskflow import task

from ciming.common import exception
from ciming.common import image_format
from ciming.common import states
from ciming.conductor import runtime
from ciming.db import api as dbapi
from ciming.drivers import base as driver_base

LOG = log.getLogger(__name__)


def expected_image(image, converted=None, cloud_id=None):
    """What a target must end up holding: the image's known metadata.

    For a target the job converted the data for (``converted``, from
    the convert task), the raw conversion's format, size and hashes.
    """
    expected = driver_base.RemoteImage(
        remote_id=image.id, name=image.name,
        disk_format=image.disk_format,
        container_format=image.container_format, size=image.size,
        checksum=image.checksum, os_hash_algo=image.os_hash_algo,
        os_hash_value=image.os_hash_value)
    if converted is not None and cloud_id in converted['targets']:
        for field, value in converted['raw'].items():
            setattr(expected, field, value)
    return expected


def image_data(image):
    """What a job records of the data it reads (its ``data.source``)."""
    return {'disk_format': image.disk_format, 'size': image.size,
            'virtual_size': image.virtual_size,
            'checksum': image.checksum, 'os_hash_algo': image.os_hash_algo,
            'os_hash_value': image.os_hash_value}


def needs_conversion(driver, disk_format):
    """Whether a target's cloud takes ``disk_format`` only converted."""
    accepted = driver.accepted_formats(driver.cloud.get('options') or {})
    return image_format.needs_conversion(disk_format, accepted)


def held_data(expected):
    """A location's record of the data its cloud holds."""
    return {'disk_format': expected.disk_format, 'size': expected.size,
            'os_hash_value': expected.os_hash_value}


class JobTask(task.Task):
    """A task of a job's flow; knows how to reach the DB and the clouds."""

    def __init__(self, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.dbapi = dbapi.get_instance()

    @staticmethod
    def runtime(job_id):
        """The job's in-memory context, credentials and drivers."""
        return runtime.get(job_id)

    def driver_for(self, job_id, cloud_id):
        """The job's driver of a cloud (built once per job)."""
        return self.runtime(job_id).driver(cloud_id)

    def target_drivers(self, job_id, cloud_ids):
        """``{cloud_id: driver}`` of the targets whose driver is built.

        A target whose driver cannot be built is left out: its prepare
        step fails it, saying why.
        """
        drivers = {}
        for cloud_id in cloud_ids:
            try:
                drivers[cloud_id] = self.driver_for(job_id, cloud_id)
            except exception.CimingException:
                continue
        return drivers

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
