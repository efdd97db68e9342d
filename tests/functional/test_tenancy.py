"""Projects sharing a cloud: what one stored there, the others cannot reach.

A shared local cloud (one directory for every project) as deployed:
project A copies an image there; project B can neither see it when it
browses the cloud, nor adopt it, nor link it, nor delete it by purging;
A's file stays byte for byte. Who may place a local cloud where, and a
reader's look at live locations, which must write nothing.
"""

import datetime
import os

import sqlalchemy as sa

from tests.functional import base

MiB = base.MiB
ADMIN_ROLES = 'admin,member,reader'
LONG_AGO = datetime.datetime(2020, 1, 1)


class TenancyMixin:

    def setUp(self):
        super().setUp()
        endpoint = self.deployment.endpoint
        self.admin = base.Client(endpoint, roles=ADMIN_ROLES)
        self.other = base.Client(endpoint)
        self.shared_rel = base.unique_name('shared-')
        self.shared = self.admin.post('/v1/clouds', {
            'name': base.unique_name('pool-'), 'type': 'local',
            'shared': True, 'options': {'path': self.shared_rel}})
        self.shared_dir = os.path.join(self.deployment.clouds_root,
                                       self.shared_rel)
        self.engine = sa.create_engine(
            self.deployment.backend.url(self.deployment.database),
            poolclass=sa.pool.NullPool)
        self.addCleanup(self.engine.dispose)

    def _sql(self, statement, **params):
        with self.engine.begin() as conn:
            result = conn.execute(sa.text(statement), params)
            return result.all() if result.returns_rows else None

    def _image_in_shared_cloud(self):
        """Project A's image, copied into the shared cloud; its bytes."""
        path, _sha512, _md5 = self.make_data_file(1 * MiB)
        image = self.make_image([self.shared['id']])
        job = self.wait_job(self.client.upload(image['id'], path).json()['id'])
        self.assertEqual('succeeded', job['state'], job)
        stored = os.path.join(self.shared_dir, image['id'] + '.img')
        with open(stored, 'rb') as data:
            content = data.read()
        self.assertTrue(base.files_identical(path, stored))
        return image['id'], stored, content

    def _assert_intact(self, stored, content):
        with open(stored, 'rb') as data:
            self.assertEqual(content, data.read())

    def test_another_project_cannot_reach_what_a_project_stored(self):
        image_id, stored, content = self._image_in_shared_cloud()
        browse = '/v1/clouds/%s/images' % self.shared['id']
        mine = self.client.get(browse)['images']
        self.assertEqual([(image_id, image_id)],
                         [(i['remote_id'], i['tracked_as']) for i in mine])

        # Browse: nothing of A's, neither name nor hash.
        theirs = self.other.request('GET', browse, 200)
        self.assertEqual([], theirs.json()['images'])
        self.assertNotIn(image_id, theirs.text)

        # Adopt: not found, and nothing recorded.
        resp = self.other.request('POST', '/v1/images/adopt', json_body={
            'source': {'cloud': self.shared['id'], 'remote_id': image_id}})
        error = base.check_error(self, resp, 404)
        self.assertEqual('remote_image_not_found', error['code'])
        self.assertEqual([], self.other.get('/v1/images')['images'])

        # Link, even forced: not found.
        own_cloud, _own_dir = self.make_cloud(client=self.other)
        b_image = self.make_image([own_cloud['id'], self.shared['id']],
                                  client=self.other)
        for force in (False, True):
            resp = self.other.request(
                'POST', '/v1/images/%s/locations' % b_image['id'],
                json_body={'cloud': self.shared['id'],
                           'remote_id': image_id, 'force': force})
            self.assertEqual('remote_image_not_found',
                             base.check_error(self, resp, 404)['code'])

        # Purge: B's record points at A's file, as a link made before
        # clouds were multitenant would. Purging B's image leaves it.
        self._sql('UPDATE locations SET remote_id = :remote, '
                  "status = 'active' WHERE image_id = :image "
                  'AND cloud_id = :cloud', remote=image_id,
                  image=b_image['id'], cloud=self.shared['id'])
        self.other.delete('/v1/images/%s?purge=true' % b_image['id'])
        self.other.get('/v1/images/%s' % b_image['id'], expect=404)

        self._assert_intact(stored, content)
        self.assertEqual(['%s.img' % image_id, '%s.json' % image_id],
                         self.cloud_files(self.shared_dir, image_id))
        image = self.client.get('/v1/images/%s' % image_id)
        self.assertEqual('active', image['status'], image)
        live = self.client.get('/v1/images/%s/locations?live=true'
                               % image_id)['locations']
        self.assertEqual(len(content), live[0]['remote']['size'])

    def test_a_readers_live_look_writes_nothing(self):
        image_id, _stored, _content = self._image_in_shared_cloud()
        self._sql('UPDATE locations SET last_seen_at = :long_ago '
                  'WHERE image_id = :image', long_ago=LONG_AGO,
                  image=image_id)
        query = ('SELECT l.cloud_id, l.remote_id, l.status, l.error, '
                 'l.last_seen_at, l.updated_at, i.status, i.updated_at '
                 'FROM locations l JOIN images i ON i.id = l.image_id '
                 'WHERE l.image_id = :image')
        before = self._sql(query, image=image_id)
        reader = base.Client(self.deployment.endpoint,
                             project_id=self.project_id, roles='reader')

        live = reader.get('/v1/images/%s/locations?live=true'
                          % image_id)['locations']

        self.assertEqual(image_id, live[0]['remote']['remote_id'])
        self.assertEqual(before, self._sql(query, image=image_id))
        # The member's refresh is the call that records a sighting.
        self.client.post('/v1/images/%s/refresh' % image_id, {}, expect=200)
        seen = self._sql('SELECT last_seen_at FROM locations '
                         'WHERE image_id = :image', image=image_id)
        self.assertGreater(seen[0][0], LONG_AGO)

    def test_a_project_places_local_clouds_in_its_own_directory(self):
        cloud, directory = self.make_cloud(client=self.other)
        self.assertTrue(cloud['options']['path'].startswith(
            'projects/%s/' % self.other.project_id), cloud)
        # Whatever the spelling, not outside it: not the shared cloud.
        for path in ('../../' + self.shared_rel, self.shared_dir,
                     '../' + self.project_id, '..'):
            resp = self.other.request('POST', '/v1/clouds', json_body={
                'name': base.unique_name('c-'), 'type': 'local',
                'options': {'path': path}})
            self.assertEqual('path_outside_root',
                             base.check_error(self, resp, 400)['code'])
        # Nor can it move one of its own there.
        resp = self.other.request(
            'PATCH', '/v1/clouds/%s' % cloud['id'],
            json_body={'options': {'path': '../../' + self.shared_rel}})
        base.check_error(self, resp, 400)
        self.assertEqual(cloud['options'], self.other.get(
            '/v1/clouds/%s' % cloud['id'])['options'])

    def test_overlapping_clouds_are_refused(self):
        self.make_cloud()  # so that projects/ holds a cloud
        root = self.deployment.clouds_root
        os.makedirs(self.shared_dir, exist_ok=True)
        link = os.path.join(root, base.unique_name('alias-'))
        os.symlink(self.shared_dir, link)
        self.addCleanup(os.unlink, link)
        inner = base.unique_name('outer-') + '/inner'
        self.admin.post('/v1/clouds', {
            'name': base.unique_name('c-'), 'type': 'local',
            'options': {'path': inner}})
        before = self.admin.get('/v1/clouds?all_projects=true')['clouds']
        for path in (self.shared_rel, self.shared_rel + '/sub',
                     self.shared_dir, os.path.basename(link),
                     inner.split('/')[0], inner + '/deeper', 'projects'):
            resp = self.admin.request('POST', '/v1/clouds', json_body={
                'name': base.unique_name('c-'), 'type': 'local',
                'shared': True, 'options': {'path': path}})
            self.assertEqual('invalid_parameter',
                             base.check_error(self, resp, 400)['code'], path)
        self.assertEqual(before, self.admin.get(
            '/v1/clouds?all_projects=true')['clouds'])


class MariaDBTenancyTest(TenancyMixin, base.FunctionalTestCase):
    backend = 'mysql'


class PostgreSQLTenancyTest(TenancyMixin, base.FunctionalTestCase):
    backend = 'postgresql'
