"""How openstackclient's client manager becomes a CIMinG client."""

import argparse
from unittest import mock

import fixtures
import testtools

from ciming.client import exceptions
from ciming.osc import plugin
from ciming.osc import shell


class _Instance:
    """The parts of osc-lib's ClientManager make_client reads."""

    def __init__(self, config, endpoint=None):
        self._config = config
        self.session = mock.sentinel.session
        self.region_name = 'RegionTwo'
        self.interface = 'internal'
        self.verify = True
        self.endpoint = endpoint
        self.asked = []

    def get_configuration(self):
        return dict(self._config)

    def get_endpoint_for_service_type(self, service_type, **kwargs):
        self.asked.append((service_type, kwargs))
        return self.endpoint


class MakeClientTest(testtools.TestCase):

    def test_auth_type_none_is_noauth_with_the_endpoint(self):
        client = plugin.make_client(_Instance({
            'auth_type': 'none', 'auth': {'endpoint': 'http://aio:9779'},
            'ciming_project_id': 'p1', 'ciming_roles': 'admin'}))
        self.assertTrue(client.noauth)
        self.assertEqual('http://aio:9779', client.endpoint)
        self.assertEqual({'X-Project-Id': 'p1', 'X-Roles': 'admin'},
                         client.http.adapter.additional_headers)

    def test_noauth_defaults_to_the_demo_project(self):
        client = plugin.make_client(_Instance({
            'auth_type': 'none', 'auth': {'endpoint': 'http://aio:9779'}}))
        self.assertEqual('demo', client.project_id)

    def test_keystone_uses_the_session_and_the_catalog(self):
        instance = _Instance({'auth_type': 'password',
                              'ciming_microversion': '1.0'},
                             endpoint='http://ciming:9779/v1')
        client = plugin.make_client(instance)
        self.assertFalse(client.noauth)
        self.assertIs(mock.sentinel.session, client.session)
        self.assertEqual([('cloud-image-manager',
                           {'region_name': 'RegionTwo',
                            'interface': 'internal'})], instance.asked)
        self.assertEqual('http://ciming:9779', client.endpoint)
        self.assertEqual({}, client.http.adapter.additional_headers)

    def test_global_options(self):
        for name in ('OS_CIMING_PROJECT_ID', 'OS_CIMING_API_VERSION',
                     'OS_CIMING_MICROVERSION'):
            self.useFixture(fixtures.EnvironmentVariable(name))
        parser = plugin.build_option_parser(argparse.ArgumentParser())
        options = parser.parse_args(['--os-ciming-project-id', 'p'])
        self.assertEqual(('p', '1', 'latest'), (
            options.os_ciming_project_id, options.os_ciming_api_version,
            options.os_ciming_microversion))


class StandaloneClientTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        for name in ('OS_AUTH_URL', 'OS_AUTH_TYPE', 'CIMING_ENDPOINT',
                     'CIMING_PROJECT_ID'):
            self.useFixture(fixtures.EnvironmentVariable(name))

    def options(self, *argv):
        app = shell.CimingApp(list(argv))
        return app.parser.parse_known_args(list(argv))[0]

    def test_endpoint_alone_is_noauth(self):
        client = shell.make_client(self.options(
            '--endpoint', 'http://aio:9779', '--project-id', 'p'))
        self.assertTrue(client.noauth)
        self.assertEqual('p', client.project_id)

    def test_keystone_options_make_a_session(self):
        client = shell.make_client(self.options(
            '--os-auth-type', 'password', '--os-auth-url',
            'http://ks:5000/v3', '--os-username', 'u', '--os-password',
            'p', '--os-project-name', 'x', '--endpoint',
            'http://ciming:9779'))
        self.assertFalse(client.noauth)
        self.assertEqual('http://ks:5000/v3',
                         client.session.auth.auth_url)
        self.assertEqual('http://ciming:9779', client.endpoint)

    def test_no_endpoint_and_no_keystone_is_a_clear_error(self):
        exc = self.assertRaises(exceptions.ClientException,
                                shell.make_client, self.options())
        self.assertIn('--endpoint', str(exc))

    def test_commands_are_the_plugin_commands_without_prefix(self):
        manager = shell.CommandManager(shell.NAMESPACE)
        names = set(name for name, _ep in manager)
        self.assertIn('image availability', names)
        self.assertIn('cloud image list', names)
        self.assertFalse([n for n in names if n.startswith('ciming')])
