"""Keystone requests a job costs: what is asked once, what is reused."""

from unittest import mock

from keystoneauth1 import exceptions as ks_exc

from ciming.common import exception
from ciming.common import keystone
from tests.unit import base


class ServiceUserTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.addCleanup(keystone._service_user.clear)
        keystone._service_user.clear()

    def test_service_user_id_is_asked_once(self):
        session = mock.Mock()
        session.get_user_id.return_value = 'service-user'
        with mock.patch.object(keystone, 'service_session',
                               return_value=session) as made:
            self.assertEqual('service-user', keystone.service_user_id())
            self.assertEqual('service-user', keystone.service_user_id())
        made.assert_called_once_with()
        session.get_user_id.assert_called_once_with()

    def test_a_failed_lookup_is_not_remembered(self):
        session = mock.Mock()
        session.get_user_id.side_effect = [
            ks_exc.ConnectFailure(), 'service-user']
        with mock.patch.object(keystone, 'service_session',
                               return_value=session):
            self.assertRaises(exception.ServiceUnavailable,
                              keystone.service_user_id)
            self.assertEqual('service-user', keystone.service_user_id())


class DeleteTrustTestCase(base.TestCase):

    def test_with_the_held_plugin_no_new_session_is_made(self):
        plugin = mock.Mock()
        with mock.patch.object(keystone, 'trust_session') as fresh, \
                mock.patch.object(keystone.ks_session, 'Session') as made:
            self.assertTrue(keystone.delete_trust('trust-1', auth=plugin))
        fresh.assert_not_called()
        self.assertIs(plugin, made.call_args.kwargs['auth'])
        self.assertIs(keystone.DISCOVERY_CACHE,
                      made.call_args.kwargs['discovery_cache'])
        made.return_value.delete.assert_called_once_with(
            '/OS-TRUST/trusts/trust-1', endpoint_override=mock.ANY)

    def test_without_it_the_trust_authenticates(self):
        with mock.patch.object(keystone, 'trust_session') as fresh:
            self.assertTrue(keystone.delete_trust('trust-1'))
        fresh.assert_called_once_with('trust-1')

    def test_gone_already_is_fine(self):
        session = mock.Mock()
        session.delete.side_effect = ks_exc.NotFound()
        with mock.patch.object(keystone.ks_session, 'Session',
                               return_value=session):
            self.assertTrue(keystone.delete_trust('trust-1',
                                                  auth=mock.Mock()))


class DiscoveryCacheTestCase(base.TestCase):

    def test_sessions_of_the_process_share_one_discovery_cache(self):
        self.config(auth_url='http://keystone.example:5000',
                    group='keystone')
        self.config(auth_type='password', group='service_user')
        with mock.patch.object(keystone.ks_loading,
                               'load_auth_from_conf_options'):
            sessions = [keystone.trust_session('trust-1'),
                        keystone.trust_session('trust-2'),
                        keystone.service_session()]
        for session in sessions:
            self.assertIs(keystone.DISCOVERY_CACHE, session._discovery_cache)
