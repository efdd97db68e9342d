"""How openstackclient's client manager becomes a CIMinG client."""

import argparse
import io
import os
from unittest import mock

import fixtures
from osc_lib import exceptions as osc_exceptions
import testtools
import yaml

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
        instance = _Instance({'auth_type': 'password'},
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
        for name in ('OS_CIMING_PROJECT_ID', 'OS_CIMING_API_VERSION'):
            self.useFixture(fixtures.EnvironmentVariable(name))
        parser = plugin.build_option_parser(argparse.ArgumentParser())
        options = parser.parse_args(['--os-ciming-project-id', 'p'])
        self.assertEqual(('p', None), (options.os_ciming_project_id,
                                       options.os_ciming_api_version))
        # One option sets the version: no second one for microversions.
        self.assertRaises(SystemExit, parser.parse_args,
                          ['--os-ciming-microversion', '1.0'])

    def test_api_version_is_1_or_a_microversion(self):
        self.assertTrue(plugin.check_api_version('1'))
        self.assertTrue(plugin.check_api_version('1.1'))
        self.assertRaises(osc_exceptions.CommandError,
                          plugin.check_api_version, 'latest')
        self.assertRaises(exceptions.VersionNotSupported,
                          plugin.check_api_version, 'one')

    def test_the_asked_version_reaches_the_client(self):
        instance = _Instance({'auth_type': 'none',
                              'auth': {'endpoint': 'http://aio:9779'}})
        instance._api_version = {'ciming': '1.1'}
        client = plugin.make_client(instance)
        self.assertEqual('1.1', client.http._asked_version)


class StandaloneShellTest(testtools.TestCase):
    """``ciming`` reads its options and clouds.yaml as ``openstack``."""

    def setUp(self):
        super().setUp()
        for name in ('OS_AUTH_URL', 'OS_AUTH_TYPE', 'OS_CLOUD',
                     'OS_PASSWORD', 'OS_USERNAME', 'OS_PROJECT_NAME',
                     'OS_ENDPOINT', 'CIMING_ENDPOINT',
                     'OS_CIMING_API_VERSION'):
            self.useFixture(fixtures.EnvironmentVariable(name))
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_CLIENT_CONFIG_FILE', os.path.join(self.dir, 'clouds.yaml')))
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_CLIENT_SECURE_FILE', os.path.join(self.dir, 'secure.yaml')))
        with open(os.path.join(self.dir, 'clouds.yaml'), 'w') as out:
            yaml.safe_dump({'clouds': {'lab': {
                'auth_type': 'password', 'region_name': 'RegionTwo',
                'ciming_api_version': '1.1',
                'auth': {'auth_url': 'http://ks.example:5000/v3',
                         'username': 'u', 'project_name': 'p',
                         'user_domain_name': 'Default',
                         'project_domain_name': 'Default'}},
                # Two clouds: neither is the default one.
                'other': {'auth_type': 'none'}}}, out)
        with open(os.path.join(self.dir, 'secure.yaml'), 'w') as out:
            yaml.safe_dump({'clouds': {'lab': {
                'auth': {'password': 'from-secure-yaml'}}}}, out)

    def initialized(self, *argv, prepare=False):
        """The shell after reading its options and clouds.yaml."""
        app = shell.CimingShell(stdout=io.StringIO(), stderr=io.StringIO())
        app.options, remainder = app.parser.parse_known_args(list(argv))
        app.configure_logging()
        app.initialize_app(remainder)
        if prepare:
            # What cliff does before a command that needs auth (with a
            # password it asks Keystone, hence only without).
            app.prepare_to_run_command(mock.Mock(auth_required=True,
                                                 required_scope=False))
        return app

    def test_os_cloud_takes_the_password_from_secure_yaml(self):
        app = self.initialized('--os-cloud', 'lab', 'image', 'list')
        config = app.client_manager.get_configuration()
        self.assertEqual('from-secure-yaml', config['auth']['password'])
        self.assertEqual('RegionTwo', app.client_manager.region_name)

    def test_os_cloud_variable_works_as_the_option(self):
        self.useFixture(fixtures.EnvironmentVariable('OS_CLOUD', 'lab'))
        app = self.initialized('image', 'list')
        self.assertEqual('u', app.client_manager.get_configuration()[
            'auth']['username'])

    def test_api_version_from_clouds_yaml_then_the_option(self):
        self.assertEqual({'ciming': '1.1'}, self.initialized(
            '--os-cloud', 'lab', 'image', 'list').api_version)
        self.assertEqual({'ciming': '1.0'}, self.initialized(
            '--os-cloud', 'lab', '--os-ciming-api-version', '1.0', 'image',
            'list').api_version)

    def test_endpoint_alone_is_noauth(self):
        app = self.initialized('--endpoint', 'http://aio:9779',
                               '--os-ciming-project-id', 'p', 'image',
                               'list', prepare=True)
        client = plugin.make_client(app.client_manager)
        self.assertTrue(client.noauth)
        self.assertEqual(('p', 'http://aio:9779'),
                         (client.project_id, client.endpoint))

    def test_commands_are_the_plugin_commands_without_prefix(self):
        manager = shell.CommandManager(shell.NAMESPACE)
        names = set(name for name, _ep in manager)
        self.assertIn('image availability', names)
        self.assertIn('image set', names)
        self.assertIn('cloud image list', names)
        self.assertFalse([n for n in names if n.startswith('ciming')])
