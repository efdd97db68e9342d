"""``ciming.wsgi.api``: the WSGI application starts as the commands do."""

from unittest import mock

import fixtures
import testtools

from ciming.common import service
from ciming.wsgi import api as wsgi_api


class InitializeApplicationTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        patcher = mock.patch.object(wsgi_api, '_APPLICATION', None)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.prepare = self.useFixture(fixtures.MockPatchObject(
            service, 'prepare_service')).mock
        self.rpc_init = self.useFixture(fixtures.MockPatchObject(
            wsgi_api.rpc, 'init')).mock
        self.make_app = self.useFixture(fixtures.MockPatchObject(
            wsgi_api.api_app, 'make_app')).mock
        self.freeze = self.useFixture(fixtures.MockPatchObject(
            service, 'freeze_startup_objects')).mock
        self.useFixture(fixtures.EnvironmentVariable(wsgi_api.CONFIG_ENV))

    def test_prepares_the_service_as_every_command_then_rpc(self):
        calls = mock.Mock()
        calls.attach_mock(self.prepare, 'prepare_service')
        calls.attach_mock(self.rpc_init, 'init')
        calls.attach_mock(self.make_app, 'make_app')
        app = wsgi_api.initialize_application(['--config-file', 'a.conf'])
        self.assertIs(self.make_app.return_value, app)
        self.assertEqual([mock.call.prepare_service(['--config-file',
                                                     'a.conf']),
                          mock.call.init(), mock.call.make_app()],
                         calls.mock_calls)

    def test_freezes_what_start_up_built_once_the_app_is_made(self):
        calls = mock.Mock()
        calls.attach_mock(self.make_app, 'make_app')
        calls.attach_mock(self.freeze, 'freeze_startup_objects')
        wsgi_api.initialize_application([])
        wsgi_api.initialize_application([])
        self.assertEqual([mock.call.make_app(),
                          mock.call.freeze_startup_objects()],
                         calls.mock_calls)

    def test_keeps_only_config_options_of_the_server_arguments(self):
        self.useFixture(fixtures.EnvironmentVariable(
            wsgi_api.CONFIG_ENV, '/etc/ciming/ciming.conf, /etc/extra.conf'))
        wsgi_api.initialize_application(
            ['--bind', '0.0.0.0:9779', '--config-file=b.conf', '--workers',
             '2', '--config-dir', '/etc/ciming/conf.d'])
        self.prepare.assert_called_once_with(
            ['--config-file=b.conf', '--config-dir', '/etc/ciming/conf.d',
             '--config-file', '/etc/ciming/ciming.conf',
             '--config-file', '/etc/extra.conf'])

    def test_builds_the_application_once(self):
        first = wsgi_api.initialize_application([])
        self.assertIs(first, wsgi_api.initialize_application([]))
        self.prepare.assert_called_once_with([])
