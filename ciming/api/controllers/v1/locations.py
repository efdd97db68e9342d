"""``/v1/images/{id}/locations``: where an image exists, cloud by cloud.

* ``GET [?live=true]`` -> {"locations": [Location]}; with ``live`` each
  location is checked in its cloud now and carries ``"remote"``: the
  cloud's live metadata (not stored), or null where it could not be read
  (``error`` says why). Nothing is written: ``POST /v1/images/{id}/refresh``
  is the call that records what the clouds report. Credentials go in the
  ``X-CIMinG-Credentials`` header.
* ``POST`` {cloud, remote_id, force?, credentials?} -> 201 Location: link
  a copy that
  already exists, after the conductor checked it is there and (unless
  ``force``) that its checksum matches; 404 remote_image_not_found, 409
  checksum_mismatch otherwise.
* ``DELETE .../locations/{cloud name or id}`` -> 204: forget the location;
  the copy in the cloud stays.

Location is described in :mod:`ciming.api.views`.
"""

from oslo_utils import timeutils
import pecan
from pecan import rest

from ciming.api import request_credentials
from ciming.api.schemas import locations as schemas
from ciming.api import utils
from ciming.api import views
from ciming.common import exception
from ciming.common import metadata
from ciming.common import states

_HASH_FIELDS = ('size', 'checksum', 'os_hash_algo', 'os_hash_value')


def _filled_in(image, remote):
    """Values of the image the remote copy tells and the record lacks."""
    if image.size is not None or image.os_hash_value is not None:
        return {}
    return {k: remote[k] for k in _HASH_FIELDS if remote.get(k) is not None}


def live_locations(image_id, results):
    """Locations after a refresh, each with the cloud's live metadata.

    From 1.1 each also names the metadata keys in which its copy differs
    from the others (``metadata_drift``; null where it was not read).
    """
    image = pecan.request.dbapi.get_image(image_id)
    names = utils.CloudNames(image.project_id)
    remotes = {loc.cloud_id: results[loc.cloud_id]['remote']
               for loc in image.locations
               if (results.get(loc.cloud_id) or {}).get('remote')}
    drift = metadata.drift(remotes, image.pending_metadata)
    shaped = []
    for loc in image.locations:
        view = views.location(loc, names)
        live = results.get(loc.cloud_id) or {}
        view['remote'] = views.remote(live.get('remote'))
        if live.get('error') and not view['error']:
            view['error'] = live['error']
        if utils.allow_lifecycle():
            view['metadata_drift'] = drift.get(loc.cloud_id)
        shaped.append(view)
    return {'locations': shaped}


class LocationsController(rest.RestController):

    def __init__(self, image_id):
        self.image_id = image_id

    @pecan.expose('json')
    def get_all(self, **params):
        params = utils.query(params, 'live')
        image = utils.check_image_policy_and_retrieve(
            'ciming:location:list', self.image_id)
        if utils.parse_bool('live', params['live'] or 'false'):
            rpcapi = pecan.request.rpcapi
            if not rpcapi.can_describe_locations():
                # Older conductors only know refresh, which records what
                # it finds: a reader must not change state.
                raise exception.ServiceUnavailable(
                    service='Checking locations live (until the '
                            'conductors are upgraded)')
            results = rpcapi.describe_locations(
                utils.context(), image.id,
                credentials=request_credentials.from_request(
                    project_id=image.project_id))
            return live_locations(image.id, results)
        names = utils.CloudNames(image.project_id)
        return {'locations': [views.location(loc, names)
                              for loc in image.locations]}

    @pecan.expose('json')
    def post(self):
        body = utils.load_body(schemas.CREATE)
        dbapi = pecan.request.dbapi
        image = utils.check_image_policy_and_retrieve(
            'ciming:location:create', self.image_id)
        supplied = request_credentials.from_request(body, image.project_id)
        cloud = utils.resolve_cloud(body['cloud'], image.project_id)
        remote = pecan.request.rpcapi.verify_location(
            utils.context(), image.id, cloud.id, body['remote_id'],
            body.get('force', False), credentials=supplied) or {}

        location = dbapi.set_location(image.id, cloud.id, {
            'remote_id': remote.get('remote_id') or body['remote_id'],
            'status': states.LOC_ACTIVE,
            'error': None,
            'last_seen_at': timeutils.utcnow(),
        })
        values = _filled_in(image, remote)
        if image.status == states.IMAGE_QUEUED:
            # The data now exists somewhere: it can be synced from there.
            linked = dbapi.get_image(image.id)
            values['status'] = states.image_status(
                [loc.status for loc in linked.locations], linked.staged)
        if values:
            try:
                dbapi.update_image(image.id, values,
                                   expected_status=[image.status])
            except exception.InvalidState:
                pass  # another request moved the image meanwhile
        pecan.response.status = 201
        pecan.response.location = utils.url(
            'v1', 'images', image.id, 'locations', cloud.id)
        return views.location(location, utils.CloudNames(image.project_id))

    @pecan.expose(content_type='application/json')
    def delete(self, cloud_ident):
        image = utils.check_image_policy_and_retrieve(
            'ciming:location:delete', self.image_id)
        cloud_ids = [loc.cloud_id for loc in image.locations]
        if cloud_ident in cloud_ids:
            cloud_id = cloud_ident
        else:
            cloud_id = pecan.request.dbapi.get_cloud(cloud_ident,
                                                     image.project_id).id
        pecan.request.dbapi.delete_location(image.id, cloud_id)
        pecan.response.status = 204
