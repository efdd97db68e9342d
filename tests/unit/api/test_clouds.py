"""/v1/clouds: definition, validation, visibility and policy."""

import os

from ciming.conf import CONF
from tests.unit.api import base


class CreateCloudTestCase(base.APITestCase):

    def test_create_returns_201_and_location(self):
        response = self.post('/v1/clouds', {
            'name': 'dev-a', 'type': 'local', 'options': {'path': 'a'},
            'region': 'r1', 'description': 'mine'})
        self.assertEqual(201, response.status_int)
        cloud = response.json
        self.assertTrue(response.headers['Location'].endswith(
            '/v1/clouds/%s' % cloud['id']))
        self.assertEqual('project-a', cloud['project_id'])
        self.assertFalse(cloud['shared'])
        self.assertEqual({'can_export': True, 'can_import': True,
                          'keeps_id': True}, cloud['capabilities'])
        self.assertIn('+00:00', cloud['created_at'])

    def _assert_refused(self, body, status, code, headers=None):
        response = self.post('/v1/clouds', body, headers=headers)
        self.assertError(response, status, code)
        self.assertEqual([], self.dbapi.list_clouds())

    def test_unknown_field(self):
        self._assert_refused({'name': 'x', 'type': 'local', 'color': 1},
                             400, 'schema_validation_failed')

    def test_wrong_type(self):
        self._assert_refused({'name': 7, 'type': 'local'}, 400,
                             'schema_validation_failed')

    def test_missing_type(self):
        self._assert_refused({'name': 'x'}, 400, 'schema_validation_failed')

    def test_unknown_cloud_type(self):
        self._assert_refused({'name': 'x', 'type': 'floppy'}, 400,
                             'invalid_parameter')

    def test_path_with_dotdot_outside_root(self):
        self._assert_refused({'name': 'x', 'type': 'local',
                              'options': {'path': '../x'}}, 400,
                             'path_outside_root')

    def test_absolute_path_outside_root(self):
        self._assert_refused({'name': 'x', 'type': 'local',
                              'options': {'path': '/etc'}}, 400,
                             'path_outside_root')

    def test_unknown_option(self):
        self._assert_refused({'name': 'x', 'type': 'local',
                              'options': {'path': 'x', 'url': 'y'}}, 400,
                             'invalid_parameter')

    def test_hostile_disk_formats_option(self):
        for formats in ('raw', [], ['exe'], [7], [{}], [None],
                        ['raw'] * 3 + ['vmdk\n']):
            self._assert_refused({'name': 'x', 'type': 'local',
                                  'options': {'path': 'x',
                                              'disk_formats': formats}},
                                 400, 'invalid_parameter')
        self._assert_refused({'name': 'x', 'type': 'local',
                              'options': {'path': 'x',
                                          'disk_formats': ['raw\u0000']}},
                             400, 'malformed_body')

    def test_openstack_options_are_checked(self):
        for options in ({'auth_url': 'ftp://keystone/v3'},
                        {'interface': 'private'},
                        {'auth_url': 'http://keystone/v3', 'password': 'p'}):
            self._assert_refused({'name': 'beta', 'type': 'openstack',
                                  'options': options}, 400,
                                 'invalid_parameter')

    def test_aws_vm_import_options_are_checked(self):
        for options in ({'import_method': 'vm-import'},
                        {'import_method': 'vm-import',
                         'import_bucket': 'b' * 64},
                        {'import_bucket': ['bucket']},
                        {'import_bucket': 'Bad_Bucket'},
                        {'import_role_name': 'role/x'},
                        {'import_role_name': 12}):
            self._assert_refused({'name': 'aws-east', 'type': 'aws',
                                  'region': 'us-east-1',
                                  'options': options}, 400,
                                 'invalid_parameter')
        self._assert_refused({'name': 'aws-east', 'type': 'aws',
                              'region': 'us-east-1',
                              'options': {'import_bucket': 'a\u0000bc'}},
                             400, 'malformed_body')
        response = self.post('/v1/clouds', {
            'name': 'aws-east', 'type': 'aws', 'region': 'us-east-1',
            'options': {'import_method': 'vm-import',
                        'import_bucket': 'image-imports',
                        'import_role_name': 'vmimport'}})
        self.assertEqual(201, response.status_int, response.text)

    def test_openstack_cloud(self):
        response = self.post('/v1/clouds', {
            'name': 'beta', 'type': 'openstack', 'region': 'RegionOne',
            'options': {'auth_url': 'https://keystone.example/v3',
                        'project_name': 'demo'}})
        self.assertEqual(201, response.status_int, response.text)
        self.assertEqual({'can_export': True, 'can_import': True,
                          'keeps_id': True}, response.json['capabilities'])

    def test_uuid_name(self):
        self._assert_refused({'name': '6f1b1b2e-8a3c-4c1e-9a51-3f0d9c0e2a11',
                              'type': 'local', 'options': {'path': 'x'}},
                             400, 'invalid_parameter')

    def test_reader_cannot_create(self):
        self._assert_refused({'name': 'x', 'type': 'local',
                              'options': {'path': 'x'}}, 403, 'forbidden',
                             headers=base.READER)

    def test_member_cannot_create_shared(self):
        self._assert_refused({'name': 'x', 'type': 'local', 'shared': True,
                              'options': {'path': 'x'}}, 403, 'forbidden')

    def test_members_local_cloud_is_confined_to_the_project(self):
        cloud = self.create_cloud('dev-a', options={'path': 'a/b'})
        self.assertEqual({'path': 'projects/project-a/a/b'},
                         cloud['options'])
        for path in ('../project-b/x', '..', '/etc', '.'):
            self._assert_refused_beside(
                {'name': 'x', 'type': 'local', 'options': {'path': path}},
                400, 'path_outside_root')

    def test_admin_places_a_local_cloud_anywhere_in_the_root(self):
        cloud = self.create_cloud('dev-s', headers=base.ADMIN, shared=True,
                                  options={'path': 'dev-s'})
        self.assertEqual({'path': 'dev-s'}, cloud['options'])

    def _assert_refused_beside(self, body, status, code, headers=None):
        before = [c.id for c in self.dbapi.list_clouds()]
        response = self.post('/v1/clouds', body, headers=headers)
        self.assertError(response, status, code)
        self.assertEqual(before, [c.id for c in self.dbapi.list_clouds()])

    def test_overlapping_local_clouds_are_refused(self):
        self.create_cloud('shared', headers=base.ADMIN, shared=True,
                          options={'path': 'pool/shared'})
        root = os.path.realpath(CONF.local_driver.root)
        os.makedirs(os.path.join(root, 'pool', 'shared'))
        os.symlink(os.path.join(root, 'pool', 'shared'),
                   os.path.join(root, 'alias'))
        # The same directory, one inside it, one holding it, a symlink.
        for path in ('pool/shared', 'pool/shared/sub', 'pool',
                     'pool/../pool/shared', 'alias', 'alias/x'):
            self._assert_refused_beside(
                {'name': 'x', 'type': 'local', 'options': {'path': path}},
                400, 'invalid_parameter', headers=base.ADMIN)
        # Nor may a shared cloud hold the projects' directories.
        self.create_cloud('mine', options={'path': 'mine'})
        self._assert_refused_beside(
            {'name': 'all', 'type': 'local', 'shared': True,
             'options': {'path': 'projects'}}, 400, 'invalid_parameter',
            headers=base.ADMIN)
        # A project's own clouds may not overlap either.
        self._assert_refused_beside(
            {'name': 'sub', 'type': 'local',
             'options': {'path': 'mine/sub'}}, 400, 'invalid_parameter')
        self.create_cloud('beside', options={'path': 'pool/shared-2'})

    def test_patch_cannot_make_clouds_overlap(self):
        self.create_cloud('dev-a')
        other = self.create_cloud('dev-b')
        response = self.patch('/v1/clouds/%s' % other['id'],
                              {'options': {'path': 'dev-a'}})
        self.assertError(response, 400, 'invalid_parameter')
        # Its own path is no overlap.
        response = self.patch('/v1/clouds/%s' % other['id'],
                              {'options': {'path': 'dev-b'}})
        self.assertEqual(200, response.status_int, response.text)

    def test_duplicate_name_is_409(self):
        self.create_cloud('dev-a')
        response = self.post('/v1/clouds', {'name': 'dev-a', 'type': 'local',
                                            'options': {'path': 'other'}})
        self.assertError(response, 409, 'duplicate_name')
        self.assertEqual(1, len(self.dbapi.list_clouds()))

    def test_same_name_in_two_projects(self):
        self.create_cloud('dev-a')
        self.create_cloud('dev-a', headers=base.OTHER)
        self.assertEqual(2, len(self.dbapi.list_clouds()))


class CloudVisibilityTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.own = self.create_cloud('own')
        self.shared = self.create_cloud('pub', headers=base.ADMIN,
                                        shared=True)
        self.foreign = self.create_cloud('theirs', headers=base.OTHER)

    def test_list_shows_own_and_shared(self):
        response = self.get('/v1/clouds', headers=base.READER)
        self.assertEqual(200, response.status_int)
        self.assertEqual(['own', 'pub'],
                         [c['name'] for c in response.json['clouds']])

    def test_get_by_name(self):
        response = self.get('/v1/clouds/own')
        self.assertEqual(self.own['id'], response.json['id'])

    def test_shared_cloud_readable_by_any_reader(self):
        response = self.get('/v1/clouds/%s' % self.shared['id'],
                            headers=base.READER)
        self.assertEqual(200, response.status_int)
        self.assertTrue(response.json['shared'])

    def test_other_projects_cloud_is_404(self):
        response = self.get('/v1/clouds/%s' % self.foreign['id'])
        self.assertError(response, 404, 'cloud_not_found')
        response = self.patch('/v1/clouds/%s' % self.foreign['id'],
                              {'region': 'x'})
        self.assertError(response, 404, 'cloud_not_found')
        response = self.delete('/v1/clouds/%s' % self.foreign['id'])
        self.assertError(response, 404, 'cloud_not_found')

    def test_admin_lists_all_projects(self):
        response = self.get('/v1/clouds?all_projects=true',
                            headers=base.ADMIN)
        self.assertEqual(3, len(response.json['clouds']))

    def test_member_cannot_list_all_projects(self):
        response = self.get('/v1/clouds?all_projects=true')
        self.assertError(response, 403, 'forbidden')

    def test_unknown_query_parameter(self):
        response = self.get('/v1/clouds?colour=red')
        self.assertError(response, 400, 'invalid_parameter')

    def test_member_cannot_change_shared_cloud(self):
        url = '/v1/clouds/%s' % self.shared['id']
        self.assertError(self.patch(url, {'region': 'x'}), 403, 'forbidden')
        self.assertError(self.delete(url), 403, 'forbidden')

    def test_admin_changes_shared_cloud(self):
        response = self.patch('/v1/clouds/%s' % self.shared['id'],
                              {'region': 'x'}, headers=base.ADMIN)
        self.assertEqual('x', response.json['region'])


class UpdateDeleteCloudTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.cloud = self.create_cloud('dev-a')
        self.url = '/v1/clouds/%s' % self.cloud['id']

    def test_patch(self):
        response = self.patch(self.url, {'name': 'dev-z', 'region': 'r2',
                                         'options': {'path': 'z'}})
        self.assertEqual(200, response.status_int, response.text)
        self.assertEqual('dev-z', response.json['name'])
        # A member's local cloud stays inside the project's directory.
        self.assertEqual({'path': 'projects/project-a/z'},
                         response.json['options'])

    def test_type_is_immutable(self):
        response = self.patch(self.url, {'type': 'local'})
        self.assertError(response, 400, 'schema_validation_failed')

    def test_patch_revalidates_options(self):
        response = self.patch(self.url, {'options': {'path': '../../etc'}})
        self.assertError(response, 400, 'path_outside_root')
        self.assertEqual(self.cloud['options'],
                         self.dbapi.get_cloud(self.cloud['id']).options)

    def test_reader_cannot_patch(self):
        response = self.patch(self.url, {'region': 'x'},
                              headers=base.READER)
        self.assertError(response, 403, 'forbidden')

    def test_delete(self):
        self.assertEqual(204, self.delete(self.url).status_int)
        self.assertEqual([], self.dbapi.list_clouds())

    def test_delete_in_use_is_409(self):
        self.create_image(targets=['dev-a'])
        self.assertError(self.delete(self.url), 409, 'cloud_in_use')
        self.assertEqual(1, len(self.dbapi.list_clouds()))

    def test_validate_asks_the_conductor(self):
        response = self.post(self.url + '/validate')
        self.assertEqual(200, response.status_int, response.text)
        self.assertEqual({'valid': True}, response.json)
        self.assertEqual([{'cloud_id': self.cloud['id'],
                           'credentials': None}],
                         self.rpcapi.called('validate_cloud'))

    def test_validate_refuses_a_body(self):
        response = self.post(self.url + '/validate', {'deep': True})
        self.assertError(response, 400, 'schema_validation_failed')
        self.assertEqual([], self.rpcapi.calls)
