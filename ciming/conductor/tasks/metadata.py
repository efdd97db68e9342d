"""The task that brings an image's pending metadata to one cloud.

The image's pending metadata (:mod:`ciming.common.metadata`) names the
clouds still to reach; once a cloud has the change it is struck off, and
when none is left CIMinG holds no metadata of the image any more. A
cloud that refuses the change fails its target only, and stays pending.
"""

from oslo_log import log

from ciming.common import exception
from ciming.common import metadata
from ciming.common import states
from ciming.conductor.tasks import base
from ciming.drivers import base as driver_base

LOG = log.getLogger(__name__)


class ApplyMetadata(base.JobTask):
    """Apply the pending metadata to the image's copy in one cloud.

    In a sync the target's data task already settled it; here a target
    still ``pending`` (a metadata-only one) becomes ``active`` once its
    cloud has the change.
    """

    def __init__(self, cloud_id):
        super().__init__(name='metadata-%s' % cloud_id,
                         inject={'cloud_id': cloud_id})

    def execute(self, job_id, image_id, cloud_id):
        image = self.dbapi.get_image(image_id)
        target = _target(self.dbapi.get_job(job_id), cloud_id)
        if target is None or target.state in (states.TARGET_FAILED,
                                              states.TARGET_CANCELLED):
            return
        location = _location(image, cloud_id)
        if location is None or not location.remote_id \
                or location.status != states.LOC_ACTIVE:
            self._fail(job_id, cloud_id, exception.InvalidState(
                resource='Location', id=cloud_id,
                state=location.status if location else None,
                reason='only an active copy takes metadata'))
            return
        pending = image.pending_metadata
        if metadata.waits_for(pending, cloud_id):
            try:
                self._apply(self.driver_for(job_id, cloud_id),
                            location.remote_id, pending)
            except Exception as exc:
                self._fail(job_id, cloud_id, exc)
                return
            self.dbapi.update_image(image_id, {
                'pending_metadata': metadata.reached(pending, cloud_id)
                or {}})
            LOG.info('Job %(job)s: cloud %(cloud)s has the metadata of '
                     'image %(image)s', {'job': job_id, 'cloud': cloud_id,
                                         'image': image_id})
        if target.state == states.TARGET_PENDING:
            self.dbapi.update_job_target(job_id, cloud_id, {
                'state': states.TARGET_ACTIVE,
                'remote_id': location.remote_id})

    @staticmethod
    def _apply(driver, remote_id, pending):
        """Send the change; what the cloud has no notion of is left out."""
        capabilities = driver.capabilities
        change = driver_base.MetadataChange.from_patch(pending)
        if not change.is_empty() and capabilities.can_update_metadata:
            driver.update_metadata(remote_id, change)
        deprecation = pending.get('deprecation')
        if deprecation is None or not capabilities.can_deprecate:
            return
        if deprecation.get('deprecated'):
            driver.deprecate(remote_id,
                             replacement=deprecation.get('replacement'),
                             deprecate_at=deprecation.get('deprecate_at'))
        else:
            driver.undeprecate(remote_id)

    def _fail(self, job_id, cloud_id, error):
        """The target fails; its data (and location) are as they were."""
        LOG.warning('Job %(job)s: metadata not applied in %(cloud)s: '
                    '%(error)s', {'job': job_id, 'cloud': cloud_id,
                                  'error': error})
        self.dbapi.update_job_target(job_id, cloud_id, {
            'state': states.TARGET_FAILED,
            'error': 'metadata: %s' % exception.safe_message(error)})


def _target(job, cloud_id):
    for target in job.targets:
        if target.cloud_id == cloud_id:
            return target
    return None


def _location(image, cloud_id):
    for location in image.locations:
        if location.cloud_id == cloud_id:
            return location
    return None
