"""Watching images where they live: is each copy still there, unchanged?"""

from oslo_log import log
from oslo_utils import timeutils

from ciming.common import exception
from ciming.common import states
from ciming.conductor.tasks import base

LOG = log.getLogger(__name__)

# Locations that name a remote image worth looking at.
_WATCHED = (states.LOC_ACTIVE, states.LOC_MISSING,
            states.LOC_CHECKSUM_MISMATCH, states.LOC_ERROR)


def _status(image, remote):
    """A location's status from what its cloud reports now."""
    for field in ('os_hash_value', 'checksum', 'size'):
        mine, theirs = getattr(image, field), getattr(remote, field)
        if mine is not None and theirs is not None and mine != theirs:
            return states.LOC_CHECKSUM_MISMATCH, '%s changed to %s' % (
                field, theirs)
    if remote.status not in (None, 'active'):
        return states.LOC_ERROR, 'the cloud reports it %s' % remote.status
    return states.LOC_ACTIVE, None


def refresh_locations(dbapi, context, credentials, image, skip=(),
                      record=True):
    """Pull each location's metadata from its cloud; update its status.

    Returns ``{cloud_id: {"status", "error", "remote"}}`` where remote is
    the live metadata (never stored). A cloud that cannot be reached
    leaves its location as it was, with the reason in ``error``. Without
    ``record`` nothing is written: a reader's look changes no state.
    """
    results = {}
    for loc in image.locations:
        if loc.cloud_id in skip or not loc.remote_id \
                or loc.status not in _WATCHED:
            continue
        try:
            driver = base.get_driver(context, credentials,
                                     dbapi.get_cloud(loc.cloud_id),
                                     project_id=image.project_id)
            remote = driver.get_image(loc.remote_id)
        except exception.RemoteImageNotFound:
            status, error, remote = (states.LOC_MISSING,
                                     'the image is gone from the cloud',
                                     None)
        except exception.CimingException as exc:
            LOG.warning('Image %(image)s: cannot check cloud %(cloud)s: '
                        '%(err)s', {'image': image.id,
                                    'cloud': loc.cloud_id,
                                    'err': exc.message})
            results[loc.cloud_id] = {'status': loc.status,
                                     'error': exc.message, 'remote': None}
            continue
        else:
            status, error = _status(image, remote)
        values = {'status': status, 'error': error}
        if remote is not None:
            values['last_seen_at'] = timeutils.utcnow()
        if record:
            dbapi.set_location(image.id, loc.cloud_id, values)
        results[loc.cloud_id] = {
            'status': status, 'error': error,
            'remote': remote.to_dict() if remote is not None else None}
    return results


class RefreshLocations(base.JobTask):
    """Before a sync: see where the image really is (not the targets)."""

    def __init__(self, cloud_ids):
        super().__init__(name='refresh-locations')
        self.cloud_ids = list(cloud_ids)

    def execute(self, job_id, image_id):
        job_runtime = self.runtime(job_id)
        refresh_locations(self.dbapi, job_runtime.context,
                          job_runtime.credentials,
                          self.dbapi.get_image(image_id),
                          skip=self.cloud_ids)


class DescribeSource(base.JobTask):
    """Read the source image's properties, for those that follow it.

    Provides ``source_properties``; a staged upload has none.
    """

    def __init__(self):
        super().__init__(name='describe-source',
                         provides='source_properties')

    def execute(self, job_id, source):
        if source['type'] != 'cloud':
            return {}
        driver = self.driver_for(job_id, source['cloud_id'])
        return dict(driver.get_image(source['remote_id']).properties or {})
