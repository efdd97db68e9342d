"""``GET /``: the API versions this service offers.

Response::

    {"name", "description",
     "versions": [Version], "default_version": Version}

where Version is ``{"id": "v1.0", "status": "CURRENT", "min_version",
"version", "links"}`` (``version`` is the highest microversion).
"""

import pecan
from pecan import rest

from ciming.api.controllers import v1


class RootController(rest.RestController):

    v1 = v1.Controller()

    @pecan.expose('json')
    def get(self):
        version = v1.version_document()
        return {
            'name': 'CIMinG API',
            'description': 'Cloud Image Manager: one image record, made to '
                           'exist verified in every cloud.',
            'versions': [version],
            'default_version': version,
        }
