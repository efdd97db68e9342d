"""The data path against real Glance servers: the bytes arrive unchanged.

Random and mostly-zero images are copied from RegionOne to RegionTwo,
to the foreign cloud beta and to a local cloud (which stores the zeros as
holes); the server-side copy (Glance's glance-download) is used when it
is on and applies, verified, and replaced by streaming otherwise.
"""

import hashlib
import os
import unittest

from tests.functional import base
from tests.functional import test_openstack

MiB = 1024 * 1024
SIZE = 12 * MiB


def random_image():
    return os.urandom(SIZE + 5)


def mostly_zero_image():
    """Zeros, but for one MiB of data in the middle and a byte at the end."""
    return (bytes(5 * MiB) + os.urandom(MiB) + bytes(SIZE - 6 * MiB - 1)
            + b'\x01')


class DataPathTest(test_openstack.OpenStackCloudsTest):

    # Whether RegionTwo pulls from RegionOne ([glance] server_side_copy).
    same_keystone_pulls = False
    # Three copies of an image per job on a shared, busy machine.
    job_timeout = 600

    def adopt(self, data, targets):
        """An image put in r1 by hand, adopted and synced to ``targets``."""
        outside = self.glance_upload('r1', data)
        adopted = self.client.post('/v1/images/adopt', {
            'source': {'cloud': self.clouds['r1'],
                       'remote_id': outside['id']},
            'targets': targets, 'credentials': self.beta_credentials()})
        for where in ('r2', 'beta'):
            self.addCleanup(self._quietly_delete_ours, where, adopted['id'])
        job = self.wait_job(adopted['job']['id'])
        self.assertEqual('succeeded', job['state'], job)
        return self.client.get('/v1/images/%s' % adopted['id'])

    def assert_copy_in_glance(self, image, where, data):
        remote = self.glance(where).images.get(
            self.location(image, where)['remote_id'])
        self.assertEqual(hashlib.sha512(data).hexdigest(),
                         remote['os_hash_value'])
        self.assertEqual(len(data), remote['size'])
        return remote

    def copy_everywhere_unchanged(self, data):
        local, directory = self.make_cloud()
        image = self.adopt(data, [self.clouds['r2'], self.clouds['beta'],
                                  local['name']])
        imported = {
            'r2': self.same_keystone_pulls,
            # Another Keystone: always streamed (a PUT of the data).
            'beta': False}
        for where, pulled in imported.items():
            remote = self.assert_copy_in_glance(image, where, data)
            # Only an import (glance-download) leaves these properties.
            self.assertEqual(pulled,
                             'os_glance_importing_to_stores' in remote)
        path = os.path.join(directory, image['id'] + '.img')
        with open(path, 'rb') as stored:
            self.assertEqual(hashlib.sha512(data).digest(),
                             hashlib.sha512(stored.read()).digest())
        return path

    def test_a_random_image_arrives_unchanged(self):
        self.copy_everywhere_unchanged(random_image())

    def test_a_mostly_zero_image_arrives_unchanged_and_sparse(self):
        path = self.copy_everywhere_unchanged(mostly_zero_image())
        # The local copy holds the data MiB (and the last chunk), not
        # the zeros.
        self.assertLess(os.stat(path).st_blocks * 512, SIZE // 2)


class ServerSideCopyTest(DataPathTest):
    """``[glance] server_side_copy = true``."""

    same_keystone_pulls = True

    @classmethod
    def _config(cls, env):
        return base.merge_sections(test_openstack.keystone_config(env),
                                   {'glance': {'server_side_copy': 'true'}})

    def test_one_job_pulls_to_a_region_and_streams_elsewhere(self):
        # RegionTwo pulls (same Keystone); beta (another Keystone) and
        # the local cloud are streamed to; every copy has the same bytes.
        self.copy_everywhere_unchanged(random_image())

    def test_a_pulled_mostly_zero_image_is_verified(self):
        data = mostly_zero_image()
        image = self.adopt(data, [self.clouds['r2']])
        remote = self.assert_copy_in_glance(image, 'r2', data)
        # Glance imported it (glance-download) instead of a PUT.
        self.assertEqual('', remote['os_glance_importing_to_stores'])


def load_tests(loader, standard_tests, pattern):
    """Each class's own tests, not those inherited from its parents."""
    suite = unittest.TestSuite()
    for case in (DataPathTest, ServerSideCopyTest):
        suite.addTests(case(name) for name in loader.getTestCaseNames(case)
                       if name in vars(case))
    return suite
