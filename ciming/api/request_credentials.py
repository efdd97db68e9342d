"""Per-request cloud credentials: read from the request, never kept.

JSON calls carry them in the body field ``credentials``; calls whose body
is not JSON (the upload) or that have no body (browsing a cloud) carry the
same document base64-encoded in the ``X-CIMinG-Credentials`` header. Either
way they map cloud names or ids to that cloud's credentials, and leave the
API only inside the RPC message to the conductor.
"""

import base64
import binascii

import pecan

from ciming.api import cloud_types
from ciming.api import json_body
from ciming.api.schemas import common
from ciming.api import utils
from ciming.common import exception

HEADER = 'X-CIMinG-Credentials'


def from_request(body=None, project_id=None):
    """``{cloud_id: credentials}`` from the body and the header, or None.

    Cloud names are those of ``project_id``: the project of the image or
    cloud the call is about (the caller's own by default), so an admin
    acting on another project's image names that project's clouds.
    """
    supplied = {}
    raw = pecan.request.headers.get(HEADER)
    if raw:
        supplied.update(_decode_header(raw))
    if body:
        supplied.update(body.pop('credentials', None) or {})
    if not supplied:
        return None
    project_id = project_id or utils.context().project_id
    resolved = {}
    for ident, values in supplied.items():
        cloud = utils.resolve_cloud(ident, project_id)
        cloud_types.check_credentials(cloud.type, cloud.name, values)
        resolved[cloud.id] = values
    return resolved


def _decode_header(raw):
    try:
        document = json_body.loads(base64.b64decode(raw, validate=True),
                                   what='header')
    except (binascii.Error, ValueError):
        raise exception.InvalidParameterValue(
            err='%s must be base64-encoded JSON.' % HEADER)
    except exception.MalformedBody as exc:
        raise exception.InvalidParameterValue(
            err='%s must be base64-encoded JSON: %s'
                % (HEADER, exc.kwargs['reason']))
    utils.validate(document, common.CREDENTIALS, secret=True,
                   where_from='header %s' % HEADER)
    return document
