"""A target that fails while data is written reports its own error.

The full disk is real: the target's partial file is a symlink to
``/dev/full``, on which every write fails with ENOSPC, whoever the
conductor runs as. The retry of a partial upload must say so, never that
the source data has the wrong size (the source was not read to its end
because no target was left to take it).
"""

import os

from tests.functional import base

MiB = base.MiB
NO_SPACE = os.strerror(28)  # ENOSPC


class TargetErrorsMixin:

    def test_retry_onto_a_full_disk_reports_the_full_disk(self):
        cloud_a, dir_a = self.make_cloud()
        cloud_b, dir_b = self.make_cloud()
        path, sha512, _md5 = self.make_data_file(8 * MiB)
        image_id = self.make_image([cloud_a['id'], cloud_b['id']])['id']
        self.break_cloud(dir_b)
        job = self.wait_job(self.client.upload(image_id, path).json()['id'])
        self.assertEqual('partial', job['state'], job)

        # Cloud B is back, but its disk is full.
        self.fix_cloud(dir_b)
        os.makedirs(dir_b)
        os.symlink('/dev/full', os.path.join(dir_b, image_id + '.img.part'))
        job = self.client.request('POST', '/v1/images/%s/sync' % image_id,
                                  202, json_body={}).json()
        job = self.wait_job(job['id'])

        self.assertEqual('failed', job['state'], job)
        [target] = job['targets']
        self.assertEqual(cloud_b['id'], target['cloud_id'])
        self.assertIn(NO_SPACE, target['error'], job)
        self.assertNotIn('source data', target['error'], job)
        self.assertNotIn('source data', job['error'] or '', job)
        location = {loc['cloud_id']: loc for loc in self.client.get(
            '/v1/images/%s' % image_id)['locations']}[cloud_b['id']]
        self.assertEqual('error', location['status'], location)
        self.assertIn(NO_SPACE, location['error'])

        # Space again: the same staged data completes the image.
        self.assertEqual([], self.cloud_files(dir_b, image_id))
        job = self.client.request('POST', '/v1/images/%s/sync' % image_id,
                                  202, json_body={}).json()
        self.assertEqual('succeeded', self.wait_job(job['id'])['state'])
        self.assertTrue(base.files_identical(
            path, os.path.join(dir_b, image_id + '.img')))
        image = self.client.get('/v1/images/%s' % image_id)
        self.assertEqual(('active', sha512),
                         (image['status'], image['os_hash_value']))


class MariaDBTargetErrorsTest(TargetErrorsMixin, base.FunctionalTestCase):
    backend = 'mysql'


class PostgreSQLTargetErrorsTest(TargetErrorsMixin,
                                 base.FunctionalTestCase):
    backend = 'postgresql'
