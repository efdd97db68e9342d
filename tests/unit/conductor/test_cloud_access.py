"""ciming.conductor.cloud_access: the credentials and driver of a cloud."""

from unittest import mock

from ciming.common import context as ciming_context
from ciming.common import exception
from ciming.conductor import cloud_access
from ciming.drivers import glance
from tests.unit import base

KEYSTONE = 'http://keystone.example:5000/v3'


def cloud(name='alpha', cloud_type='openstack', **options):
    return {'id': 'id-' + name, 'name': name, 'type': cloud_type,
            'region': 'RegionOne', 'options': options,
            'credential_ref': None}


class ForCloudTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.token_context = ciming_context.RequestContext(
            project_id='project-a', user_id='user-a', roles=['member'],
            auth_token='tok-123')

    def test_supplied_by_id(self):
        given = {'username': 'u', 'password': 'p'}
        result = cloud_access.credentials_for(self.context, cloud(),
                                              {'id-alpha': given})
        self.assertEqual(given, result)
        result['password'] = 'changed'
        self.assertEqual('p', given['password'])  # a copy

    def test_supplied_by_name(self):
        self.assertEqual({'token': 't'}, cloud_access.credentials_for(
            self.context, cloud(), {'alpha': {'token': 't'}}))

    def test_id_wins_over_name(self):
        self.assertEqual({'token': 'by-id'}, cloud_access.credentials_for(
            self.context, cloud(), {'alpha': {'token': 'by-name'},
                                    'id-alpha': {'token': 'by-id'}}))

    def test_other_clouds_credentials_are_not_used(self):
        foreign = cloud(auth_url=KEYSTONE)
        self.assertIsNone(cloud_access.credentials_for(
            self.context, foreign, {'beta': {'token': 't'},
                                    'id-beta': {'token': 't'}}))

    def test_foreign_cloud_without_credentials(self):
        foreign = cloud(auth_url=KEYSTONE)
        self.assertFalse(cloud_access.is_home_cloud(foreign))
        for supplied in (None, {}):
            self.assertIsNone(cloud_access.credentials_for(
                self.token_context, foreign, supplied))

    def test_home_cloud_uses_the_callers_token(self):
        self.config(auth_url=KEYSTONE, group='keystone')
        home = cloud()
        self.assertTrue(cloud_access.is_home_cloud(home))
        self.assertEqual({'auth_type': 'token', 'auth_url': KEYSTONE,
                          'token': 'tok-123', 'project_id': 'project-a'},
                         cloud_access.credentials_for(self.token_context,
                                                      home, None))

    def test_supplied_credentials_win_on_a_home_cloud(self):
        self.config(auth_url=KEYSTONE, group='keystone')
        self.assertEqual({'token': 'other'}, cloud_access.credentials_for(
            self.token_context, cloud(), {'alpha': {'token': 'other'}}))

    def test_home_cloud_without_a_token(self):
        self.config(auth_url=KEYSTONE, group='keystone')
        error = self.assertRaises(exception.CredentialsRequired,
                                  cloud_access.credentials_for, self.context,
                                  cloud(), None)
        self.assertIn('alpha', error.message)
        self.assertEqual(400, error.status)

    def test_home_cloud_without_keystone_auth_url(self):
        self.assertRaises(exception.CredentialsRequired,
                          cloud_access.credentials_for, self.token_context,
                          cloud(), {})

    def test_local_cloud_needs_nothing(self):
        local = cloud('dev-a', 'local', path='dev-a')
        self.assertFalse(cloud_access.is_home_cloud(local))
        self.assertIsNone(cloud_access.credentials_for(self.context, local,
                                                       None))
        self.assertIsNone(cloud_access.credentials_for(self.token_context,
                                                       local, {}))

    def test_local_cloud_with_supplied_credentials(self):
        local = cloud('dev-a', 'local', path='dev-a')
        self.assertEqual({'x': 'y'}, cloud_access.credentials_for(
            self.context, local, {'dev-a': {'x': 'y'}}))


class GetDriverTestCase(base.TestCase):
    """CloudAccess.driver: built from the record and its credentials."""

    def test_home_openstack_cloud_gets_a_token(self):
        self.config(auth_url=KEYSTONE, group='keystone')
        record = self.dbapi.create_cloud({
            'name': 'alpha', 'type': 'openstack', 'region': 'RegionTwo',
            'project_id': 'project-a', 'options': {}})
        context = ciming_context.RequestContext(
            project_id='project-a', auth_token='tok-9')
        driver = cloud_access.CloudAccess(context).driver(record.id)
        self.assertIsInstance(driver, glance.GlanceDriver)
        self.assertEqual('tok-9', driver.credentials['token'])
        self.assertEqual('RegionTwo', driver.cloud['region'])

    def test_local_cloud_gets_the_supplied_ones(self):
        record = self.create_local_cloud('dev-a')
        driver = cloud_access.CloudAccess(
            self.context, {record.id: {'k': 'v'}}).driver(record.id)
        self.assertEqual({'k': 'v'}, driver.credentials)
        driver = cloud_access.CloudAccess(self.context).driver(record.id)
        self.assertIsNone(driver.credentials)


class SharedIdentityTestCase(base.TestCase):
    """Which clouds every project reaches as one identity."""

    def test_shared_cloud_with_its_stored_credentials(self):
        pool = dict(cloud('pool', 'openstack', auth_url='http://k/v3'),
                    shared=True, credential_ref='http://barbican/s')
        self.assertTrue(cloud_access.is_shared_identity(pool, None))
        self.assertTrue(cloud_access.is_shared_identity(pool, {}))
        # The caller's own credentials: Glance tells projects apart.
        self.assertFalse(cloud_access.is_shared_identity(
            pool, {pool['id']: {'token': 't'}}))
        self.assertFalse(cloud_access.is_shared_identity(
            pool, {'pool': {'token': 't'}}))

    def test_home_and_unshared_clouds(self):
        home = dict(cloud(), shared=True)
        self.assertFalse(cloud_access.is_shared_identity(home, None))
        mine = dict(cloud('beta', 'openstack', auth_url='http://k/v3'),
                    shared=False, credential_ref='http://barbican/s')
        self.assertFalse(cloud_access.is_shared_identity(mine, None))

    def test_a_secret_read_once_is_not_taken_for_the_callers(self):
        pool = dict(cloud('pool', 'openstack', auth_url='http://k/v3'),
                    shared=True, credential_ref='http://barbican/s')
        supplied = {}
        with mock.patch.object(cloud_access, 'read_stored_credentials',
                               return_value={'token': 'svc'}) as read:
            for _ in range(2):
                self.assertEqual({'token': 'svc'},
                                 cloud_access.credentials_for(
                                     self.context, pool, supplied))
        read.assert_called_once()
        self.assertTrue(cloud_access.is_shared_identity(pool, supplied))

    def test_a_jobs_home_regions_share_one_trust_plugin(self):
        context = ciming_context.RequestContext(project_id='project-a')
        context.trust_id = 'trust-1'
        with mock.patch.object(cloud_access.keystone, 'trust_auth',
                               side_effect=lambda t: object()) as make:
            first = cloud_access.credentials_for(context, cloud(), None)
            again = cloud_access.credentials_for(context, cloud('beta'),
                                                 None)
            context.trust_id = 'trust-2'
            other = cloud_access.credentials_for(context, cloud(), None)
        self.assertIs(first['auth_plugin'], again['auth_plugin'])
        self.assertIsNot(first['auth_plugin'], other['auth_plugin'])
        self.assertEqual([mock.call('trust-1'), mock.call('trust-2')],
                         make.call_args_list)
