"""The local list cache: TTL, keys, filters, and nothing secret in it."""

import os

import fixtures
import testtools

from ciming.client import cache

IMAGES = [
    {'id': '1', 'name': 'ubuntu-22.04', 'status': 'active', 'locations': [
        {'cloud_id': 'ca', 'cloud_name': 'dev-a', 'status': 'active'},
        {'cloud_id': 'cb', 'cloud_name': 'dev-b', 'status': 'active'}]},
    {'id': '2', 'name': 'ubuntu-24.04', 'status': 'partial', 'locations': [
        {'cloud_id': 'ca', 'cloud_name': 'dev-a', 'status': 'active'},
        {'cloud_id': 'cb', 'cloud_name': 'dev-b', 'status': 'error'}]},
    {'id': '3', 'name': 'debian-12', 'status': 'queued', 'locations': [
        {'cloud_id': 'cb', 'cloud_name': 'dev-b', 'status': 'pending'}]},
]


class ListCacheTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.path = os.path.join(self.dir, 'sub', 'cache.sqlite')
        self.now = [1000.0]

    def make(self, endpoint='http://svc:9779', project='p1', ttl=300):
        return cache.ListCache(endpoint, project, path=self.path, ttl=ttl,
                               clock=lambda: self.now[0])

    def test_nothing_before_a_put(self):
        self.assertIsNone(self.make().get('images'))
        self.assertFalse(os.path.exists(self.path))

    def test_put_then_get_until_the_ttl(self):
        self.make().put('images', IMAGES)
        self.now[0] += 300
        self.assertEqual(IMAGES, self.make().get('images'))
        self.now[0] += 1
        self.assertIsNone(self.make().get('images'))

    def test_keyed_by_endpoint_project_and_kind(self):
        self.make().put('images', IMAGES)
        self.assertIsNone(self.make(project='p2').get('images'))
        self.assertIsNone(self.make(endpoint='http://other').get('images'))
        self.assertIsNone(self.make().get('clouds'))
        self.assertEqual(IMAGES,
                         self.make(endpoint='http://svc:9779/').get('images'))

    def test_put_replaces_and_clear_forgets(self):
        store = self.make()
        store.put('images', IMAGES)
        store.put('images', IMAGES[:1])
        self.assertEqual(IMAGES[:1], store.get('images'))
        store.clear()
        self.assertIsNone(store.get('images'))

    def test_file_is_private(self):
        self.make().put('images', IMAGES)
        self.assertEqual(0o600, os.stat(self.path).st_mode & 0o777)

    def test_default_path_follows_the_environment(self):
        self.useFixture(fixtures.EnvironmentVariable('CIMING_CACHE_DIR'))
        self.useFixture(fixtures.EnvironmentVariable(
            'XDG_CACHE_HOME', self.dir))
        self.assertEqual(os.path.join(self.dir, 'ciming', 'cache.sqlite'),
                         cache.default_path())
        self.useFixture(fixtures.EnvironmentVariable(
            'CIMING_CACHE_DIR', '/x'))
        self.assertEqual('/x/cache.sqlite', cache.default_path())


class FilterTest(testtools.TestCase):

    def ids(self, **filters):
        return [i['id'] for i in cache.filter_images(IMAGES, **filters)]

    def test_name_wildcards(self):
        self.assertEqual(['1', '2'], self.ids(name='ubuntu-*'))
        self.assertEqual(['3'], self.ids(name='debian-1?'))
        self.assertEqual(['3'], self.ids(name='debian-12'))
        self.assertEqual([], self.ids(name='ubuntu'))

    def test_status(self):
        self.assertEqual(['2'], self.ids(status='partial'))

    def test_available_in_means_active_there(self):
        self.assertEqual(['1'], self.ids(available='dev-b'))
        self.assertEqual(['1'], self.ids(available='cb'))

    def test_missing_in_means_not_active_there(self):
        self.assertEqual(['2', '3'], self.ids(missing='dev-b'))
        self.assertEqual(['3'], self.ids(missing='dev-a'))

    def test_filters_combine(self):
        self.assertEqual(['2'], self.ids(name='ubuntu*', missing='dev-b'))

    def test_has_wildcards(self):
        self.assertTrue(cache.has_wildcards('a*'))
        self.assertTrue(cache.has_wildcards('a[12]'))
        self.assertFalse(cache.has_wildcards('plain'))
        self.assertFalse(cache.has_wildcards(None))
