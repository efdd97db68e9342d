"""The Glance driver without a network: options, properties, mapping.

Real Keystone and Glance are exercised by the functional tests; here the
glanceclient is a mock wherever the driver would reach a cloud.
"""

from unittest import mock

from glanceclient import exc as glance_exc
from keystoneauth1 import exceptions as ks_exc

from ciming.common import exception
from ciming.drivers import base as driver_base
from ciming.drivers import glance
from tests.unit import base

SHA = 'ab' * 64
GLANCE_IMAGE = {
    'id': 'g-1', 'name': 'cirros', 'status': 'active',
    'visibility': 'private', 'protected': False, 'checksum': 'c' * 32,
    'os_hash_algo': 'sha512', 'os_hash_value': SHA, 'owner': 'p1',
    'size': 1024, 'virtual_size': None, 'min_ram': 0, 'min_disk': 0,
    'disk_format': 'qcow2', 'container_format': 'bare',
    'created_at': '2026-01-01T00:00:00Z',
    'updated_at': '2026-01-01T00:00:00Z', 'tags': ['t'],
    'self': '/v2/images/g-1', 'file': '/v2/images/g-1/file',
    'schema': '/v2/schemas/image', 'os_hidden': False, 'stores': 'file',
    'hw_disk_bus': 'scsi', 'os_distro': 'cirros',
    'owner_specified.openstack.md5': 'x', 'ciming_image_id': 'ours',
}


class ValidateOptionsTestCase(base.TestCase):

    def test_valid_options(self):
        for options in ({}, {'auth_url': 'http://keystone:5000/v3'},
                        {'auth_url': 'https://keystone.example/identity',
                         'interface': 'internal', 'project_name': 'p',
                         'project_domain_name': 'Default',
                         'user_domain_name': 'Default', 'verify': False},
                        {'interface': 'admin', 'endpoint_override':
                         'http://glance:9292'}):
            # Valid options are taken as they are: nothing raised,
            # nothing answered.
            self.assertIsNone(glance.GlanceDriver.validate_options(options))

    def test_unknown_option(self):
        error = self.assertRaises(
            exception.InvalidParameterValue,
            glance.GlanceDriver.validate_options,
            {'auth_url': 'http://k/v3', 'password': 'p', 'path': 'x'})
        self.assertIn('password, path', error.message)
        self.assertEqual(400, error.status)

    def test_bad_auth_url(self):
        for auth_url in ('ftp://keystone/v3', 'keystone:5000', 'not a url',
                         '', 42, ['http://k/v3'], 'file:///etc/passwd'):
            error = self.assertRaises(exception.InvalidParameterValue,
                                      glance.GlanceDriver.validate_options,
                                      {'auth_url': auth_url})
            self.assertIn('auth_url', error.message)

    def test_bad_interface(self):
        for interface in ('private', 'PUBLIC', '', None, 1):
            error = self.assertRaises(exception.InvalidParameterValue,
                                      glance.GlanceDriver.validate_options,
                                      {'interface': interface})
            self.assertIn('interface', error.message)


class CarriedPropertiesTestCase(base.TestCase):

    def test_default_allow_list(self):
        properties = {
            'hw_disk_bus': 'scsi', 'hw_firmware_type': 'uefi',
            'os_distro': 'ubuntu', 'os_type': 'linux', 'os_version': '24',
            'os_secure_boot': 'required', 'architecture': 'x86_64',
            'img_config_drive': 'mandatory', 'trait:CUSTOM_X': 'required',
            'owner_specified.openstack.md5': 'x',
            'owner_specified.openstack.sha256': 'y',
            'ciming_image_id': 'theirs', 'description': 'mine',
            'os_hash_value': SHA, 'HW_DISK_BUS': 'ide', 'xhw_x': 'z',
        }
        self.assertEqual(
            {'hw_disk_bus': 'scsi', 'hw_firmware_type': 'uefi',
             'os_distro': 'ubuntu', 'os_type': 'linux', 'os_version': '24',
             'os_secure_boot': 'required', 'architecture': 'x86_64',
             'img_config_drive': 'mandatory',
             'trait:CUSTOM_X': 'required'},
            glance._carried(properties))

    def test_configured_patterns(self):
        self.config(carried_properties=['hw_*', 'owner_specified.*'],
                    group='glance')
        self.assertEqual({'hw_a': 1, 'owner_specified.openstack.md5': 2},
                         glance._carried({'hw_a': 1, 'os_distro': 'x',
                                          'owner_specified.openstack.md5': 2}))

    def test_nothing_carried(self):
        self.config(carried_properties=[], group='glance')
        self.assertEqual({}, glance._carried({'hw_a': 1}))
        self.assertEqual({}, glance._carried({}))


class NormalizeTestCase(base.TestCase):

    def test_core_fields_and_properties(self):
        remote = glance.GlanceDriver._normalize(GLANCE_IMAGE)
        self.assertIsInstance(remote, driver_base.RemoteImage)
        self.assertEqual(driver_base.RemoteImage(
            remote_id='g-1', name='cirros', disk_format='qcow2',
            container_format='bare', size=1024, checksum='c' * 32,
            os_hash_algo='sha512', os_hash_value=SHA, status='active',
            visibility='private',
            properties={'hw_disk_bus': 'scsi', 'os_distro': 'cirros',
                        'owner_specified.openstack.md5': 'x',
                        'ciming_image_id': 'ours'},
            tags=['t'], protected=False, min_disk=0, min_ram=0), remote)

    def test_sparse_image(self):
        remote = glance.GlanceDriver._normalize({'id': 'g-2',
                                                 'status': 'queued'})
        self.assertEqual(('g-2', 'queued', None, None, {}),
                         (remote.remote_id, remote.status, remote.size,
                          remote.os_hash_value, remote.properties))

    def test_to_dict_is_what_travels(self):
        remote = glance.GlanceDriver._normalize(GLANCE_IMAGE).to_dict()
        self.assertEqual('g-1', remote['remote_id'])
        self.assertNotIn('owner', remote)
        self.assertNotIn('owner', remote['properties'])


class DriverWithMockClientTestCase(base.TestCase):
    """The driver's calls, with glanceclient replaced by a mock."""

    def setUp(self):
        super().setUp()
        self.driver = glance.GlanceDriver(
            {'id': 'c1', 'name': 'beta', 'type': 'openstack',
             'region': 'RegionOne',
             'options': {'auth_url': 'http://keystone.example/v3',
                         'project_name': 'demo',
                         'project_domain_name': 'Default',
                         'user_domain_name': 'Default'}},
            credentials={'username': 'u', 'password': 'p'})
        self.client = mock.Mock()
        self.driver._glance = self.client

    def _meta(self, **properties):
        return driver_base.RemoteImage(
            remote_id='ours', name='img', disk_format='raw',
            container_format='bare', properties=properties)

    def test_auth_merges_options_and_credentials(self):
        plugin = self.driver._auth()
        self.assertEqual('http://keystone.example/v3', plugin.auth_url)
        # keystoneauth keeps them private; this is its generic Password.
        self.assertEqual(('demo', 'Default', 'Default', 'u', 'p'),
                         (plugin._project_name, plugin._project_domain_name,
                          plugin._user_domain_name, plugin._username,
                          plugin._password))

    def test_auth_with_a_token(self):
        self.driver.credentials = {'auth_type': 'token', 'token': 'tok',
                                   'auth_url': 'http://home/v3',
                                   'project_id': 'p-1'}
        plugin = self.driver._auth()
        self.assertEqual(('tok', 'p-1'),
                         (plugin._token, plugin._project_id))
        # The credentials' own values win over the record's options.
        self.assertEqual('http://home/v3', plugin.auth_url)

    def test_auth_without_credentials(self):
        self.driver.credentials = None
        error = self.assertRaises(exception.CredentialsRequired,
                                  self.driver._auth)
        self.assertIn('beta', error.message)

    def test_auth_unknown_type(self):
        self.driver.credentials = {'auth_type': 'kerberos-ish'}
        self.assertRaises(exception.InvalidParameterValue,
                          self.driver._auth)

    def test_prepare_creates_under_our_id_with_carried_properties(self):
        self.client.images.get.side_effect = glance_exc.HTTPNotFound()
        self.client.images.list.return_value = iter([])
        self.client.images.create.return_value = {'id': 'ours'}
        meta = self._meta(hw_disk_bus='scsi', description='no',
                          **{'owner_specified.openstack.md5': 'x'})
        self.assertEqual('ours', self.driver.prepare_import('ours', meta))
        self.client.images.create.assert_called_once_with(
            id='ours', name='img', disk_format='raw',
            container_format='bare', ciming_image_id='ours',
            hw_disk_bus='scsi')

    def test_prepare_with_taken_id_gets_a_new_one(self):
        self.client.images.get.side_effect = glance_exc.HTTPNotFound()
        self.client.images.list.return_value = iter([])
        self.client.images.create.side_effect = [
            glance_exc.Conflict(), {'id': 'new-id'}]
        self.assertEqual('new-id',
                         self.driver.prepare_import('ours', self._meta()))
        second = self.client.images.create.call_args_list[1]
        self.assertNotIn('id', second.kwargs)
        self.assertEqual('ours', second.kwargs['ciming_image_id'])

    def test_prepare_reuses_our_queued_record(self):
        self.client.images.list.return_value = iter([{
            'id': 'ours', 'status': 'queued', 'ciming_image_id': 'ours'}])
        self.assertEqual('ours',
                         self.driver.prepare_import('ours', self._meta()))
        self.client.images.create.assert_not_called()

    def test_prepare_looks_for_our_record_with_one_listing(self):
        self.client.images.list.return_value = iter([])
        self.client.images.create.return_value = {'id': 'ours'}
        self.driver.prepare_import('ours', self._meta())
        self.client.images.get.assert_not_called()
        self.client.images.list.assert_called_once_with(
            filters={'ciming_image_id': 'ours'}, page_size=2)

    def test_prepare_restarts_a_record_that_has_data(self):
        self.client.images.list.return_value = iter([{
            'id': 'new-id', 'status': 'active', 'ciming_image_id': 'ours'}])
        self.client.images.create.return_value = {'id': 'ours'}
        self.driver.prepare_import('ours', self._meta())
        self.client.images.delete.assert_called_once_with('new-id')

    def test_find_by_hash_asks_for_active_images(self):
        self.client.images.list.return_value = iter([GLANCE_IMAGE])
        found = self.driver.find_by_hash(SHA)
        self.assertEqual(['g-1'], [r.remote_id for r in found])
        self.assertEqual({'os_hash_value': SHA, 'status': 'active'},
                         self.client.images.list.call_args.kwargs['filters'])

    def test_get_image_not_found(self):
        self.client.images.get.side_effect = glance_exc.HTTPNotFound()
        self.assertRaises(exception.RemoteImageNotFound,
                          self.driver.get_image, 'g-9')

    def test_errors_become_ciming_errors(self):
        for raised, expected in (
                (glance_exc.Unauthorized(), exception.CloudAuthFailed),
                (ks_exc.Unauthorized(), exception.CloudAuthFailed),
                (ks_exc.EndpointNotFound(), exception.DriverError),
                (ks_exc.ConnectFailure(), exception.DriverError),
                (glance_exc.HTTPInternalServerError(),
                 exception.DriverError)):
            self.client.images.get.side_effect = raised
            error = self.assertRaises(expected, self.driver.get_image, 'g')
            self.assertIn('beta', error.message)

    def test_finalize_compares_size_and_hashes(self):
        self.config(poll_interval=0.05, group='glance')
        self.client.images.get.side_effect = [
            {'id': 'ours', 'status': 'saving'},
            dict(GLANCE_IMAGE, id='ours', os_hash_value='00' * 64)]
        expected = driver_base.RemoteImage(remote_id='ours', size=1024,
                                           os_hash_value=SHA)
        error = self.assertRaises(exception.DriverError,
                                  self.driver.finalize_import, 'ours',
                                  expected)
        self.assertIn('os_hash_value', error.message)

    def test_status_checks_wait_longer_and_longer_up_to_a_cap(self):
        self.config(poll_interval=1.0, group='glance')
        self.client.images.get.side_effect = [
            {'id': 'ours', 'status': 'saving'}] * 8 + [
            dict(GLANCE_IMAGE, id='ours')]
        expected = driver_base.RemoteImage(remote_id='ours', size=1024,
                                           os_hash_value=SHA)
        with mock.patch.object(glance.time, 'sleep') as sleep:
            self.driver.finalize_import('ours', expected)
        self.assertEqual([0.25, 0.375, 0.5625, 0.84375, 1.0, 1.0, 1.0,
                          1.0],
                         [c.args[0] for c in sleep.call_args_list])

    def test_an_active_image_is_not_waited_for(self):
        self.client.images.get.return_value = dict(GLANCE_IMAGE, id='ours')
        expected = driver_base.RemoteImage(remote_id='ours', size=1024,
                                           os_hash_value=SHA)
        with mock.patch.object(glance.time, 'sleep') as sleep:
            self.driver.finalize_import('ours', expected)
        sleep.assert_not_called()
        self.client.images.get.assert_called_once_with('ours')

    def test_finalize_killed(self):
        self.client.images.get.return_value = {'id': 'ours',
                                               'status': 'killed'}
        self.assertRaises(exception.DriverError, self.driver.finalize_import,
                          'ours', driver_base.RemoteImage(remote_id='ours'))

    def test_delete_of_a_gone_image_is_fine(self):
        self.client.images.delete.side_effect = glance_exc.HTTPNotFound()
        self.assertIsNone(self.driver.delete('g-1'))
        self.client.images.delete.assert_called_once_with('g-1')


class SharedIdentityTestCase(base.TestCase):
    """A shared cloud reached as one identity keeps projects apart.

    Its stored credentials are the same for every project, so the driver
    shows and deletes only each project's own images.
    """

    def setUp(self):
        super().setUp()
        self.record = {'id': 'c1', 'name': 'pool', 'type': 'openstack',
                       'region': 'RegionOne', 'project_id': 'operator',
                       'shared': True, 'shared_identity': True,
                       'options': {'auth_url': 'http://keystone/v3'}}
        self.driver = glance.GlanceDriver(
            self.record, credentials={'username': 'svc', 'password': 'p'},
            project_id='project-b')
        self.client = mock.Mock()
        self.driver._glance = self.client
        self.theirs = dict(GLANCE_IMAGE, id='g-a', ciming_project_id='a')
        self.mine = dict(GLANCE_IMAGE, id='g-b', ciming_project_id='project-b')
        self.public = dict(GLANCE_IMAGE, id='g-p', visibility='public')

    def test_lists_only_own_and_public_images(self):
        self.client.images.list.return_value = iter(
            [self.theirs, self.mine, self.public])
        self.assertEqual(['g-b', 'g-p'],
                         [i.remote_id for i in self.driver.list_images()])

    def test_another_projects_image_is_not_found(self):
        self.client.images.get.return_value = self.theirs
        self.assertRaises(exception.RemoteImageNotFound,
                          self.driver.get_image, 'g-a')
        self.assertRaises(exception.RemoteImageNotFound,
                          self.driver.open_export, 'g-a')
        self.client.images.data.assert_not_called()

    def test_delete_leaves_what_is_not_ours(self):
        for image in (self.theirs, self.public):
            self.client.images.get.return_value = image
            self.driver.delete(image['id'])
        self.client.images.delete.assert_not_called()
        self.client.images.get.return_value = self.mine
        self.driver.delete('g-b')
        self.client.images.delete.assert_called_once_with('g-b')

    def test_created_images_name_their_project(self):
        self.client.images.get.side_effect = glance_exc.HTTPNotFound()
        self.client.images.list.return_value = iter([])
        self.client.images.create.return_value = {'id': 'ours'}
        self.driver.prepare_import('ours', driver_base.RemoteImage(
            remote_id='ours', name='img', disk_format='raw',
            container_format='bare'))
        self.assertEqual({'ciming_image_id': 'ours',
                          'ciming_project_id': 'project-b'},
                         self.client.images.list.call_args.kwargs['filters'])
        self.assertEqual(
            'project-b',
            self.client.images.create.call_args.kwargs['ciming_project_id'])

    def test_own_identity_leaves_it_to_glance(self):
        self.record['shared_identity'] = False
        self.client.images.get.return_value = self.theirs
        self.assertEqual('g-a', self.driver.get_image('g-a').remote_id)
