"""API 1.1: an image's metadata in its clouds, and its deprecation.

The metadata lives in the clouds: a change is recorded as the image's
pending metadata (:mod:`ciming.common.metadata`) only until every cloud
holding a copy has it, which a job (``update``, ``deprecate``,
``undeprecate``) sees to, cloud by cloud.

* ``POST /v1/images`` takes ``properties``, ``tags``, ``visibility``,
  ``protected``, ``min_disk``, ``min_ram``: pending until the import
  applies them in each target.
* ``PATCH /v1/images/{id}`` (RFC 7396 merge patch; a property set to null
  is removed, ``tags`` is the whole new list) -> 200 Image when no cloud
  holds a copy yet (the change waits for the import), else 202 Image with
  ``job_id``: the ``update`` job with a result per cloud.
* ``POST /v1/images/{id}/deprecate`` {replacement?, deprecate_at?} and
  ``POST /v1/images/{id}/undeprecate`` -> 202 Job.
* ``POST /v1/images/{id}/sync`` {"metadata": true}: see
  :func:`sync_metadata`.
"""

from oslo_utils import timeutils
import pecan

from ciming.api import job_records
from ciming.api import request_credentials
from ciming.api import utils
from ciming.api import views
from ciming.common import exception
from ciming.common import metadata
from ciming.common import states
from ciming.conductor import rpcapi as conductor_rpcapi
from ciming.conf import CONF

PATCH_FIELDS = ('properties',) + metadata.FIELDS


def _patch_of(body):
    patch = {k: body[k] for k in PATCH_FIELDS if k in body}
    reserved = metadata.reserved_keys(patch.get('properties') or {})
    if reserved:
        raise exception.InvalidParameterValue(
            err='These properties are not for users to set: %s.'
                % ', '.join(reserved)[:512])
    return patch


def pending_on_create(body, target_ids):
    """The pending metadata of a new image: what its body asks."""
    patch = _patch_of(body)
    patch.pop('name', None)  # the record's own, given to every target
    if not patch:
        return {}
    return metadata.compose(None, patch, target_ids) or {}


def _active_clouds(image):
    return [loc.cloud_id for loc in image.locations
            if loc.status == states.LOC_ACTIVE and loc.remote_id]


def _check_idle(image):
    busy = pecan.request.dbapi.list_jobs(filters={
        'image_id': image.id, 'state': states.JOB_ACTIVE_STATES}, limit=1)
    if busy:
        raise exception.ImageBusy(image=image.id, job=busy[0].id)


def _require_metadata_jobs():
    """Refuse before recording a job that no conductor may run yet."""
    if not pecan.request.rpcapi.can_run_metadata_jobs():
        raise exception.ConductorVersionCapped(
            action=conductor_rpcapi.METADATA_JOBS,
            needed=conductor_rpcapi.METADATA_JOBS_VERSION,
            cap=CONF.conductor.rpc_version_cap)


def start_job(image, action, values, target_ids, supplied):
    """Record a metadata job (writing ``values`` to the image) and cast it."""
    _require_metadata_jobs()
    job = job_records.create_job({
        'project_id': image.project_id,
        'image_id': image.id,
        'action': action,
        'source': {'type': 'metadata'},
        'expected_image_status': list(states.IMAGE_RESTING_STATES),
        'image_values': values,
    }, target_ids, supplied)
    job_records.cast_job(job, None, supplied)
    return job


def update(image, body):
    """PATCH at 1.1: returns the response body."""
    patch = _patch_of(body)
    supplied = request_credentials.from_request(project_id=image.project_id)
    if not patch:
        return views.image(image)
    values = {'pending_metadata': metadata.compose(
        image.pending_metadata, patch,
        [loc.cloud_id for loc in image.locations]) or {}}
    if 'name' in patch:
        values['name'] = patch['name']
    clouds = _active_clouds(image)
    dbapi = pecan.request.dbapi
    if not clouds:
        # Nothing to change in the clouds yet: the import applies it.
        _check_idle(image)
        return views.image(dbapi.update_image(image.id, values))
    job = start_job(image, states.ACTION_UPDATE, values, clouds, supplied)
    pecan.response.status = 202
    pecan.response.location = utils.url('v1', 'jobs', job.id)
    return dict(views.image(dbapi.get_image(image.id)), job_id=job.id)


def _deprecate_at(value):
    if value is None:
        return None
    try:
        parsed = timeutils.parse_isotime(value)
    except ValueError:
        raise exception.InvalidParameterValue(
            err='deprecate_at must be an ISO 8601 time.')
    return timeutils.normalize_time(parsed).replace(
        microsecond=0).isoformat() + 'Z'


def _replacement(image, ident):
    if ident is None:
        return None
    try:
        replacement = pecan.request.dbapi.get_image(ident, image.project_id)
    except exception.ImageNotFound:
        replacement = None
    if replacement is None or replacement.id == image.id:
        raise exception.InvalidParameterValue(
            err='replacement must be another image of the same project.')
    return replacement.id


def set_deprecation(image, body, deprecated):
    """Start the job that (un)deprecates every copy; returns it."""
    if deprecated:
        deprecation = {'deprecated': True,
                       'replacement': _replacement(
                           image, body.get('replacement')),
                       'deprecate_at': _deprecate_at(
                           body.get('deprecate_at'))}
    else:
        deprecation = {'deprecated': False}
    supplied = request_credentials.from_request(project_id=image.project_id)
    values = {'deprecated': deprecated,
              'pending_metadata': metadata.compose(
                  image.pending_metadata, {'deprecation': deprecation},
                  [loc.cloud_id for loc in image.locations]) or {}}
    action = (states.ACTION_DEPRECATE if deprecated
              else states.ACTION_UNDEPRECATE)
    return start_job(image, action, values, _active_clouds(image), supplied)


def sync_metadata(image, supplied, data_targets):
    """What a sync with ``"metadata": true`` applies, and where.

    The copies are read now; each key takes the value most copies hold
    (a tie: the oldest copy's), or the pending one. Returns the clouds
    whose copy drifted and gets only the metadata (not the data), and
    the image's values (its pending metadata, for those and for
    ``data_targets``).
    """
    rpcapi = pecan.request.rpcapi
    _require_metadata_jobs()
    results = rpcapi.describe_locations(utils.context(), image.id,
                                        credentials=supplied)
    remotes = {loc.cloud_id: results[loc.cloud_id]['remote']
               for loc in image.locations
               if (results.get(loc.cloud_id) or {}).get('remote')}
    drifted = [cloud_id for cloud_id, keys in metadata.drift(
        remotes, image.pending_metadata).items() if keys]
    change = metadata.restoring_change(remotes, image.pending_metadata)
    metadata_only = [c for c in drifted if c not in data_targets]
    pending = metadata.compose(image.pending_metadata, change,
                               metadata_only + list(data_targets))
    return metadata_only, {'pending_metadata': pending or {}}
