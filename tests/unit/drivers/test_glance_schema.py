"""Glance's image schema is read once per endpoint, not once per client."""

from unittest import mock

from ciming.drivers import glance
from ciming.drivers import glance_schema
from tests.unit import base


class CachedSchemasTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        glance_schema.forget()
        self.addCleanup(glance_schema.forget)

    def _client(self, endpoint):
        schemas = mock.Mock()
        schemas.get.side_effect = lambda name: ('schema', endpoint, name)
        return schemas, glance_schema.CachedSchemas(schemas,
                                                    lambda: endpoint)

    def test_clients_of_one_endpoint_read_it_once(self):
        first, cached_first = self._client('http://r1:9292')
        second, cached_second = self._client('http://r1:9292')
        self.assertEqual(('schema', 'http://r1:9292', 'image'),
                         cached_first.get('image'))
        self.assertEqual(('schema', 'http://r1:9292', 'image'),
                         cached_second.get('image'))
        first.get.assert_called_once_with('image')
        second.get.assert_not_called()

    def test_each_endpoint_and_schema_has_its_own(self):
        r1, cached_r1 = self._client('http://r1:9292')
        r2, cached_r2 = self._client('http://r2:9292')
        cached_r1.get('image')
        cached_r2.get('image')
        cached_r2.get('member')
        self.assertEqual(('schema', 'http://r2:9292', 'image'),
                         cached_r2.get('image'))
        r1.get.assert_called_once_with('image')
        self.assertEqual([mock.call('image'), mock.call('member')],
                         r2.get.call_args_list)

    def test_read_again_after_its_time(self):
        schemas, cached = self._client('http://r1:9292')
        with mock.patch.object(glance_schema.time, 'monotonic',
                               side_effect=[0.0, 10.0,
                                            glance_schema.TTL + 1]):
            cached.get('image')
            cached.get('image')
            cached.get('image')
        self.assertEqual(2, schemas.get.call_count)

    def test_a_failed_read_is_not_cached(self):
        schemas, cached = self._client('http://r1:9292')
        schemas.get.side_effect = [RuntimeError('503'), 'schema']
        self.assertRaises(RuntimeError, cached.get, 'image')
        self.assertEqual('schema', cached.get('image'))

    def test_the_drivers_client_uses_the_cache(self):
        driver = glance.GlanceDriver(
            {'id': 'c1', 'name': 'r1', 'type': 'openstack',
             'region': 'RegionOne',
             'options': {'auth_url': 'http://keystone.example/v3'}},
            credentials={'auth_type': 'token', 'token': 't',
                         'project_id': 'p'})
        client = driver._client()
        self.assertIsInstance(client.images.schema_client,
                              glance_schema.CachedSchemas)
