"""Tasks that act on one target cloud: prepare it, finalize it."""

from oslo_log import log
from oslo_utils import timeutils

from ciming.common import exception
from ciming.common import states
from ciming.common import testhooks
from ciming.conductor.tasks import base
from ciming.drivers import base as driver_base

LOG = log.getLogger(__name__)


def remote_key(cloud_id):
    """Store key under which a target's remote id is published."""
    return 'remote_%s' % cloud_id


class PrepareTarget(base.JobTask):
    """Create the remote record under our unified id; revert deletes it.

    A target that already holds an active image with the same sha512 is
    linked to it instead of receiving a copy (reported as ``linked``).
    Publishes the remote id to write to, or None when there is nothing
    to write (linked, or failed).
    """

    def __init__(self, cloud_id):
        super().__init__(name='prepare-%s' % cloud_id,
                         provides=remote_key(cloud_id),
                         inject={'cloud_id': cloud_id})

    def execute(self, job_id, image_id, cloud_id, source_image, converted):
        testhooks.pause(testhooks.BEFORE_PREPARE, job_id, image_id)
        image = self.dbapi.get_image(image_id)
        meta = base.expected_image(image, converted, cloud_id)
        meta.properties = dict((source_image or {}).get('properties')
                               or {})
        try:
            driver = self.driver_for(job_id, cloud_id)
            if self._link_duplicate(driver, job_id, image.id, meta,
                                    cloud_id):
                return None
            remote_id = driver.prepare_import(image_id, meta)
        except Exception as exc:
            self.fail_target(job_id, image_id, cloud_id, exc)
            return None
        self.dbapi.update_job_target(job_id, cloud_id, {
            'state': states.TARGET_COPYING, 'remote_id': remote_id,
            'bytes_total': meta.size})
        self.dbapi.set_location(image_id, cloud_id, {
            'status': states.LOC_COPYING, 'remote_id': remote_id,
            'error': None})
        return remote_id

    def _link_duplicate(self, driver, job_id, image_id, meta, cloud_id):
        if not driver.capabilities.can_find_by_hash \
                or not meta.os_hash_value:
            return False
        same = [r for r in driver.find_by_hash(meta.os_hash_value)
                if r.size in (None, meta.size)]
        if not same:
            return False
        remote = same[0]
        LOG.info('Job %(job)s: cloud %(cloud)s already holds image '
                 '%(image)s as %(remote)s; linking it',
                 {'job': job_id, 'cloud': cloud_id, 'image': image_id,
                  'remote': remote.remote_id})
        self.dbapi.update_job_target(job_id, cloud_id, {
            'state': states.TARGET_LINKED, 'remote_id': remote.remote_id,
            'bytes_total': meta.size})
        self.dbapi.set_location(image_id, cloud_id, dict(
            base.held_data(meta), status=states.LOC_ACTIVE,
            remote_id=remote.remote_id, error=None,
            last_seen_at=timeutils.utcnow()))
        return True

    def revert(self, job_id, image_id, cloud_id, result, **kwargs):
        if not isinstance(result, str):
            return  # nothing was created: linked, or prepare failed
        try:
            self.driver_for(job_id, cloud_id).delete(result)
        except Exception:
            LOG.exception('Job %(job)s: could not delete %(remote)s from '
                          'cloud %(cloud)s', {'job': job_id,
                                              'remote': result,
                                              'cloud': cloud_id})
            raise
        self.dbapi.update_job_target(job_id, cloud_id, {
            'state': states.TARGET_CANCELLED, 'remote_id': None})
        self.dbapi.set_location(image_id, cloud_id, {
            'status': states.LOC_PENDING, 'remote_id': None})


class FinalizeTarget(base.JobTask):
    """Make a transferred target usable and verify what it holds."""

    def __init__(self, cloud_id):
        super().__init__(name='finalize-%s' % cloud_id,
                         inject={'cloud_id': cloud_id})

    def execute(self, job_id, image_id, cloud_id, transferred, converted):
        remote_id = transferred.get(cloud_id)
        if remote_id is None:
            return  # this target failed, or was linked
        testhooks.pause(testhooks.BEFORE_FINALIZE, job_id, image_id)
        image = self.dbapi.get_image(image_id)
        expected = base.expected_image(image, converted, cloud_id)
        driver = self.driver_for(job_id, cloud_id)
        try:
            remote = driver.finalize_import(remote_id, expected)
            _verify(expected, remote)
        except Exception as exc:
            discard_remote(driver, remote_id)
            self.fail_target(job_id, image_id, cloud_id, exc)
            return
        # A cloud may name the finished image otherwise than the record
        # the data went to (an AWS snapshot, then its AMI).
        remote_id = remote.remote_id or remote_id
        self.dbapi.update_job_target(job_id, cloud_id, {
            'state': states.TARGET_ACTIVE, 'bytes_done': expected.size,
            'remote_id': remote_id})
        self.dbapi.set_location(image_id, cloud_id, dict(
            base.held_data(expected), status=states.LOC_ACTIVE,
            remote_id=remote_id, error=None,
            last_seen_at=timeutils.utcnow()))


def _verify(image, remote):
    """Compare what the cloud reports with the image's own size and hash."""
    mismatch = driver_base.data_mismatch(image, remote)
    if mismatch is not None:
        field, want, got = mismatch
        raise exception.TransferFailed(
            reason='the cloud reports %s %s, expected %s'
                   % (field, got, want))


def discard_remote(driver, remote_id):
    """Delete a half-made remote image; a failure here is only logged."""
    try:
        driver.delete(remote_id)
    except Exception:
        LOG.exception('Could not delete %(remote)s from cloud %(cloud)s',
                      {'remote': remote_id, 'cloud': driver.name})
