"""API 1.1: image metadata on create and PATCH, deprecation, drift."""

from ciming.common import states
from tests.unit.api import base

V11 = {'OpenStack-API-Version': 'cloud-image-manager 1.1'}
V10 = {'OpenStack-API-Version': 'cloud-image-manager 1.0'}
METADATA = {'properties': {'os_distro': 'debian'}, 'tags': ['lts'],
            'visibility': 'shared', 'protected': False, 'min_disk': 2,
            'min_ram': 512}


class LifecycleTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.cloud_a = self.create_cloud('dev-a')
        self.cloud_b = self.create_cloud('dev-b')

    def _create(self, **fields):
        body = {'name': 'img', 'targets': ['dev-a', 'dev-b']}
        body.update(fields)
        response = self.post('/v1/images', body, headers=V11)
        self.assertEqual(201, response.status_int, response.text)
        return response.json

    def _activate(self, image, *clouds):
        for cloud in clouds:
            self.dbapi.set_location(image['id'], cloud['id'], {
                'status': 'active', 'remote_id': image['id']})
        self.dbapi.update_image(image['id'], {'status': 'active',
                                              'pending_metadata': {}})

    def _unchanged(self, image):
        record = self.dbapi.get_image(image['id'])
        self.assertEqual(image['name'], record.name)
        self.assertEqual(image['pending_metadata'] or {},
                         record.pending_metadata or {})
        self.assertFalse(record.deprecated)
        self.assertEqual([], self.dbapi.list_jobs())


class CreateTestCase(LifecycleTestCase):

    def test_metadata_waits_for_every_target(self):
        image = self._create(**METADATA)
        self.assertFalse(image['deprecated'])
        self.assertEqual(dict(METADATA, clouds=[self.cloud_a['id'],
                                                self.cloud_b['id']]),
                         image['pending_metadata'])

    def test_no_metadata_is_null(self):
        self.assertIsNone(self._create()['pending_metadata'])

    def test_version_1_0_has_no_metadata_fields(self):
        response = self.post('/v1/images', dict(
            METADATA, targets=['dev-a']), headers=V10)
        self.assertError(response, 400, 'schema_validation_failed')
        image = self.create_image()
        self.assertNotIn('pending_metadata', image)
        self.assertNotIn('deprecated', image)

    def test_hostile_fields_create_nothing(self):
        for fields in (
                {'properties': {'id': 'x'}},
                {'properties': {'status': 'active'}},
                {'properties': {'os_hash_value': 'x'}},
                {'properties': {'ciming_image_id': 'x'}},
                {'properties': {'os_glance_import_task': 'x'}},
                {'properties': {'a\x01b': 'x'}},
                {'properties': {'k': 'v\x00'}},
                {'properties': {'k' * 256: 'v'}},
                {'properties': {'k': 'v' * 4097}},
                {'properties': {'k': {'deep': {'er': 'x'}}}},
                {'properties': {'k': 1}},
                {'properties': ['k']},
                {'properties': {'p%d' % i: 'v' for i in range(129)}},
                {'tags': 'lts'},
                {'tags': [1]},
                {'tags': ['a', 'a']},
                {'tags': ['']},
                {'tags': ['t' * 256]},
                {'tags': [['nested']]},
                {'visibility': 'everyone'},
                {'visibility': None},
                {'protected': 'yes'},
                {'min_disk': -1},
                {'min_disk': 2 ** 31},
                {'min_disk': 1.5},
                {'min_ram': '512'},
                {'min_ram': True}):
            response = self.post('/v1/images', dict(
                fields, name='img', targets=['dev-a']), headers=V11)
            self.assertEqual(400, response.status_int, (fields,
                                                        response.text))
            self.assertNotIn('Traceback', response.text)
        self.assertEqual([], self.dbapi.list_images())

    def test_lone_surrogate_and_nul_in_keys_are_refused(self):
        for raw in (b'{"targets": ["dev-a"], "properties": {"\\ud800": "x"}}',
                    b'{"targets": ["dev-a"], "properties": {"a\\u0000": "x"}}',
                    b'{"targets": ["dev-a"], "tags": ["\\udc00"]}'):
            response = self.app.post(
                '/v1/images', raw, headers=dict(base.MEMBER, **V11),
                content_type='application/json', expect_errors=True)
            self.assertEqual(400, response.status_int, response.text)
            self.assertEqual('application/json', response.content_type)
        self.assertEqual([], self.dbapi.list_images())


class UpdateTestCase(LifecycleTestCase):

    def test_record_only_change_answers_200(self):
        image = self._create(**METADATA)
        response = self.patch('/v1/images/%s' % image['id'], {
            'name': 'new', 'properties': {'os_distro': None, 'k': 'v'}},
            headers=V11)
        self.assertEqual(200, response.status_int, response.text)
        self.assertEqual('new', response.json['name'])
        self.assertEqual({'os_distro': None, 'k': 'v'},
                         response.json['pending_metadata']['properties'])
        self.assertEqual([], self.dbapi.list_jobs())

    def test_change_in_the_clouds_is_an_update_job(self):
        image = self._create()
        self._activate(image, self.cloud_a, self.cloud_b)
        response = self.request(
            'PATCH', '/v1/images/%s' % image['id'],
            '{"properties": {"os_distro": "ubuntu"}, "tags": ["x"]}',
            headers=dict(V11, **{'Content-Type':
                                 'application/merge-patch+json'}))
        self.assertEqual(202, response.status_int, response.text)
        job = self.dbapi.get_job(response.json['job_id'])
        self.assertEqual(states.ACTION_UPDATE, job.action)
        self.assertEqual(sorted([self.cloud_a['id'], self.cloud_b['id']]),
                         sorted(t.cloud_id for t in job.targets))
        self.assertEqual([{'job_id': job.id, 'host': None,
                           'credentials': None, 'metadata': True}],
                         self.rpcapi.called('run_job'))
        self.assertEqual({'properties': {'os_distro': 'ubuntu'},
                          'tags': ['x'],
                          'clouds': [self.cloud_a['id'],
                                     self.cloud_b['id']]},
                         response.json['pending_metadata'])

    def test_capped_conductors_refuse_before_anything_is_recorded(self):
        image = self._create()
        self._activate(image, self.cloud_a)
        self.rpcapi.runs_metadata_jobs = False
        response = self.patch('/v1/images/%s' % image['id'],
                              {'tags': ['x']}, headers=V11)
        self.assertError(response, 409, 'conductor_version_capped')
        self.assertEqual([], self.dbapi.list_jobs())
        self.assertEqual({}, self.dbapi.get_image(
            image['id']).pending_metadata)

    def test_busy_image_is_409(self):
        image = self._create()
        self._activate(image, self.cloud_a)
        self.dbapi.create_job({'project_id': 'project-a',
                               'image_id': image['id'], 'action': 'sync',
                               'source': {'type': 'staging'}},
                              [self.cloud_a['id']])
        response = self.patch('/v1/images/%s' % image['id'],
                              {'tags': ['x']}, headers=V11)
        self.assertError(response, 409, 'image_busy')
        self.assertEqual({}, self.dbapi.get_image(
            image['id']).pending_metadata)

    def test_hostile_patches_change_nothing(self):
        image = self._create(**METADATA)
        for body in ({'properties': {'id': 'x'}},
                     {'properties': {'os_hash_value': None}},
                     {'properties': {'k': 1}},
                     {'properties': {'k': {'a': {'b': 'c'}}}},
                     {'tags': None},
                     {'visibility': 'all'},
                     {'min_ram': -5},
                     {'deprecated': True},
                     {'pending_metadata': {}},
                     {'status': 'active'}):
            response = self.patch('/v1/images/%s' % image['id'], body,
                                  headers=V11)
            self.assertEqual(400, response.status_int, (body, response.text))
        self._unchanged(image)

    def test_merge_patch_content_type_only_for_images(self):
        image = self._create()
        response = self.request(
            'PATCH', '/v1/images/%s' % image['id'], '{"name": "x"}',
            headers=dict(V11, **{'Content-Type': 'application/xml'}))
        self.assertError(response, 415, 'unsupported_media_type')
        response = self.request(
            'PATCH', '/v1/clouds/dev-a', '{"description": "x"}',
            headers={'Content-Type': 'application/merge-patch+json'})
        self.assertError(response, 415, 'unsupported_media_type')

    def test_another_projects_image_is_404(self):
        image = self._create()
        response = self.patch('/v1/images/%s' % image['id'],
                              {'tags': ['x']},
                              headers=dict(base.OTHER, **V11))
        self.assertError(response, 404, 'image_not_found')
        self._unchanged(image)

    def test_reader_cannot_update(self):
        image = self._create()
        response = self.patch('/v1/images/%s' % image['id'],
                              {'tags': ['x']},
                              headers=dict(base.READER, **V11))
        self.assertError(response, 403, 'forbidden')
        self._unchanged(image)


class DeprecateTestCase(LifecycleTestCase):

    def setUp(self):
        super().setUp()
        self.image = self._create()
        self._activate(self.image, self.cloud_a)
        self.image = self.get('/v1/images/%s' % self.image['id'],
                              headers=V11).json
        self.url = '/v1/images/%s/' % self.image['id']

    def test_deprecate_with_a_replacement(self):
        other = self._create()
        response = self.post(self.url + 'deprecate', {
            'replacement': other['id'],
            'deprecate_at': '2027-01-31T12:00:00+01:00'}, headers=V11)
        self.assertEqual(202, response.status_int, response.text)
        self.assertEqual('deprecate', response.json['action'])
        self.assertEqual([self.cloud_a['id']],
                         [t['cloud_id'] for t in response.json['targets']])
        image = self.get('/v1/images/%s' % self.image['id'],
                         headers=V11).json
        self.assertTrue(image['deprecated'])
        self.assertEqual({'deprecated': True, 'replacement': other['id'],
                          'deprecate_at': '2027-01-31T11:00:00Z'},
                         image['pending_metadata']['deprecation'])

    def test_undeprecate(self):
        self.dbapi.update_image(self.image['id'], {'deprecated': True})
        response = self.post(self.url + 'undeprecate', headers=V11)
        self.assertEqual(202, response.status_int, response.text)
        self.assertEqual('undeprecate', response.json['action'])
        self.assertFalse(self.dbapi.get_image(self.image['id']).deprecated)

    def test_not_there_before_1_1(self):
        self.assertError(self.post(self.url + 'deprecate', headers=V10),
                         404, 'not_found')
        self._unchanged(self.image)

    def test_hostile_deprecations_change_nothing(self):
        theirs = self.create_image(headers=base.OTHER, targets=[
            self.create_cloud('dev-o', headers=base.OTHER)['name']])
        for body in ({'replacement': theirs['id']},
                     {'replacement': self.image['id']},
                     {'replacement': 'no-such-image'},
                     {'replacement': 'x\x01'},
                     {'replacement': 5},
                     {'replacement': {'id': 'x'}},
                     {'deprecate_at': 'tomorrow'},
                     {'deprecate_at': 12},
                     {'deprecate_at': '2027-01-01' + 'x' * 100},
                     {'hidden': True}):
            response = self.post(self.url + 'deprecate', body, headers=V11)
            self.assertEqual(400, response.status_int, (body, response.text))
            self.assertNotIn('Traceback', response.text)
        self._unchanged(self.image)
        response = self.post(self.url + 'undeprecate', {'x': 1},
                             headers=V11)
        self.assertEqual(400, response.status_int)
        self._unchanged(self.image)

    def test_another_project_cannot_deprecate(self):
        response = self.post(self.url + 'deprecate', {},
                             headers=dict(base.OTHER, **V11))
        self.assertError(response, 404, 'image_not_found')
        self._unchanged(self.image)


class DriftTestCase(LifecycleTestCase):

    def _remote(self, **properties):
        return {'remote_id': 'r', 'name': 'img', 'status': 'active',
                'size': None, 'checksum': None, 'os_hash_algo': None,
                'os_hash_value': None, 'disk_format': 'raw',
                'container_format': 'bare', 'visibility': 'shared',
                'properties': properties, 'tags': [], 'protected': False,
                'min_disk': 0, 'min_ram': 0}

    def test_live_locations_name_the_drifted_key(self):
        image = self._create()
        self._activate(image, self.cloud_a, self.cloud_b)
        self.rpcapi.refreshed = {
            self.cloud_a['id']: {'status': 'active', 'error': None,
                                 'remote': self._remote(os_distro='a')},
            self.cloud_b['id']: {'status': 'active', 'error': None,
                                 'remote': self._remote(os_distro='b')}}
        url = '/v1/images/%s/locations?live=true' % image['id']
        locations = self.get(url, headers=V11).json['locations']
        self.assertEqual([[], ['os_distro']],
                         [loc['metadata_drift'] for loc in locations])
        self.assertEqual([], locations[0]['remote']['tags'])
        # 1.0 answers as it did.
        locations = self.get(url, headers=V10).json['locations']
        self.assertNotIn('metadata_drift', locations[0])
        self.assertNotIn('tags', locations[0]['remote'])

    def test_sync_metadata_restores_the_drifted_copy_only(self):
        image = self._create()
        self._activate(image, self.cloud_a, self.cloud_b)
        self.rpcapi.refreshed = {
            self.cloud_a['id']: {'status': 'active', 'error': None,
                                 'remote': self._remote(os_distro='a')},
            self.cloud_b['id']: {'status': 'active', 'error': None,
                                 'remote': self._remote(os_distro='b')}}
        response = self.post('/v1/images/%s/sync' % image['id'],
                             {'metadata': True}, headers=V11)
        self.assertEqual(202, response.status_int, response.text)
        self.assertEqual('update', response.json['action'])
        self.assertEqual([self.cloud_b['id']],
                         [t['cloud_id'] for t in response.json['targets']])
        pending = self.dbapi.get_image(image['id']).pending_metadata
        self.assertEqual('a', pending['properties']['os_distro'])
        self.assertEqual([self.cloud_b['id']], pending['clouds'])

    def test_sync_metadata_with_nothing_drifted_is_409(self):
        image = self._create(targets=['dev-a'])
        self._activate(image, self.cloud_a)
        self.rpcapi.refreshed = {self.cloud_a['id']: {
            'status': 'active', 'error': None,
            'remote': self._remote(os_distro='a')}}
        response = self.post('/v1/images/%s/sync' % image['id'],
                             {'metadata': True}, headers=V11)
        self.assertError(response, 409, 'nothing_to_sync')
        for value in ('yes', 1, None, {'a': 1}):
            response = self.post('/v1/images/%s/sync' % image['id'],
                                 {'metadata': value}, headers=V11)
            self.assertEqual(400, response.status_int)
        self.assertEqual([], self.dbapi.list_jobs())
