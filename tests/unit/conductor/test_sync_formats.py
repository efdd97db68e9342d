"""The sync flow and formats: inspected sources, conversion for raw clouds."""

import hashlib
import os

from ciming.common import states
from ciming.conductor import conversion
from tests import disk_images
from tests.unit import base
from tests.unit.conductor import base as conductor_base


class SyncFormatsTestCase(conductor_base.LocalCloudsTestCase):

    def setUp(self):
        super().setUp()
        self.raw_only = self.create_local_cloud(
            'raw-only', options={'path': 'raw-only', 'disk_formats': ['raw']})

    def _staged(self, data, disk_format, targets):
        image = base.stage_image(self.dbapi, targets, data)
        return self.dbapi.update_image(image.id,
                                       {'disk_format': disk_format})

    def _stored(self, cloud, image_id):
        with open(self._file(cloud, image_id, '.img'), 'rb') as f:
            return f.read()

    def test_raw_cloud_gets_the_conversion_and_others_the_upload(self):
        data = disk_images.qcow2(os.urandom(300 * 1024),
                                 virtual_size=2 * 1024 * 1024)
        raw = disk_images.convert_to_raw(data, 'qcow2')
        image = self._staged(data, 'qcow2', [self.cloud_a, self.raw_only])

        job = self._run(image, [self.cloud_a, self.raw_only])

        self.assertEqual(states.JOB_SUCCEEDED, job.state, job.error)
        self.assertEqual(data, self._stored(self.cloud_a, image.id))
        self.assertEqual(raw, self._stored(self.raw_only, image.id))
        held = {loc.cloud_id: (loc.disk_format, loc.size, loc.os_hash_value)
                for loc in self.dbapi.get_image(image.id).locations}
        self.assertEqual({
            self.cloud_a.id: ('qcow2', len(data),
                              hashlib.sha512(data).hexdigest()),
            self.raw_only.id: ('raw', len(raw),
                               hashlib.sha512(raw).hexdigest())}, held)
        self.assertEqual(len(raw), job.data['converted']['size'])
        self.assertEqual(hashlib.sha512(data).hexdigest(),
                         job.data['source']['os_hash_value'])
        by_cloud = {t.cloud_id: t for t in job.targets}
        self.assertEqual(len(raw), by_cloud[self.raw_only.id].bytes_done)
        self.assertFalse(os.path.exists(conversion.scratch_dir(job.id)))

    def test_no_conversion_when_every_target_takes_the_format(self):
        data = disk_images.qcow2(b'plain')
        image = self._staged(data, 'qcow2', [self.cloud_a])

        job = self._run(image, [self.cloud_a])

        self.assertEqual(states.JOB_SUCCEEDED, job.state, job.error)
        self.assertIsNone(job.data['converted'])
        self.assertEqual(data, self._stored(self.cloud_a, image.id))

    def test_a_hostile_source_fails_the_job_and_creates_nothing(self):
        for targets in ([self.cloud_a], [self.cloud_a, self.raw_only]):
            image = self._staged(disk_images.qcow2_with_data_file(),
                                 'qcow2', targets)

            job = self._run(image, targets)

            self.assertEqual(states.JOB_FAILED, job.state)
            self.assertIn('data_file', job.error)
            for cloud in targets:
                self.assertEqual([], [
                    n for n in os.listdir(self._cloud_dir(cloud))
                    if n.startswith(image.id)]
                    if os.path.isdir(self._cloud_dir(cloud)) else [])
            self.assertFalse(os.path.exists(conversion.scratch_dir(job.id)))

    def test_raw_declared_qcow2_fails_the_job(self):
        image = self._staged(os.urandom(256 * 1024), 'qcow2',
                             [self.cloud_a])

        job = self._run(image, [self.cloud_a])

        self.assertEqual(states.JOB_FAILED, job.state)
        self.assertIn('declared disk format qcow2', job.error)
        self.assertFalse(os.path.exists(self._file(self.cloud_a, image.id,
                                                   '.img')))
