"""Watching images where they live: is each copy still there, unchanged?"""

from ciming.conductor.tasks import base
from ciming.conductor import utils


class RefreshLocations(base.JobTask):
    """Before a sync: see where the image really is (not the targets).

    Provides ``refreshed``: ``{cloud_id: {"status", "error", "remote"}}``
    of every location looked at, so that the source is read from its
    cloud once.
    """

    def __init__(self, cloud_ids):
        super().__init__(name='refresh-locations', provides='refreshed')
        self.cloud_ids = list(cloud_ids)

    def execute(self, job_id, image_id):
        return utils.refresh_locations(
            self.dbapi, self.runtime(job_id).clouds,
            self.dbapi.get_image(image_id), skip=self.cloud_ids)
