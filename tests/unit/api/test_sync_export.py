"""Sync and adopt from a cloud that exports only some images (Google)."""

from unittest import mock

from ciming.drivers import base as driver_base
from ciming.drivers import factory
from ciming.drivers import local
from tests.unit.api import base


class PerImageDriver(local.LocalDriver):
    capabilities = driver_base.Capabilities(
        can_export=True, can_import=True, exports_per_image=True)


_REAL_DRIVER_CLASS = factory.driver_class


def _driver_class(cloud_type):
    if cloud_type == 'per-image':
        return PerImageDriver
    return _REAL_DRIVER_CLASS(cloud_type)


class SyncExportTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        patcher = mock.patch.object(factory, 'driver_class',
                                    side_effect=_driver_class)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.gce = self.create_cloud('gce', type='per-image')
        self.dev = self.create_cloud('dev-a')
        self.image = self.create_image(targets=['gce'])
        self.dbapi.set_location(self.image['id'], self.gce['id'],
                                {'status': 'active', 'remote_id': 'g1'})
        self.dbapi.update_image(self.image['id'], {'status': 'active'})
        self.url = '/v1/images/%s/sync' % self.image['id']

    def test_copy_that_cannot_be_exported_is_refused_with_400(self):
        self.rpcapi.remote = {'exportable': False}
        response = self.post(self.url, {'targets': ['dev-a']})
        self.assertError(response, 400, 'source_cannot_export')
        self.assertIn('tarball', response.json['error']['message'])
        self.assertEqual([], self.dbapi.list_jobs())
        self.assertEqual([self.gce['id']], [
            loc.cloud_id for loc in self.dbapi.get_image(
                self.image['id']).locations])

    def test_copy_that_can_be_exported_is_the_source(self):
        self.rpcapi.remote = {'exportable': True}
        response = self.post(self.url, {'targets': ['dev-a']})
        self.assertEqual(202, response.status_int, response.text)
        self.assertEqual(self.gce['id'], response.json['source']['cloud_id'])
        [asked] = self.rpcapi.called('verify_location')
        self.assertEqual('g1', asked['remote_id'])

    def test_another_copy_is_read_instead(self):
        self.rpcapi.remote = {'exportable': False}
        self.dbapi.set_location(self.image['id'], self.dev['id'],
                                {'status': 'active', 'remote_id': 'l1'})
        other = self.create_cloud('dev-b')
        response = self.post(self.url, {'targets': [other['name']]})
        self.assertEqual(202, response.status_int, response.text)
        self.assertEqual(self.dev['id'], response.json['source']['cloud_id'])

    def test_adopt_with_targets_of_an_unexportable_image_is_refused(self):
        self.rpcapi.remote = {'exportable': False, 'status': 'active'}
        response = self.post('/v1/images/adopt', {
            'source': {'cloud': 'gce', 'remote_id': 'g2'},
            'targets': ['dev-a']})
        self.assertError(response, 400, 'source_cannot_export')
        before = len(self.dbapi.list_images())
        response = self.post('/v1/images/adopt', {
            'source': {'cloud': 'gce', 'remote_id': 'g2'}})
        self.assertEqual(201, response.status_int, response.text)
        self.assertEqual(before + 1, len(self.dbapi.list_images()))
