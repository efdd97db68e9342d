"""``/v1/clouds``: the places images are copied to and from.

* ``POST /v1/clouds`` {name, type, region?, options?, credential_ref?,
  shared? (admins only), description?} -> 201 Cloud, Location header.
  A project's options are confined by its driver (a local cloud goes
  under ``projects/<project id>/``); clouds whose storage overlaps
  another's are refused.
* ``GET /v1/clouds[?all_projects=true]`` -> {"clouds": [Cloud]}: the
  project's clouds and the shared ones.
* ``GET /v1/clouds/{id or name}`` -> Cloud.
* ``PATCH /v1/clouds/{id or name}`` {name?, region?, options?,
  description?, credential_ref?} -> Cloud (the type never changes).
* ``DELETE /v1/clouds/{id or name}`` -> 204; 409 cloud_in_use while
  images have locations there.
* ``POST /v1/clouds/{id or name}/validate`` {credentials?} ->
  {"valid": true}, after the conductor reached the cloud.
* ``GET /v1/clouds/{id or name}/images`` -> {"images": [RemoteImage with
  "tracked_as": image id or null]}: what the cloud holds, seen with the
  caller's authority (credentials in the ``X-CIMinG-Credentials`` header).

Cloud is described in :mod:`ciming.api.views`.
"""

from oslo_utils import uuidutils
import pecan
from pecan import rest

from ciming.api import cloud_types
from ciming.api import request_credentials
from ciming.api.schemas import clouds as schemas
from ciming.api import utils
from ciming.api import views
from ciming.common import exception
from ciming.common import policy


def _check_name(name):
    # Names and ids share the URL: a name must not look like an id.
    if uuidutils.is_uuid_like(name):
        raise exception.InvalidParameterValue(
            err='A cloud name cannot be a UUID: %s.' % name)


def _place(cloud_type, options, project_id, cloud_id=None):
    """The options a cloud is stored with; refuse overlapping storage.

    Unless policy lets the caller place clouds anywhere (admins), the
    driver confines the options to the project (a local cloud goes under
    ``projects/<project id>/``). No two clouds, in any project, may share
    their storage: one project could read another's data through its own
    record.
    """
    if not policy.check('ciming:cloud:place_anywhere',
                        {'project_id': project_id}, utils.context()):
        options = cloud_types.confine_options(cloud_type, options,
                                              project_id)
    cloud_types.check_options(cloud_type, options)
    for other in pecan.request.dbapi.list_clouds(cloud_type=cloud_type):
        if other.id != cloud_id and cloud_types.overlaps(
                cloud_type, options, other.options or {}):
            raise exception.InvalidParameterValue(
                err='The cloud would share its storage with another '
                    'cloud.')
    return options


def _naming_project(cloud):
    """The project whose cloud names a call's credentials use.

    The owner's, or the caller's for a shared cloud (all projects see it).
    """
    return None if cloud.shared else cloud.project_id


class CloudsController(rest.RestController):

    _custom_actions = {'validate': ['POST']}

    @pecan.expose()
    def _lookup(self, ident, subresource=None, *remainder):
        if subresource == 'images':
            return CloudImagesController(ident), remainder

    @pecan.expose('json')
    def get_all(self, **params):
        params = utils.query(params, 'all_projects')
        project_id = utils.list_project(params['all_projects'])
        utils.authorize('ciming:cloud:list', utils.project_target())
        records = pecan.request.dbapi.list_clouds(project_id)
        return {'clouds': [views.cloud(c) for c in records]}

    @pecan.expose('json')
    def get_one(self, ident):
        cloud = utils.check_cloud_policy_and_retrieve('ciming:cloud:get',
                                                      ident)
        return views.cloud(cloud)

    @pecan.expose('json')
    def post(self):
        body = utils.load_body(schemas.CREATE)
        context = utils.context()
        target = utils.project_target()
        utils.authorize('ciming:cloud:create', target)
        if body.get('shared'):
            utils.authorize('ciming:cloud:create_shared', target)
        _check_name(body['name'])
        body['options'] = _place(body['type'], body.get('options', {}),
                                 context.project_id)

        cloud = pecan.request.dbapi.create_cloud(
            dict(body, project_id=context.project_id))
        pecan.response.status = 201
        pecan.response.location = utils.url('v1', 'clouds', cloud.id)
        return views.cloud(cloud)

    @pecan.expose('json')
    def patch(self, ident):
        body = utils.load_body(schemas.UPDATE)
        cloud = utils.check_cloud_policy_and_retrieve('ciming:cloud:update',
                                                      ident)
        if 'name' in body:
            _check_name(body['name'])
        if 'options' in body:
            body['options'] = _place(cloud.type, body['options'],
                                     cloud.project_id, cloud_id=cloud.id)
        if not body:
            return views.cloud(cloud)
        cloud = pecan.request.dbapi.update_cloud(cloud.id, body)
        return views.cloud(cloud)

    @pecan.expose(content_type='application/json')
    def delete(self, ident):
        cloud = utils.check_cloud_policy_and_retrieve('ciming:cloud:delete',
                                                      ident)
        pecan.request.dbapi.destroy_cloud(cloud.id)
        pecan.response.status = 204

    @pecan.expose('json')
    def validate(self, ident):
        body = utils.load_body(schemas.VALIDATE, allow_empty=True)
        cloud = utils.check_cloud_policy_and_retrieve(
            'ciming:cloud:validate', ident)
        pecan.request.rpcapi.validate_cloud(
            utils.context(), cloud.id,
            credentials=request_credentials.from_request(
                body, _naming_project(cloud)))
        return {'valid': True}


class CloudImagesController(rest.RestController):
    """``/v1/clouds/{cloud}/images``: browse a cloud (read only)."""

    def __init__(self, ident):
        self.ident = ident

    @pecan.expose('json')
    def get_all(self):
        cloud = utils.check_cloud_policy_and_retrieve(
            'ciming:cloud:list_images', self.ident)
        context = utils.context()
        remote_images = pecan.request.rpcapi.list_cloud_images(
            context, cloud.id, credentials=request_credentials.from_request(
                project_id=_naming_project(cloud)))
        tracked = pecan.request.dbapi.tracked_remote_ids(
            cloud.id, utils.visible_project())
        return {'images': [views.remote_image(r, tracked.get(r['remote_id']))
                           for r in remote_images]}
