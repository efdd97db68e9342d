"""A sync from a Glance source: each driver built once, the source read once.

The source is an ``openstack`` cloud whose glanceclient is a mock; the
two targets are real local clouds.
"""

import collections
import dataclasses
import hashlib
import io
import os
from unittest import mock

import fixtures
from glanceclient import exc as glance_exc

from ciming.common import states
from ciming.common import streams
from ciming.drivers import factory
from ciming.drivers import glance
from ciming.drivers import local
from tests.unit import base
from tests.unit.conductor import base as conductor_base

DATA = os.urandom(300 * 1024 + 5)
SOURCE_IMAGE = {
    'id': 'g-1', 'name': 'cirros', 'status': 'active',
    'disk_format': 'raw', 'container_format': 'bare', 'size': len(DATA),
    'checksum': hashlib.md5(DATA).hexdigest(), 'os_hash_algo': 'sha512',
    'os_hash_value': hashlib.sha512(DATA).hexdigest(),
    'visibility': 'private', 'os_distro': 'cirros'}

SOURCE_ID = '5d1b2c2e-0b7e-4c53-9a43-6f3c1e0f9a10'
CREDENTIALS = {SOURCE_ID: {'username': 'u', 'password': 'p'}}


class GlanceSourceTestCase(conductor_base.LocalCloudsTestCase):

    def setUp(self):
        super().setUp()
        self.source = self.dbapi.create_cloud({
            'id': SOURCE_ID,
            'name': 'beta', 'type': 'openstack', 'project_id': 'project-a',
            'region': 'RegionOne',
            'options': {'auth_url': 'http://keystone.example/v3'}})
        self.assertEqual(SOURCE_ID, self.source.id)
        self.log = self.useFixture(fixtures.FakeLogger())
        self.glance = mock.Mock()
        self.glance.images.get.return_value = dict(SOURCE_IMAGE)
        # The data comes in one streamed GET on the client's session.
        self.glance.http_client.get_endpoint.return_value = (
            'http://glance.example')
        self.glance.http_client.session.get.side_effect = (
            lambda *a, **k: mock.Mock(status_code=200,
                                      raw=io.BytesIO(DATA)))
        self.useFixture(fixtures.MockPatchObject(
            glance.GlanceDriver, '_client', return_value=self.glance))

    def _image_in_glance(self):
        image = self.dbapi.create_image(
            {'project_id': 'project-a', 'name': 'cirros',
             'disk_format': 'raw', 'container_format': 'bare',
             'size': SOURCE_IMAGE['size'],
             'checksum': SOURCE_IMAGE['checksum'], 'os_hash_algo': 'sha512',
             'os_hash_value': SOURCE_IMAGE['os_hash_value'],
             'status': states.IMAGE_ACTIVE},
            [self.cloud_a.id, self.cloud_b.id])
        self.dbapi.set_location(image.id, self.source.id, {
            'status': states.LOC_ACTIVE, 'remote_id': 'g-1'})
        return image

    def test_two_targets_build_each_driver_once_and_read_the_source_once(self):
        image = self._image_in_glance()
        job = self._create_job(image, [self.cloud_a, self.cloud_b], source={
            'type': 'cloud', 'cloud_id': self.source.id, 'remote_id': 'g-1'})
        built = collections.Counter()
        real_build = factory.build

        def counting_build(cloud, **kwargs):
            built[cloud['id']] += 1
            return real_build(cloud, **kwargs)

        with mock.patch.object(factory, 'build', side_effect=counting_build):
            base.run_job_now(self.manager, self.context, job.id,
                             credentials=CREDENTIALS)

        job = self.dbapi.get_job(job.id)
        self.assertEqual(states.JOB_SUCCEEDED, job.state, job.error)
        self.assertEqual({self.source.id: 1, self.cloud_a.id: 1,
                          self.cloud_b.id: 1}, dict(built))
        self.glance.images.get.assert_called_once_with('g-1')
        self.glance.http_client.session.get.assert_called_once_with(
            'http://glance.example/v2/images/g-1/file', stream=True,
            raise_exc=False, headers={'Accept': 'application/octet-stream'})
        for cloud in (self.cloud_a, self.cloud_b):
            with open(self._file(cloud, image.id, '.img'), 'rb') as f:
                self.assertEqual(DATA, f.read())

    def test_an_unreadable_source_falls_back_to_another_copy(self):
        image = self._image_in_glance()
        # dev-a holds a good copy too; Glance has lost its own.
        self._run(image, [self.cloud_a], source={
            'type': 'cloud', 'cloud_id': self.source.id, 'remote_id': 'g-1'})
        self.glance.images.get.side_effect = glance_exc.HTTPNotFound()
        self.dbapi.set_location(image.id, self.source.id,
                                {'status': states.LOC_ACTIVE})

        job = self._create_job(image, [self.cloud_b], source={
            'type': 'cloud', 'cloud_id': self.source.id, 'remote_id': 'g-1'})
        # With credentials for Glance, it is the first choice.
        base.run_job_now(self.manager, self.context, job.id,
                         credentials=CREDENTIALS)

        job = self.dbapi.get_job(job.id)
        self.assertEqual(states.JOB_SUCCEEDED, job.state, job.error)
        self.glance.images.get.assert_called_with('g-1')
        self.assertIn('reads cloud %s instead of %s' % (
            self.cloud_a.id, self.source.id), self.log.output)
        self.assertEqual({'type': 'cloud', 'cloud_id': self.cloud_a.id,
                          'remote_id': image.id}, job.source)
        locations = {loc.cloud_id: loc.status
                     for loc in self.dbapi.get_image(image.id).locations}
        self.assertEqual(states.LOC_MISSING, locations[self.source.id])
        with open(self._file(self.cloud_b, image.id, '.img'), 'rb') as f:
            self.assertEqual(DATA, f.read())


class HashingTestCase(GlanceSourceTestCase):
    """The conductor hashes a copy only when no target verifies it."""

    def setUp(self):
        super().setUp()
        self.hashed = []
        real = streams.Digests

        def counting():
            self.hashed.append(True)
            return real()

        self.useFixture(fixtures.MockPatchObject(streams, 'Digests',
                                                 side_effect=counting))

    def _verifying_targets(self, verifying=True):
        self.useFixture(fixtures.MockPatchObject(
            local.LocalDriver, 'capabilities', dataclasses.replace(
                local.LocalDriver.capabilities,
                verifies_received_data=verifying)))

    def _sync(self, image):
        job = self._create_job(image, [self.cloud_a, self.cloud_b], source={
            'type': 'cloud', 'cloud_id': self.source.id, 'remote_id': 'g-1'})
        base.run_job_now(self.manager, self.context, job.id,
                         credentials=CREDENTIALS)
        job = self.dbapi.get_job(job.id)
        self.assertEqual(states.JOB_SUCCEEDED, job.state, job.error)
        for cloud in (self.cloud_a, self.cloud_b):
            with open(self._file(cloud, image.id, '.img'), 'rb') as f:
                self.assertEqual(DATA, f.read())

    def test_targets_that_verify_spare_the_conductor_hashing(self):
        self._verifying_targets()
        self._sync(self._image_in_glance())
        self.assertEqual([], self.hashed)

    def test_the_option_hashes_anyway(self):
        self.config(hash_verified_copies=True, group='transfer')
        self._verifying_targets()
        self._sync(self._image_in_glance())
        self.assertEqual([True], self.hashed)

    def test_a_target_that_does_not_verify_is_hashed_for(self):
        self._verifying_targets(False)
        self._sync(self._image_in_glance())
        self.assertEqual([True], self.hashed)

    def test_an_unknown_hash_is_computed_and_learnt(self):
        self._verifying_targets()
        image = self._image_in_glance()
        self.dbapi.update_image(image.id, {'checksum': None,
                                           'os_hash_value': None})
        self._sync(image)
        self.assertEqual([True], self.hashed)
        image = self.dbapi.get_image(image.id)
        self.assertEqual(SOURCE_IMAGE['os_hash_value'], image.os_hash_value)
        self.assertEqual(SOURCE_IMAGE['checksum'], image.checksum)

    def test_another_hash_algorithm_is_hashed_for(self):
        self._verifying_targets()
        image = self._image_in_glance()
        self.dbapi.update_image(image.id, {'os_hash_algo': 'sha256'})
        self._sync(image)
        self.assertEqual([True], self.hashed)
