"""GET /v1/clouds/{id}/images: browse a cloud, tracked images or not."""

from ciming.common import exception
from ciming.common import states
from tests.unit.api import base


def remote(remote_id, **fields):
    values = {'remote_id': remote_id, 'name': remote_id,
              'disk_format': 'raw', 'container_format': 'bare', 'size': 4,
              'checksum': None, 'os_hash_algo': None,
              'os_hash_value': None, 'status': 'active',
              'visibility': 'private', 'properties': {}}
    values.update(fields)
    return values


class CloudImagesTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.cloud_a = self.create_cloud('dev-a')
        self.cloud_b = self.create_cloud('dev-b')
        self.image = self.create_image(targets=['dev-a', 'dev-b'])
        # Ours as r1 in dev-a; r2 is there too, untracked.
        self.dbapi.set_location(self.image['id'], self.cloud_a['id'], {
            'status': states.LOC_ACTIVE, 'remote_id': 'r1'})
        self.rpcapi.listing = [remote('r1', properties={'a': 'b'}),
                               remote('r2'), remote('r3')]

    def browse(self, cloud='dev-a', headers=None):
        return self.get('/v1/clouds/%s/images' % cloud, headers=headers)

    def _tracked(self, response):
        self.assertEqual(200, response.status_int, response.text)
        return {i['remote_id']: i['tracked_as']
                for i in response.json['images']}

    def test_browse(self):
        response = self.browse()
        self.assertEqual(200, response.status_int, response.text)
        images = response.json['images']
        self.assertEqual([dict(remote('r1', properties={'a': 'b'}),
                               tracked_as=self.image['id']),
                          dict(remote('r2'), tracked_as=None),
                          dict(remote('r3'), tracked_as=None)], images)
        self.assertEqual([{'cloud_id': self.cloud_a['id'],
                           'credentials': None}],
                         self.rpcapi.called('list_cloud_images'))

    def test_browse_by_id(self):
        self.assertEqual({'r1': self.image['id'], 'r2': None, 'r3': None},
                         self._tracked(self.browse(self.cloud_a['id'])))

    def test_tracking_is_per_cloud(self):
        # r1 is ours in dev-a, not in dev-b: same remote id, other cloud.
        self.assertEqual({'r1': None, 'r2': None, 'r3': None},
                         self._tracked(self.browse('dev-b')))

    def test_a_pending_location_without_remote_id_tracks_nothing(self):
        self.rpcapi.listing = [remote(self.image['id'])]
        self.assertEqual({self.image['id']: None},
                         self._tracked(self.browse('dev-b')))

    def test_empty_cloud(self):
        self.rpcapi.listing = []
        response = self.browse()
        self.assertEqual({'images': []}, response.json)

    def _shared_cloud_with_their_image(self):
        shared = self.dbapi.create_cloud({
            'name': 'public', 'type': 'local', 'project_id': 'admin-project',
            'shared': True, 'options': {'path': 'public'}})
        theirs = self.dbapi.create_image(
            {'project_id': 'project-b', 'name': 'theirs',
             'disk_format': 'raw', 'container_format': 'bare',
             'status': states.IMAGE_ACTIVE}, [shared.id])
        self.dbapi.set_location(theirs.id, shared.id, {
            'status': states.LOC_ACTIVE, 'remote_id': 'r3'})
        mine = self.dbapi.create_image(
            {'project_id': 'project-a', 'name': 'mine',
             'disk_format': 'raw', 'container_format': 'bare',
             'status': states.IMAGE_ACTIVE}, [shared.id])
        self.dbapi.set_location(mine.id, shared.id, {
            'status': states.LOC_ACTIVE, 'remote_id': 'r2'})
        return shared, theirs, mine

    def test_shared_cloud_hides_other_projects_images(self):
        shared, theirs, mine = self._shared_cloud_with_their_image()
        response = self.browse('public')
        self.assertEqual({'r1': None, 'r2': mine.id, 'r3': None},
                         self._tracked(response))
        self.assertNotIn(theirs.id, response.text)
        # Project B sees its own, not ours.
        response = self.browse(shared.id, headers=base.OTHER)
        self.assertEqual({'r1': None, 'r2': None, 'r3': theirs.id},
                         self._tracked(response))
        self.assertNotIn(mine.id, response.text)

    def test_admin_sees_every_projects_images(self):
        shared, theirs, mine = self._shared_cloud_with_their_image()
        self.assertEqual({'r1': None, 'r2': mine.id, 'r3': theirs.id},
                         self._tracked(self.browse(shared.id,
                                                   headers=base.ADMIN)))

    def test_other_projects_cloud_is_404(self):
        theirs = self.create_cloud('theirs', headers=base.OTHER)
        for ident in ('theirs', theirs['id'], 'nope'):
            self.assertError(self.browse(ident), 404, 'cloud_not_found')
        self.assertEqual([], self.rpcapi.calls)

    def test_reader_cannot_browse(self):
        self.assertError(self.browse(headers=base.READER), 403, 'forbidden')
        self.assertEqual([], self.rpcapi.calls)

    def test_conductor_errors(self):
        for error, status, code in (
                (exception.CloudAuthFailed(cloud='dev-a', reason='401'),
                 400, 'cloud_auth_failed'),
                (exception.CredentialsRequired(cloud='dev-a', reason='x'),
                 400, 'credentials_required'),
                (exception.DriverError(cloud='dev-a', reason='Glance 500'),
                 502, 'cloud_error')):
            self.rpcapi.error = error
            self.assertError(self.browse(), status, code)
