"""Base of conductor tests: two real local clouds and a conductor manager.

The clouds are directories (``dev-a``, ``dev-b``) under the test's state
directory; what a remote cloud would do behind CIMinG's back is done to
their files.
"""

import os

from ciming.common import states
from ciming.conductor import manager
from ciming.drivers import local
from tests.unit import base


class LocalCloudsTestCase(base.TestCase):
    """Clouds ``cloud_a`` and ``cloud_b``, and ``manager`` on ``HOST``."""

    HOST = 'test-host'
    CHUNK_SIZE = 64 * 1024

    def setUp(self):
        super().setUp()
        self.config(chunk_size=self.CHUNK_SIZE, group='transfer')
        self.config(progress_interval=0.05, group='conductor')
        self.cloud_a = self.create_local_cloud('dev-a')
        self.cloud_b = self.create_local_cloud('dev-b')
        self.manager = manager.ConductorManager(self.HOST)
        self.addCleanup(self.manager.stop)

    def _cloud_dir(self, cloud):
        return local.resolve_path(cloud.options['path'])

    def _file(self, cloud, remote_id, suffix):
        return os.path.join(self._cloud_dir(cloud), remote_id + suffix)

    def _create_job(self, image, targets, source=None):
        return self.dbapi.create_job(
            {'project_id': 'project-a', 'image_id': image.id,
             'action': states.ACTION_SYNC,
             'source': source or {'type': 'staging'},
             'image_status': states.IMAGE_IMPORTING},
            [c.id for c in targets])

    def _run(self, image, targets, source=None, job=None):
        """Run a sync job of ``image`` to ``targets`` now; its record."""
        job = job or self._create_job(image, targets, source)
        base.run_job_now(self.manager, self.context, job.id)
        return self.dbapi.get_job(job.id)
