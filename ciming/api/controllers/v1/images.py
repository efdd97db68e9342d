"""``/v1/images``: the one record of a disk image, and its data.

* ``POST /v1/images`` {name?, disk_format? (raw), container_format?
  (bare), targets: [cloud name or id, ...]} -> 201 Image (status
  ``queued``, a ``pending`` location per target), Location header.
* ``GET /v1/images`` ?name, status, available_in, missing_in (cloud name
  or id), marker, limit, sort_key (created_at|updated_at|name|size|
  status), sort_dir (asc|desc), all_projects -> {"images": [Image],
  "next": url (only when the page is full)}.
* ``GET /v1/images/{id}`` -> Image.
* ``PATCH /v1/images/{id}`` {name} -> Image.
* ``DELETE /v1/images/{id}[?purge=true]`` -> 204 (409 image_busy while a
  job runs); the staged data goes, and the copies in the clouds stay
  unless ``purge``, which deletes them first (credentials in the
  ``X-CIMinG-Credentials`` header; a copy that cannot be deleted is a 502
  and keeps the record).
* ``PUT /v1/images/{id}/file``: see
  :mod:`ciming.api.controllers.v1.image_file`.
* ``POST /v1/images/{id}/sync`` {targets?: [cloud...], credentials?} ->
  202 Job copying the image where it is not active yet (new targets are
  added).
* ``POST /v1/images/adopt`` {source: {cloud, remote_id}, name?,
  targets?: [cloud...], credentials?} -> 201 Image with an ``active``
  location in the source cloud, and ``"job"``: the Job syncing it to the
  targets (null without targets).
* ``POST /v1/images/{id}/refresh`` {credentials?} -> {"locations":
  [Location with "remote": live metadata or null]}: every location checked
  in its cloud now (``missing``, ``checksum_mismatch`` or ``active``).

Calls that reach clouds take per-request ``credentials`` (see
:mod:`ciming.api.request_credentials`), also as a header on the upload.
* ``/v1/images/{id}/locations``: see
  :mod:`ciming.api.controllers.v1.locations`.

Image and Job are described in :mod:`ciming.api.views`.
"""

from oslo_utils import timeutils
import pecan
from pecan import rest

from ciming.api import cloud_types
from ciming.api.controllers.v1 import image_file
from ciming.api.controllers.v1 import locations
from ciming.api import job_records
from ciming.api import request_credentials
from ciming.api.schemas import images as schemas
from ciming.api import utils
from ciming.api import views
from ciming.common import exception
from ciming.common import staging
from ciming.common import states
from ciming.conf import CONF

SORT_KEYS = ('created_at', 'updated_at', 'name', 'size', 'status')
SORT_DIRS = ('asc', 'desc')

# Images whose data a sync can copy (not while an upload or job runs).
_SYNCABLE = states.IMAGE_RESTING_STATES


class ImagesController(rest.RestController):

    _custom_actions = {'sync': ['POST'], 'adopt': ['POST'],
                       'refresh': ['POST']}

    @pecan.expose()
    def _lookup(self, image_id, subresource=None, *remainder):
        if subresource == 'file':
            return image_file.ImageFileController(image_id), remainder
        if subresource == 'locations':
            return locations.LocationsController(image_id), remainder

    @pecan.expose('json')
    def get_all(self, **params):
        params = utils.query(params, 'name', 'status', 'available_in',
                             'missing_in', 'marker', 'limit', 'sort_key',
                             'sort_dir', 'all_projects')
        project_id = utils.list_project(params['all_projects'])
        utils.authorize('ciming:image:list', utils.project_target())
        limit = utils.parse_limit(params['limit'])
        sort_key = utils.parse_choice(
            'sort_key', params['sort_key'] or 'created_at', SORT_KEYS)
        sort_dir = utils.parse_choice(
            'sort_dir', params['sort_dir'] or 'asc', SORT_DIRS)
        if params['status'] is not None:
            utils.parse_choice('status', params['status'],
                               states.IMAGE_STATUSES)
        filters = {'name': params['name'], 'status': params['status']}
        for key in ('available_in', 'missing_in'):
            if params[key] is not None:
                filters[key] = utils.resolve_cloud(params[key],
                                                   project_id).id
        records = pecan.request.dbapi.list_images(
            project_id, filters=filters, marker=params['marker'],
            limit=limit, sort_key=sort_key, sort_dir=sort_dir)
        names = utils.CloudNames(project_id)
        result = {'images': [views.image(i, names) for i in records]}
        params.pop('marker')
        params.pop('limit')
        next_url = utils.next_link('images', records, limit, **params)
        if next_url:
            result['next'] = next_url
        return result

    @pecan.expose('json')
    def get_one(self, image_id):
        image = utils.check_image_policy_and_retrieve('ciming:image:get',
                                                      image_id)
        return views.image(image)

    @pecan.expose('json')
    def post(self):
        body = utils.load_body(schemas.CREATE)
        context = utils.context()
        utils.authorize('ciming:image:create', utils.project_target())
        disk_format = body.get('disk_format', 'raw')
        clouds = utils.resolve_targets(body['targets'], context.project_id,
                                       disk_format)
        image = pecan.request.dbapi.create_image({
            'project_id': context.project_id,
            'name': body.get('name'),
            'disk_format': disk_format,
            'container_format': body.get('container_format', 'bare'),
            'status': states.IMAGE_QUEUED,
        }, [c.id for c in clouds])
        pecan.response.status = 201
        pecan.response.location = utils.url('v1', 'images', image.id)
        return views.image(image)

    @pecan.expose('json')
    def patch(self, image_id):
        body = utils.load_body(schemas.UPDATE)
        image = utils.check_image_policy_and_retrieve('ciming:image:update',
                                                      image_id)
        if body:
            image = pecan.request.dbapi.update_image(image.id, body)
        return views.image(image)

    @pecan.expose(content_type='application/json')
    def delete(self, image_id, **params):
        params = utils.query(params, 'purge')
        purge = utils.parse_bool('purge', params['purge'])
        image = utils.check_image_policy_and_retrieve('ciming:image:delete',
                                                      image_id)
        if image.status == states.IMAGE_UPLOADING:
            raise exception.InvalidState(
                resource='Image', id=image.id, state=image.status,
                reason='wait for the upload to end')
        if purge:
            busy = pecan.request.dbapi.list_jobs(filters={
                'image_id': image.id, 'state': states.JOB_ACTIVE_STATES},
                limit=1)
            if busy:
                raise exception.ImageBusy(image=image.id, job=busy[0].id)
            pecan.request.rpcapi.purge_image(
                utils.context(), image.id,
                credentials=request_credentials.from_request(
                    project_id=image.project_id))
        pecan.request.dbapi.destroy_image(image.id)
        staging.StagingArea().delete(image.id)
        pecan.response.status = 204

    @pecan.expose('json')
    def sync(self, image_id):
        body = utils.load_body(schemas.SYNC, allow_empty=True)
        dbapi = pecan.request.dbapi
        image = utils.check_image_policy_and_retrieve('ciming:image:sync',
                                                      image_id)
        supplied = request_credentials.from_request(body, image.project_id)
        existing = {loc.cloud_id: loc for loc in image.locations}
        if 'targets' in body:
            wanted = [c.id for c in utils.resolve_targets(
                body['targets'], image.project_id, image.disk_format)]
        else:
            wanted = [cloud_id for cloud_id in existing
                      if _can_import(cloud_id, image.disk_format)]
        new = [cloud_id for cloud_id in wanted if cloud_id not in existing]
        targets = [cloud_id for cloud_id in wanted
                   if cloud_id in new
                   or existing[cloud_id].status != states.LOC_ACTIVE]
        if not targets:
            raise exception.NothingToSync(image=image.id)
        source, host = _sync_source(image, supplied)

        for cloud_id in new:
            dbapi.set_location(image.id, cloud_id,
                               {'status': states.LOC_PENDING})
        try:
            job = job_records.create_job({
                'project_id': image.project_id,
                'image_id': image.id,
                'action': states.ACTION_SYNC,
                'source': source,
                'image_status': states.IMAGE_IMPORTING,
                'expected_image_status': list(_SYNCABLE),
            }, targets, supplied)
        except BaseException:
            for cloud_id in new:
                dbapi.delete_location(image.id, cloud_id)
            raise
        job_records.cast_job(job, host, supplied)
        return job_records.accepted(job)

    @pecan.expose('json')
    def adopt(self):
        body = utils.load_body(schemas.ADOPT)
        context = utils.context()
        utils.authorize('ciming:image:adopt', utils.project_target())
        supplied = request_credentials.from_request(body)
        source = utils.resolve_cloud(body['source']['cloud'],
                                     context.project_id)
        if not cloud_types.capabilities(source.type).can_export:
            raise exception.CapabilityMissing(cloud=source.name,
                                              action='export')
        remote = pecan.request.rpcapi.describe_remote_image(
            context, source.id, body['source']['remote_id'],
            credentials=supplied)
        if remote.get('exportable') is False and body.get('targets'):
            raise exception.SourceCannotExport(
                cloud=source.name, remote_id=remote['remote_id'],
                reason='Compute Engine does not give image data back and '
                       'no tarball of this image exists; adopt it '
                       'without targets, or export it with Google\'s '
                       'tools first')
        if remote.get('status') not in (None, 'active'):
            raise exception.InvalidState(
                resource='Image', id=remote['remote_id'],
                state=remote['status'],
                reason='only an active image can be adopted')
        disk_format = remote.get('disk_format') or 'raw'
        targets = [c for c in utils.resolve_targets(
            body.get('targets', []), context.project_id, disk_format)
            if c.id != source.id]

        dbapi = pecan.request.dbapi
        image = dbapi.create_image({
            'project_id': context.project_id,
            'name': body.get('name') or remote.get('name'),
            'disk_format': disk_format,
            'container_format': remote.get('container_format') or 'bare',
            'size': remote.get('size'),
            'checksum': remote.get('checksum'),
            'os_hash_algo': remote.get('os_hash_algo'),
            'os_hash_value': remote.get('os_hash_value'),
            'status': states.IMAGE_ACTIVE,
        }, [c.id for c in targets])
        dbapi.set_location(image.id, source.id, {
            'remote_id': remote['remote_id'], 'status': states.LOC_ACTIVE,
            'last_seen_at': timeutils.utcnow()})
        job = None
        if targets:
            job = job_records.create_job({
                'project_id': image.project_id,
                'image_id': image.id,
                'action': states.ACTION_SYNC,
                'source': {'type': 'cloud', 'cloud_id': source.id,
                           'remote_id': remote['remote_id']},
                'image_status': states.IMAGE_IMPORTING,
            }, [c.id for c in targets], supplied)
            job_records.cast_job(job, None, supplied)
        pecan.response.status = 201
        pecan.response.location = utils.url('v1', 'images', image.id)
        result = views.image(dbapi.get_image(image.id))
        result['job'] = views.job(job) if job is not None else None
        return result

    @pecan.expose('json')
    def refresh(self, image_id):
        body = utils.load_body(schemas.REFRESH, allow_empty=True)
        image = utils.check_image_policy_and_retrieve(
            'ciming:image:refresh', image_id)
        supplied = request_credentials.from_request(body, image.project_id)
        results = pecan.request.rpcapi.refresh_image(
            utils.context(), image.id, credentials=supplied)
        return locations.live_locations(image.id, results)


def _capabilities(cloud_id):
    """A location's cloud capabilities; None if its driver is gone."""
    cloud = pecan.request.dbapi.get_cloud(cloud_id)
    return cloud_types.capabilities_or_none(cloud.type)


def _can_import(cloud_id, disk_format):
    capabilities = _capabilities(cloud_id)
    return bool(capabilities and capabilities.can_import
                and cloud_types.can_receive(
                    pecan.request.dbapi.get_cloud(cloud_id), disk_format))


def _sync_source(image, supplied=None):
    """Where a sync reads the data: staging, else a cloud holding it.

    Returns the job's source and the host its cast must go to (None for
    any conductor). Of the clouds, the first active copy in a cloud that
    can export is recorded; the conductor, which holds the drivers and
    credentials, reads from whichever copy it can reach (this one
    first). A cloud that can export only some images (Compute Engine)
    is asked about this one first; when it is the only copy and cannot
    be exported, the request is refused with the cloud's reason.
    """
    if image.staged:
        host = None if CONF.staging.shared else image.staged_host
        return {'type': 'staging', 'host': image.staged_host}, host
    refused = None
    for loc in image.locations:
        if loc.status != states.LOC_ACTIVE:
            continue
        capabilities = _capabilities(loc.cloud_id)
        if not capabilities or not capabilities.can_export:
            continue
        if capabilities.exports_per_image:
            refusal = _export_refusal(image, loc, supplied)
            if refusal is not None:
                refused = refused or refusal
                continue
        return {'type': 'cloud', 'cloud_id': loc.cloud_id,
                'remote_id': loc.remote_id}, None
    if refused is not None:
        raise refused
    raise exception.NoSyncSource(image=image.id)


def _export_refusal(image, loc, supplied):
    """SourceCannotExport when the copy at ``loc`` cannot be read back.

    When the cloud cannot be asked now (no credentials, unreachable),
    the job tries it and reports what it finds.
    """
    try:
        remote = pecan.request.rpcapi.verify_location(
            utils.context(), image.id, loc.cloud_id, loc.remote_id,
            force=True, credentials=supplied)
    except exception.CimingException:
        return None
    if remote.get('exportable') is not False:
        return None
    cloud = pecan.request.dbapi.get_cloud(loc.cloud_id)
    return exception.SourceCannotExport(
        cloud=cloud.name, remote_id=loc.remote_id,
        reason='Compute Engine does not give image data back and the '
               'tarball this image was made from is gone; export it with '
               'Google\'s tools (see the Google Cloud guide)')
