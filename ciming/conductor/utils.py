"""What the conductor's manager and its tasks share: settling records.

As Ironic's ``conductor/utils.py``: helpers the manager needs for its
synchronous calls and periodic work, so that it never imports a task.
The state rules themselves are in :mod:`ciming.common.states`.
"""

import types

from oslo_log import log
from oslo_utils import timeutils

from ciming.common import exception
from ciming.common import keystone
from ciming.common import notify
from ciming.common import staging
from ciming.common import states
from ciming.conductor import cloud_access
from ciming.conductor import runtime
from ciming.drivers import base as driver_base

LOG = log.getLogger(__name__)

# Reads and guarded writes of an image's status before settle_image
# gives up: each failed one means another process moved the image.
_SETTLE_ATTEMPTS = 5

# Locations that name a remote image worth looking at.
_WATCHED = (states.LOC_ACTIVE, states.LOC_MISSING,
            states.LOC_CHECKSUM_MISMATCH, states.LOC_ERROR)


def settle_image(dbapi, image_id):
    """Set the image's status; drop staged data nobody needs any more.

    An image being uploaded is left to its upload, which settles it when
    it ends (see :func:`end_job`). The status is written only if the
    image did not change meanwhile (an upload copied while it arrived may
    end at that moment); otherwise it is worked out again. Returns the
    status.
    """
    for attempt in range(_SETTLE_ATTEMPTS):
        image = dbapi.get_image(image_id)
        if image.status == states.IMAGE_UPLOADING:
            return image.status
        status = states.image_status(
            [loc.status for loc in image.locations], image.staged)
        values = {'status': status}
        if image.staged and status == states.IMAGE_ACTIVE:
            staging.StagingArea().delete(image_id)
            values.update(staged=False, staged_host=None)
        try:
            updated = dbapi.update_image(image_id, values,
                                         expected_status=[image.status])
            break
        except exception.InvalidState:
            if attempt + 1 == _SETTLE_ATTEMPTS:
                raise
    if status != image.status:
        notify.emit(None, 'image.update', notify.image_payload(updated))
    return status


def release_trust(dbapi, job):
    """Delete a job's trust before the job is reported ended.

    Returns the values that record it gone (``trust_id`` None), to be
    written with the job's final state: a job is never seen ended while
    its trust lives on. A trust that could not be deleted keeps its id,
    and :meth:`ConductorManager.delete_ended_trusts` retries.
    """
    if not job.trust_id:
        return {}
    # The job's own trust token, when it ran here, saves a new one.
    held = runtime.find(job.id)
    auth = held and cloud_access.held_trust_auth(held.context, job.trust_id)
    deleted = (keystone.delete_trust(job.trust_id, auth=auth) if auth
               else keystone.delete_trust(job.trust_id))
    if deleted:
        return {'trust_id': None}
    return {}


def end_job(dbapi, job_id, state, error):
    """Settle a job whose flow did not complete (it was reverted).

    Targets still pending or copying are cancelled or failed with it;
    then the image, then the job.
    """
    job = dbapi.get_job(job_id)
    for target in job.targets:
        if target.state in (states.TARGET_PENDING, states.TARGET_COPYING):
            dbapi.update_job_target(job_id, target.cloud_id, {
                'state': states.TARGET_CANCELLED
                if state == states.JOB_CANCELLED
                else states.TARGET_FAILED, 'error': error})
    _record_end(dbapi, job, {'state': state, 'error': error},
                release_trust(dbapi, dbapi.get_job(job_id)))


def _record_end(dbapi, job, values, trust_values):
    """Settle the image, then record the job ended.

    A job copying an upload that still arrives leaves the image to the
    upload; if the upload was recorded meanwhile, the image is settled
    once more now that the job is seen ended (the API settles it when
    the upload ends later).
    """
    status = settle_image(dbapi, job.image_id)
    values = dict(values, finished_at=timeutils.utcnow(), **trust_values)
    dbapi.update_job(job.id, values)
    if status == states.IMAGE_UPLOADING:
        settle_image(dbapi, job.image_id)
    LOG.info('Job %(job)s ended %(state)s', {'job': job.id,
                                             'state': values['state']})


def complete_job(dbapi, job_id):
    """Settle a job whose flow completed: its state from its targets."""
    job = dbapi.get_job(job_id)
    state = states.job_outcome(t.state for t in job.targets)
    error = None
    if state != states.JOB_SUCCEEDED:
        error = '; '.join('%s: %s' % (t.cloud_id, t.error)
                          for t in job.targets if t.error)
    _record_end(dbapi, job, {'state': state, 'error': error},
                release_trust(dbapi, job))
    return state


def location_status(image, remote):
    """A location's status and error from what its cloud reports now."""
    mismatch = driver_base.data_mismatch(image, remote)
    if mismatch is not None:
        field, _mine, theirs = mismatch
        return states.LOC_CHECKSUM_MISMATCH, '%s changed to %s' % (
            field, theirs)
    if remote.status not in (None, 'active'):
        return states.LOC_ERROR, 'the cloud reports it %s' % remote.status
    return states.LOC_ACTIVE, None


def held_by(image, loc):
    """What a location's copy holds: a conversion, or the image's data.

    A copy converted for its cloud (raw from a qcow2) is compared with
    the size and hash its location recorded, not with the image's.
    """
    if loc.os_hash_value is None or loc.os_hash_value == image.os_hash_value:
        return image
    return types.SimpleNamespace(id=image.id, size=loc.size, checksum=None,
                                 os_hash_value=loc.os_hash_value)


def record_remote(dbapi, image, cloud_id, remote, record=True):
    """Update a location from its cloud's answer (None: the image is gone).

    Returns ``{"status", "error", "remote"}``, remote being the live
    metadata (never stored). Without ``record`` nothing is written.
    """
    if remote is None:
        status, error = (states.LOC_MISSING,
                         'the image is gone from the cloud')
    else:
        status, error = location_status(image, remote)
    values = {'status': status, 'error': error}
    if remote is not None:
        values['last_seen_at'] = timeutils.utcnow()
    if record:
        dbapi.set_location(image.id, cloud_id, values)
    return {'status': status, 'error': error,
            'remote': remote.to_dict() if remote is not None else None}


def refresh_locations(dbapi, clouds, image, skip=(), record=True):
    """Pull each location's metadata from its cloud; update its status.

    ``clouds`` is the :class:`~ciming.conductor.cloud_access.CloudAccess`
    to reach them with. Returns ``{cloud_id: {"status", "error",
    "remote"}}``. A cloud that cannot be reached leaves its location as
    it was, with the reason in ``error``. Without ``record`` nothing is
    written: a reader's look changes no state.
    """
    results = {}
    for loc in image.locations:
        if loc.cloud_id in skip or not loc.remote_id \
                or loc.status not in _WATCHED:
            continue
        try:
            remote = clouds.driver(loc.cloud_id).get_image(loc.remote_id)
        except exception.RemoteImageNotFound:
            remote = None
        except exception.CimingException as exc:
            LOG.warning('Image %(image)s: cannot check cloud %(cloud)s: '
                        '%(err)s', {'image': image.id,
                                    'cloud': loc.cloud_id,
                                    'err': exc.message})
            results[loc.cloud_id] = {'status': loc.status,
                                     'error': exc.message, 'remote': None}
            continue
        results[loc.cloud_id] = record_remote(dbapi, held_by(image, loc),
                                              loc.cloud_id, remote,
                                              record=record)
    return results


def check_remote_copy(image, remote, cloud_name):
    """Refuse a remote image whose data is not the image's (to link it)."""
    mismatch = driver_base.data_mismatch(image, remote)
    if mismatch is not None:
        field, mine, theirs = mismatch
        raise exception.ChecksumMismatch(
            cloud=cloud_name,
            reason='%s is %s, the image has %s' % (field, theirs, mine))
