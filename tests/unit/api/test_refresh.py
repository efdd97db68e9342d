"""POST /v1/images/{id}/refresh and GET .../locations?live=true."""

from oslo_utils import timeutils

from ciming.common import exception
from tests.unit.api import base

LIVE = {'remote_id': 'r1', 'name': 'img', 'disk_format': 'raw',
        'container_format': 'bare', 'size': 4, 'checksum': None,
        'os_hash_algo': None, 'os_hash_value': None, 'status': 'active',
        'visibility': 'private', 'properties': {'hw_qemu_guest_agent': 'yes'}}


class RefreshTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.cloud_a = self.create_cloud('dev-a')
        self.cloud_b = self.create_cloud('dev-b')
        self.cloud_c = self.create_cloud('dev-c')
        self.image = self.create_image(targets=['dev-a', 'dev-b', 'dev-c'])
        self.image_url = '/v1/images/%s' % self.image['id']
        for cloud, remote_id in ((self.cloud_a, 'r1'), (self.cloud_b, 'r2')):
            self.dbapi.set_location(self.image['id'], cloud['id'], {
                'status': 'active', 'remote_id': remote_id})
        self.dbapi.update_image(self.image['id'], {'status': 'partial'})
        self.rpcapi.refreshed = {
            self.cloud_a['id']: {'status': 'active', 'error': None,
                                 'remote': LIVE},
            self.cloud_b['id']: {'status': 'active',
                                 'error': 'cloud dev-b is down',
                                 'remote': None},
        }

    def _by_cloud(self, response):
        self.assertEqual(200, response.status_int, response.text)
        return {loc['cloud_name']: loc for loc in response.json['locations']}

    def _assert_live(self, locations):
        self.assertEqual(LIVE, locations['dev-a']['remote'])
        self.assertIsNone(locations['dev-a']['error'])
        self.assertIsNone(locations['dev-b']['remote'])
        self.assertEqual('cloud dev-b is down', locations['dev-b']['error'])
        self.assertEqual('active', locations['dev-b']['status'])
        self.assertIsNone(locations['dev-c']['remote'])
        self.assertEqual('pending', locations['dev-c']['status'])
        for loc in locations.values():
            self.assertEqual(
                {'cloud_id', 'cloud_name', 'remote_id', 'status', 'error',
                 'last_seen_at', 'remote'}, set(loc))

    def test_refresh(self):
        locations = self._by_cloud(self.post(self.image_url + '/refresh'))
        self._assert_live(locations)
        self.assertEqual([{'image_id': self.image['id'],
                           'credentials': None}],
                         self.rpcapi.called('refresh_image'))

    def test_live_locations(self):
        locations = self._by_cloud(
            self.get(self.image_url + '/locations?live=true'))
        self._assert_live(locations)
        # A look writes nothing: the conductor only describes.
        self.assertEqual([{'image_id': self.image['id'],
                           'credentials': None}],
                         self.rpcapi.called('describe_locations'))
        self.assertEqual([], self.rpcapi.called('refresh_image'))

    def test_live_locations_wait_for_upgraded_conductors(self):
        self.rpcapi.describes_locations = False
        self.assertError(self.get(self.image_url + '/locations?live=true'),
                         503, 'service_unavailable')
        self.assertEqual([], self.rpcapi.calls)

    def test_live_locations_for_a_reader(self):
        locations = self._by_cloud(self.get(
            self.image_url + '/locations?live=1', headers=base.READER))
        self._assert_live(locations)

    def test_not_live(self):
        for query in ('', '?live=false', '?live=no'):
            response = self.get(self.image_url + '/locations' + query)
            self.assertEqual(200, response.status_int, response.text)
            for loc in response.json['locations']:
                self.assertNotIn('remote', loc)
        self.assertEqual([], self.rpcapi.calls)

    def test_response_shows_what_the_conductor_stored(self):
        seen = timeutils.utcnow()
        refresh = self.rpcapi.refresh_image

        def refresh_and_store(context, image_id, credentials=None):
            self.dbapi.set_location(image_id, self.cloud_b['id'], {
                'status': 'missing',
                'error': 'the image is gone from the cloud'})
            self.dbapi.set_location(image_id, self.cloud_a['id'], {
                'last_seen_at': seen})
            return refresh(context, image_id, credentials=credentials)

        self.rpcapi.refresh_image = refresh_and_store
        locations = self._by_cloud(self.post(self.image_url + '/refresh'))
        self.assertEqual('missing', locations['dev-b']['status'])
        # The stored error wins over the one of this refresh.
        self.assertEqual('the image is gone from the cloud',
                         locations['dev-b']['error'])
        self.assertIsNotNone(locations['dev-a']['last_seen_at'])
        self.assertEqual(LIVE, locations['dev-a']['remote'])

    def test_conductor_errors(self):
        for error, status, code in (
                (exception.CredentialsRequired(cloud='dev-a', reason='x'),
                 400, 'credentials_required'),
                (exception.DriverError(cloud='dev-a', reason='503'),
                 502, 'cloud_error'),
                (exception.ImageNotFound(image=self.image['id']),
                 404, 'image_not_found')):
            self.rpcapi.error = error
            self.assertError(self.post(self.image_url + '/refresh'),
                             status, code)
            self.assertError(
                self.get(self.image_url + '/locations?live=true'),
                status, code)

    def test_other_projects_image_is_404(self):
        for response in (
                self.post(self.image_url + '/refresh', headers=base.OTHER),
                self.get(self.image_url + '/locations?live=true',
                         headers=base.OTHER),
                self.post('/v1/images/nope/refresh'),
                self.get('/v1/images/nope/locations?live=true')):
            self.assertError(response, 404, 'image_not_found')
        self.assertEqual([], self.rpcapi.calls)

    def test_admin_refreshes_any_project(self):
        response = self.post(self.image_url + '/refresh',
                             headers=base.ADMIN)
        self._assert_live(self._by_cloud(response))

    def test_reader_cannot_refresh(self):
        response = self.post(self.image_url + '/refresh',
                             headers=base.READER)
        self.assertError(response, 403, 'forbidden')
        self.assertEqual([], self.rpcapi.calls)

    def test_live_must_be_a_boolean(self):
        for query in ('?live=notabool', '?live=2', '?live=true&live=true',
                      '?lively=true'):
            response = self.get(self.image_url + '/locations' + query)
            self.assertError(response, 400, 'invalid_parameter')
        self.assertEqual([], self.rpcapi.calls)

    def test_refresh_bad_bodies(self):
        for body in ({'force': True}, {'credentials': 'x'}, []):
            response = self.post(self.image_url + '/refresh', body)
            self.assertError(response, 400, 'schema_validation_failed')
        self.assertEqual([], self.rpcapi.calls)
