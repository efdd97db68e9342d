"""/v1/images: records, targets, lists, sync."""

from unittest import mock

from ciming.common import states
from ciming.drivers import base as driver_base
from ciming.drivers import factory
from ciming.drivers import local
from tests.unit.api import base


class ExportOnlyDriver(local.LocalDriver):
    capabilities = driver_base.Capabilities(can_export=True,
                                            can_import=False)


class RawOnlyDriver(local.LocalDriver):
    capabilities = driver_base.Capabilities(can_export=True, can_import=True,
                                            disk_formats=('raw',))


_REAL_DRIVER_CLASS = factory.driver_class
FAKE_DRIVERS = {'export-only': ExportOnlyDriver, 'raw-only': RawOnlyDriver}


def _driver_class(cloud_type):
    """Installed drivers, plus two fakes with fewer capabilities."""
    return FAKE_DRIVERS.get(cloud_type) or _REAL_DRIVER_CLASS(cloud_type)


class ImagesTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        patcher = mock.patch.object(factory, 'driver_class',
                                    side_effect=_driver_class)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.cloud_a = self.create_cloud('dev-a')
        self.cloud_b = self.create_cloud('dev-b')

    def _assert_no_image(self):
        self.assertEqual([], self.dbapi.list_images())


class CreateImageTestCase(ImagesTestCase):

    def test_create(self):
        response = self.post('/v1/images', {
            'name': 'img', 'targets': ['dev-a', self.cloud_b['id']]})
        self.assertEqual(201, response.status_int, response.text)
        image = response.json
        self.assertTrue(response.headers['Location'].endswith(
            '/v1/images/%s' % image['id']))
        self.assertEqual('queued', image['status'])
        self.assertEqual('raw', image['disk_format'])
        self.assertEqual('bare', image['container_format'])
        self.assertEqual(
            [('dev-a', 'pending'), ('dev-b', 'pending')],
            [(loc['cloud_name'], loc['status'])
             for loc in image['locations']])

    def test_same_cloud_twice_is_one_target(self):
        image = self.create_image(targets=['dev-a', self.cloud_a['id']])
        self.assertEqual(1, len(image['locations']))

    def test_unknown_cloud(self):
        response = self.post('/v1/images', {'targets': ['dev-a', 'nope']})
        self.assertError(response, 400, 'unknown_cloud')
        self._assert_no_image()

    def test_other_projects_cloud_is_unknown(self):
        self.create_cloud('theirs', headers=base.OTHER)
        response = self.post('/v1/images', {'targets': ['theirs']})
        self.assertError(response, 400, 'unknown_cloud')
        self._assert_no_image()

    def test_target_that_cannot_import(self):
        self.create_cloud('ro', type='export-only')
        response = self.post('/v1/images', {'targets': ['dev-a', 'ro']})
        self.assertError(response, 400, 'capability_missing')
        self._assert_no_image()

    def test_target_that_refuses_the_format(self):
        self.create_cloud('raw', type='raw-only')
        response = self.post('/v1/images', {'targets': ['raw'],
                                            'disk_format': 'iso'})
        self.assertError(response, 400, 'unsupported_format')
        self._assert_no_image()

    def test_target_taking_raw_takes_a_format_converted_to_raw(self):
        self.create_cloud('raw', type='raw-only')
        response = self.post('/v1/images', {'targets': ['raw'],
                                            'disk_format': 'qcow2'})
        self.assertEqual(201, response.status_int)

    def test_bad_bodies(self):
        for body in ({'targets': []}, {'targets': 'dev-a'},
                     {'targets': ['dev-a'], 'disk_format': 'exe'},
                     {'targets': ['dev-a', 'dev-a']},
                     {'targets': ['dev-a'], 'size': 3}, {'name': 'x'}, []):
            response = self.post('/v1/images', body)
            self.assertError(response, 400, 'schema_validation_failed')
        self._assert_no_image()

    def test_malformed_json(self):
        response = self.request('POST', '/v1/images', b'{targets',
                                content_type='application/json')
        self.assertError(response, 400, 'malformed_body')
        self._assert_no_image()

    def test_reader_cannot_create(self):
        response = self.post('/v1/images', {'targets': ['dev-a']},
                             headers=base.READER)
        self.assertError(response, 403, 'forbidden')
        self._assert_no_image()


class ImageRecordTestCase(ImagesTestCase):

    def setUp(self):
        super().setUp()
        self.image = self.create_image()
        self.url = '/v1/images/%s' % self.image['id']

    def test_get(self):
        response = self.get(self.url, headers=base.READER)
        self.assertEqual(self.image, response.json)

    def test_what_data_is_where_shows_from_1_3(self):
        self.dbapi.update_image(self.image['id'], {'virtual_size': 1024})
        [loc] = self.dbapi.get_image(self.image['id']).locations
        self.dbapi.set_location(self.image['id'], loc.cloud_id, {
            'disk_format': 'raw', 'size': 1024, 'os_hash_value': 'ab' * 64})
        old = self.get(self.url, headers=base.READER).json
        self.assertNotIn('virtual_size', old)
        self.assertNotIn('disk_format', old['locations'][0])
        new = self.get(self.url, headers=dict(
            base.READER,
            **{'OpenStack-API-Version': 'cloud-image-manager 1.3'})).json
        self.assertEqual(1024, new['virtual_size'])
        self.assertEqual(('raw', 1024, 'ab' * 64), tuple(
            new['locations'][0][k]
            for k in ('disk_format', 'size', 'os_hash_value')))

    def test_other_project_gets_404(self):
        for call in (self.get, self.delete):
            self.assertError(call(self.url, headers=base.OTHER), 404,
                             'image_not_found')
        self.assertError(self.patch(self.url, {'name': 'x'},
                                    headers=base.OTHER),
                         404, 'image_not_found')
        self.assertError(self.get(self.url + '/locations',
                                  headers=base.OTHER),
                         404, 'image_not_found')

    def test_admin_sees_any_project(self):
        response = self.get(self.url, headers=base.ADMIN)
        self.assertEqual(200, response.status_int)

    def test_rename(self):
        response = self.patch(self.url, {'name': 'new'})
        self.assertEqual('new', response.json['name'])

    def test_only_name_can_change(self):
        response = self.patch(self.url, {'status': 'active'})
        self.assertError(response, 400, 'schema_validation_failed')
        self.assertEqual('queued',
                         self.dbapi.get_image(self.image['id']).status)

    def test_delete(self):
        self.assertEqual(204, self.delete(self.url).status_int)
        self._assert_no_image()

    def test_delete_with_active_job_is_409(self):
        self.dbapi.create_job({'project_id': 'project-a',
                               'image_id': self.image['id'],
                               'action': states.ACTION_SYNC},
                              [self.cloud_a['id']])
        self.assertError(self.delete(self.url), 409, 'image_busy')
        self.dbapi.get_image(self.image['id'])

    def test_delete_keeps_the_copies_unless_purge(self):
        self.assertEqual(204, self.delete(self.url).status_int)
        self.assertEqual([], self.rpcapi.called('purge_image'))

    def test_purge_asks_the_conductor_first(self):
        response = self.delete(self.url + '?purge=true')
        self.assertEqual(204, response.status_int, response.text)
        self.assertEqual([{'image_id': self.image['id'],
                           'credentials': None}],
                         self.rpcapi.called('purge_image'))
        self._assert_no_image()

    def test_purge_that_fails_keeps_the_image(self):
        from ciming.common import exception
        self.rpcapi.error = exception.DriverError(cloud='dev-a',
                                                  reason='refused')
        response = self.delete(self.url + '?purge=true')
        self.assertError(response, 502, 'cloud_error')
        self.assertIn('refused', response.json['error']['message'])
        self.dbapi.get_image(self.image['id'])

    def test_purge_with_an_active_job_is_409_and_purges_nothing(self):
        self.dbapi.create_job({'project_id': 'project-a',
                               'image_id': self.image['id'],
                               'action': states.ACTION_SYNC},
                              [self.cloud_a['id']])
        self.assertError(self.delete(self.url + '?purge=true'), 409,
                         'image_busy')
        self.assertEqual([], self.rpcapi.called('purge_image'))

    def test_purge_must_be_a_boolean(self):
        self.assertError(self.delete(self.url + '?purge=maybe'), 400,
                         'invalid_parameter')
        self.dbapi.get_image(self.image['id'])

    def test_delete_removes_staged_data(self):
        from ciming.common import staging
        area = staging.StagingArea()
        with area.open_writer(self.image['id']) as out:
            out.write(b'data')
        area.commit(self.image['id'])
        self.assertEqual(204, self.delete(self.url).status_int)
        self.assertFalse(area.exists(self.image['id']))


class ListImagesTestCase(ImagesTestCase):

    def setUp(self):
        super().setUp()
        self.images = [self.create_image(name='img%d' % i,
                                         targets=['dev-a', 'dev-b'])
                       for i in range(5)]
        # img0 and img1 are active in dev-a, img1 also in dev-b.
        for image, cloud in ((self.images[0], self.cloud_a),
                             (self.images[1], self.cloud_a),
                             (self.images[1], self.cloud_b)):
            self.dbapi.set_location(image['id'], cloud['id'],
                                    {'status': 'active', 'remote_id': 'r'})
        self.create_image(name='theirs', headers=base.OTHER,
                          targets=[self.create_cloud(
                              'dev-o', headers=base.OTHER)['name']])

    def _names(self, query=''):
        response = self.get('/v1/images' + query)
        self.assertEqual(200, response.status_int, response.text)
        return [i['name'] for i in response.json['images']], response.json

    def test_lists_own_images_only(self):
        names, body = self._names()
        self.assertEqual(['img%d' % i for i in range(5)], names)
        self.assertNotIn('next', body)

    def test_pagination_with_next_link(self):
        names, body = self._names('?limit=2&sort_key=name')
        self.assertEqual(['img0', 'img1'], names)
        self.assertIn('marker=%s' % self.images[1]['id'], body['next'])
        nxt = body['next'].split('/v1/images', 1)[1]
        names, body = self._names(nxt)
        self.assertEqual(['img2', 'img3'], names)
        names, body = self._names(body['next'].split('/v1/images', 1)[1])
        self.assertEqual(['img4'], names)
        self.assertNotIn('next', body)

    def test_next_links_reach_unnamed_images_once_both_ways(self):
        unnamed = {self.dbapi.create_image({
            'project_id': 'project-a', 'disk_format': 'raw',
            'container_format': 'bare', 'status': 'queued'}).id
            for _ in range(5)}
        named = [i['id'] for i in self.images]
        for sort_dir, first in (('asc', unnamed), ('desc', set(named))):
            seen, query = [], '?limit=2&sort_key=name&sort_dir=' + sort_dir
            while query is not None:
                response = self.get('/v1/images' + query)
                self.assertEqual(200, response.status_int, response.text)
                seen.extend(i['id'] for i in response.json['images'])
                nxt = response.json.get('next')
                query = nxt.split('/v1/images', 1)[1] if nxt else None
            self.assertEqual(10, len(seen), sort_dir)
            self.assertEqual(unnamed | set(named), set(seen))
            # Unnamed images come first ascending, last descending.
            self.assertEqual(first, set(seen[:5]), sort_dir)

    def test_limit_is_capped(self):
        self.config(max_limit=3, group='api')
        names, body = self._names('?limit=100')
        self.assertEqual(3, len(names))
        self.assertIn('limit=3', body['next'])

    def test_sort_desc(self):
        names, _ = self._names('?sort_key=name&sort_dir=desc')
        self.assertEqual('img4', names[0])

    def test_available_in(self):
        names, _ = self._names('?available_in=dev-a')
        self.assertEqual(['img0', 'img1'], names)
        names, _ = self._names('?available_in=%s' % self.cloud_b['id'])
        self.assertEqual(['img1'], names)

    def test_missing_in(self):
        names, _ = self._names('?missing_in=dev-b')
        self.assertEqual(['img0', 'img2', 'img3', 'img4'], names)

    def test_name_filter(self):
        names, _ = self._names('?name=img3')
        self.assertEqual(['img3'], names)

    def test_bad_parameters(self):
        for query, code in (('?available_in=nope', 'unknown_cloud'),
                            ('?missing_in=dev-o', 'unknown_cloud'),
                            ('?limit=0', 'invalid_parameter'),
                            ('?limit=x', 'invalid_parameter'),
                            ('?sort_key=checksum', 'invalid_parameter'),
                            ('?sort_dir=up', 'invalid_parameter'),
                            ('?limit=1&limit=2', 'invalid_parameter'),
                            ('?marker=nope', 'invalid_parameter')):
            response = self.get('/v1/images' + query)
            self.assertError(response, 400, code)


class SyncTestCase(ImagesTestCase):

    def setUp(self):
        super().setUp()
        self.image = self.create_image(targets=['dev-a'])
        self.url = '/v1/images/%s/sync' % self.image['id']

    def _activate(self, cloud, remote_id='r1'):
        self.dbapi.set_location(self.image['id'], cloud['id'],
                                {'status': 'active',
                                 'remote_id': remote_id})
        self.dbapi.update_image(self.image['id'], {'status': 'active'})

    def test_nothing_to_sync(self):
        self._activate(self.cloud_a)
        self.assertError(self.post(self.url), 409, 'nothing_to_sync')
        self.assertEqual([], self.dbapi.list_jobs())

    def test_no_source(self):
        self.assertError(self.post(self.url), 409, 'no_source')
        self.assertEqual([], self.dbapi.list_jobs())

    def test_sync_to_new_target_from_cloud(self):
        self._activate(self.cloud_a)
        response = self.post(self.url, {'targets': ['dev-b']})
        self.assertEqual(202, response.status_int, response.text)
        job = response.json
        self.assertEqual('sync', job['action'])
        self.assertEqual({'type': 'cloud', 'cloud_id': self.cloud_a['id'],
                          'remote_id': 'r1'}, job['source'])
        self.assertEqual([self.cloud_b['id']],
                         [t['cloud_id'] for t in job['targets']])
        self.assertEqual([{'job_id': job['id'], 'host': None,
                           'credentials': None}],
                         self.rpcapi.called('run_job'))
        image = self.dbapi.get_image(self.image['id'])
        self.assertEqual('importing', image.status)
        self.assertEqual({self.cloud_a['id']: 'active',
                          self.cloud_b['id']: 'pending'},
                         {loc.cloud_id: loc.status
                          for loc in image.locations})

    def test_sync_from_staging_goes_to_its_host(self):
        self.dbapi.update_image(self.image['id'], {
            'status': 'partial', 'staged': True, 'staged_host': 'h1'})
        response = self.post(self.url)
        self.assertEqual(202, response.status_int, response.text)
        self.assertEqual({'type': 'staging', 'host': 'h1'},
                         response.json['source'])
        self.assertEqual('h1', self.rpcapi.called('run_job')[0]['host'])

    def test_sync_busy_image_changes_nothing(self):
        self._activate(self.cloud_a)
        self.dbapi.create_job({'project_id': 'project-a',
                               'image_id': self.image['id'],
                               'action': states.ACTION_SYNC}, [])
        response = self.post(self.url, {'targets': ['dev-b']})
        self.assertError(response, 409, 'image_busy')
        self.assertEqual(1, len(
            self.dbapi.get_image(self.image['id']).locations))

    def test_sync_unknown_target(self):
        self._activate(self.cloud_a)
        response = self.post(self.url, {'targets': ['nope']})
        self.assertError(response, 400, 'unknown_cloud')

    def test_reader_cannot_sync(self):
        self._activate(self.cloud_a)
        response = self.post(self.url, {'targets': ['dev-b']},
                             headers=base.READER)
        self.assertError(response, 403, 'forbidden')
