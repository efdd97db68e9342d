"""/v1/images/{id}/locations: link and forget existing copies."""

from ciming.common import exception
from tests.unit.api import base

SHA = 'ab' * 64


class LocationsTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.cloud_a = self.create_cloud('dev-a')
        self.cloud_b = self.create_cloud('dev-b')
        self.image = self.create_image(targets=['dev-a', 'dev-b'])
        self.url = '/v1/images/%s/locations' % self.image['id']

    def test_list(self):
        response = self.get(self.url, headers=base.READER)
        self.assertEqual(200, response.status_int, response.text)
        self.assertEqual(['dev-a', 'dev-b'],
                         [loc['cloud_name']
                          for loc in response.json['locations']])

    def test_link_verifies_and_fills_in_hashes(self):
        self.rpcapi.remote = {'size': 42, 'checksum': 'c' * 32,
                              'os_hash_algo': 'sha512',
                              'os_hash_value': SHA}
        response = self.post(self.url, {'cloud': 'dev-b',
                                        'remote_id': 'remote-1'})
        self.assertEqual(201, response.status_int, response.text)
        self.assertEqual('active', response.json['status'])
        self.assertEqual('remote-1', response.json['remote_id'])
        self.assertEqual('dev-b', response.json['cloud_name'])
        self.assertIsNotNone(response.json['last_seen_at'])
        self.assertEqual([{'image_id': self.image['id'],
                           'cloud_id': self.cloud_b['id'],
                           'remote_id': 'remote-1', 'force': False,
                           'credentials': None}],
                         self.rpcapi.called('verify_location'))
        image = self.dbapi.get_image(self.image['id'])
        self.assertEqual(42, image.size)
        self.assertEqual(SHA, image.os_hash_value)
        # Data exists in one cloud out of two: syncable, not uploadable.
        self.assertEqual('partial', image.status)

    def test_checksum_mismatch_changes_nothing(self):
        self.rpcapi.error = exception.ChecksumMismatch(cloud='dev-b',
                                                       reason='sha512')
        response = self.post(self.url, {'cloud': 'dev-b',
                                        'remote_id': 'remote-1'})
        self.assertError(response, 409, 'checksum_mismatch')
        image = self.dbapi.get_image(self.image['id'])
        self.assertEqual(['pending', 'pending'],
                         [loc.status for loc in image.locations])
        self.assertEqual('queued', image.status)

    def test_remote_image_not_found(self):
        self.rpcapi.error = exception.RemoteImageNotFound(
            remote_id='remote-1', cloud='dev-b')
        response = self.post(self.url, {'cloud': 'dev-b',
                                        'remote_id': 'remote-1'})
        self.assertError(response, 404, 'remote_image_not_found')

    def test_unknown_cloud(self):
        response = self.post(self.url, {'cloud': 'nope', 'remote_id': 'r'})
        self.assertError(response, 400, 'unknown_cloud')
        self.assertEqual([], self.rpcapi.calls)

    def test_bad_body(self):
        for body in ({'cloud': 'dev-a'}, {'cloud': 'dev-a', 'remote_id': 1},
                     {'cloud': 'dev-a', 'remote_id': 'r', 'force': 'yes'},
                     {'cloud': 'dev-a', 'remote_id': 'r', 'x': 1}):
            response = self.post(self.url, body)
            self.assertError(response, 400, 'schema_validation_failed')
        self.assertEqual([], self.rpcapi.calls)

    def test_reader_cannot_link(self):
        response = self.post(self.url, {'cloud': 'dev-a', 'remote_id': 'r'},
                             headers=base.READER)
        self.assertError(response, 403, 'forbidden')
        self.assertEqual([], self.rpcapi.calls)

    def test_forget_by_name(self):
        response = self.delete(self.url + '/dev-a')
        self.assertEqual(204, response.status_int, response.text)
        self.assertEqual([self.cloud_b['id']],
                         [loc.cloud_id for loc in self.dbapi.get_image(
                             self.image['id']).locations])

    def test_forget_unknown_location(self):
        self.create_cloud('dev-c')
        self.assertError(self.delete(self.url + '/dev-c'), 404,
                         'location_not_found')
        self.assertError(self.delete(self.url + '/nope'), 404,
                         'cloud_not_found')
