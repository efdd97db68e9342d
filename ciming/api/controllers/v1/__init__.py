"""``GET /v1``: the v1 version document and its resources.

Response::

    {"id": "v1.0", "status": "CURRENT", "min_version", "version",
     "links", "media_types", "clouds": [links], "images": [links],
     "jobs": [links]}
"""

import pecan
from pecan import rest

from ciming.api.controllers.v1 import clouds
from ciming.api.controllers.v1 import images
from ciming.api.controllers.v1 import jobs
from ciming.api.controllers.v1 import versions
from ciming.api import utils


def version_document():
    """The description of v1, in ``GET /`` and ``GET /v1``."""
    return {
        'id': 'v%s' % versions.MIN_VERSION_STRING,
        'status': 'CURRENT',
        'min_version': versions.MIN_VERSION_STRING,
        'version': versions.MAX_VERSION_STRING,
        'links': [{'href': utils.url('v1') + '/', 'rel': 'self'}],
    }


class Controller(rest.RestController):
    """Version 1 of the API."""

    clouds = clouds.CloudsController()
    images = images.ImagesController()
    jobs = jobs.JobsController()

    @pecan.expose('json')
    def get(self):
        document = version_document()
        document['media_types'] = [{
            'base': 'application/json',
            'type': 'application/vnd.openstack.cloud-image-manager.v1+json',
        }]
        for resource in ('clouds', 'images', 'jobs'):
            document[resource] = [
                {'href': utils.url('v1', resource), 'rel': 'self'}]
        return document
