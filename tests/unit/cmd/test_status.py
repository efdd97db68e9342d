"""``ciming-status upgrade check``: each check's success and failure."""

import io
import os
from unittest import mock

import fixtures
from oslo_upgradecheck import upgradecheck
import stevedore

from ciming.cmd import status
from ciming.common import keystone
from ciming.common import rpc
from ciming.db.sqlalchemy import migration
from ciming.drivers import factory
from tests.unit import base

Code = upgradecheck.Code


class DatabaseCheckTest(base.TestCase):

    def test_schema_at_head_succeeds(self):
        result = status.Checks()._check_database()
        self.assertEqual(Code.SUCCESS, result.code, result.details)
        self.assertIn(migration.head(), result.details)

    def test_schema_behind_head_fails_and_says_db_sync(self):
        with mock.patch.object(migration, 'version', return_value='0ld'):
            result = status.Checks()._check_database()
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('0ld', result.details)
        self.assertIn('ciming-manage db sync', result.details)

    def test_empty_database_fails(self):
        with mock.patch.object(migration, 'version', return_value=None):
            result = status.Checks()._check_database()
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('empty database', result.details)

    def test_unreachable_database_fails(self):
        with mock.patch.object(migration, 'version',
                               side_effect=RuntimeError('no server')):
            result = status.Checks()._check_database()
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('no server', result.details)


class StagingCheckTest(base.TestCase):

    def test_writable_directory_succeeds(self):
        directory = os.path.join(self.state_path, 'staging')
        os.makedirs(directory)
        self.config(dir=directory, group='staging')
        result = status.Checks()._check_staging_dir()
        self.assertEqual(Code.SUCCESS, result.code, result.details)
        self.assertEqual([], os.listdir(directory))

    def test_missing_directory_under_writable_parent_succeeds(self):
        self.config(dir=os.path.join(self.state_path, 'a', 'staging'),
                    group='staging')
        result = status.Checks()._check_staging_dir()
        self.assertEqual(Code.SUCCESS, result.code, result.details)

    def test_missing_directory_under_read_only_parent_fails(self):
        parent = os.path.join(self.state_path, 'ro')
        os.makedirs(parent)
        self.config(dir=os.path.join(parent, 'staging'), group='staging')
        with mock.patch.object(os, 'access', return_value=False):
            result = status.Checks()._check_staging_dir()
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn(parent, result.details)

    def test_unwritable_directory_fails(self):
        self.config(dir=self.state_path, group='staging')
        with mock.patch('tempfile.TemporaryFile',
                        side_effect=PermissionError(13, 'denied')):
            result = status.Checks()._check_staging_dir()
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('not writable', result.details)

    def test_file_instead_of_directory_fails(self):
        path = os.path.join(self.state_path, 'file')
        open(path, 'w').close()
        self.config(dir=path, group='staging')
        result = status.Checks()._check_staging_dir()
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('not a directory', result.details)


class DriversCheckTest(base.TestCase):

    def _manager(self, plugins, broken=()):
        """A stand-in ExtensionManager class with these extensions."""
        def make(namespace, invoke_on_load, on_load_failure_callback):
            self.assertEqual(factory.NAMESPACE, namespace)
            for name, value in broken:
                entry_point = mock.Mock(value=value)
                entry_point.name = name
                on_load_failure_callback(None, entry_point,
                                         ImportError('no module'))
            return [stevedore.extension.Extension(name, None, plugin, None)
                    for name, plugin in plugins.items()]
        return mock.patch.object(status.extension, 'ExtensionManager',
                                 side_effect=make)

    def test_installed_drivers_succeed(self):
        result = status.Checks()._check_drivers()
        self.assertEqual(Code.SUCCESS, result.code, result.details)
        for cloud_type in factory.cloud_types():
            self.assertIn(cloud_type, result.details)

    def test_driver_that_does_not_import_fails(self):
        local = factory.driver_class('local')
        with self._manager({'local': local},
                           broken=[('aws', 'ciming.drivers.aws:AwsDriver')]):
            result = status.Checks()._check_drivers()
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('aws', result.details)
        self.assertIn('no module', result.details)

    def test_entry_point_that_is_not_a_driver_fails(self):
        with self._manager({'odd': object}):
            result = status.Checks()._check_drivers()
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('not a CloudDriver', result.details)

    def test_no_driver_fails(self):
        with self._manager({}):
            result = status.Checks()._check_drivers()
        self.assertEqual(Code.FAILURE, result.code)

    def test_cloud_whose_driver_is_gone_fails(self):
        self.dbapi.create_cloud({'name': 'old', 'type': 'vanished',
                                 'project_id': 'p', 'options': {}})
        result = status.Checks()._check_drivers()
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('vanished', result.details)


class JobboardCheckTest(base.TestCase):

    def test_without_a_jobboard_succeeds_as_not_configured(self):
        with mock.patch.object(status, 'probe_jobboard') as probe:
            result = status.Checks()._check_jobboard()
        self.assertEqual(Code.SUCCESS, result.code)
        self.assertIn('No jobboard', result.details)
        probe.assert_not_called()

    def test_reachable_jobboard_succeeds(self):
        self.config(jobboard_backend='redis',
                    jobboard_backend_hosts=['redis-host'],
                    jobboard_backend_password='pw', group='taskflow')
        with mock.patch.object(status, 'probe_jobboard') as probe:
            result = status.Checks()._check_jobboard()
        self.assertEqual(Code.SUCCESS, result.code, result.details)
        probe.assert_called_once_with()
        self.assertIn('redis-host', result.details)
        self.assertNotIn('pw', result.details)

    def test_unreachable_jobboard_fails(self):
        self.config(jobboard_backend='redis',
                    jobboard_backend_hosts=['redis-host'],
                    jobboard_backend_password='pw', group='taskflow')
        with mock.patch.object(status, 'probe_jobboard',
                               side_effect=ConnectionError('refused')):
            result = status.Checks()._check_jobboard()
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('refused', result.details)
        self.assertIn('redis-host', result.details)
        self.assertNotIn('pw', result.details)

    def test_probe_reaches_the_real_redis(self):
        # Redis runs on this machine (and in CI): a real round trip.
        self.config(jobboard_backend='redis', group='taskflow')
        result = status.Checks()._check_jobboard()
        self.assertEqual(Code.SUCCESS, result.code, result.details)

    def test_probe_of_a_closed_port_fails(self):
        self.config(jobboard_backend='redis', jobboard_backend_port=1,
                    group='taskflow')
        result = status.Checks()._check_jobboard()
        self.assertEqual(Code.FAILURE, result.code)


class ControlExchangeCheckTest(base.TestCase):

    def setUp(self):
        super().setUp()
        rpc.register_opts()

    def test_the_default_exchange_succeeds(self):
        result = status.Checks()._check_control_exchange()
        self.assertEqual(Code.SUCCESS, result.code, result.details)
        self.assertIn("'ciming'", result.details)

    def test_another_exchange_fails_and_names_both(self):
        self.config(control_exchange='openstack')
        result = status.Checks()._check_control_exchange()
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn("'openstack'", result.details)
        self.assertIn("'ciming'", result.details)
        self.assertIn('virtual host', result.details)


class FakeResponse:

    def __init__(self, status_code, body):
        self.status_code = status_code
        self._body = body

    def json(self):
        return self._body


V3_ROOT = {'version': {'id': 'v3.14', 'status': 'stable'}}
VERSIONS = {'versions': {'values': [{'id': 'v3.14'}]}}


class KeystoneCheckTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.config(auth_strategy='keystone')
        self.config(use_trusts=True, group='jobs')
        self.config(auth_url='http://keystone.example/v3', group='keystone')
        self.config(auth_type='password', group='service_user')
        self.session = mock.Mock(timeout=None)
        self.session.get_user_id.return_value = 'ciming-user-id'
        self.session.get.return_value = FakeResponse(200, V3_ROOT)
        self.useFixture(fixtures.MockPatchObject(
            keystone, 'service_session', return_value=self.session))

    def check(self):
        return status.Checks()._check_keystone()

    def test_service_user_and_v3_endpoint_succeed(self):
        result = self.check()
        self.assertEqual(Code.SUCCESS, result.code, result.details)
        self.assertIn('ciming-user-id', result.details)
        self.assertIn('v3.14', result.details)
        self.session.get.assert_called_once_with(
            'http://keystone.example/v3', authenticated=False,
            raise_exc=False, headers={'Accept': 'application/json'})
        self.assertEqual(status.KEYSTONE_TIMEOUT, self.session.timeout)

    def test_without_trusts_nothing_is_checked(self):
        self.config(use_trusts=False, group='jobs')
        result = self.check()
        self.assertEqual(Code.SUCCESS, result.code)
        self.assertIn('not used', result.details)
        keystone.service_session.assert_not_called()

    def test_noauth_needs_no_keystone(self):
        self.config(auth_strategy='noauth')
        self.assertEqual(Code.SUCCESS, self.check().code)
        keystone.service_session.assert_not_called()

    def test_missing_keystone_auth_url_fails(self):
        self.config(auth_url=None, group='keystone')
        result = self.check()
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('[keystone] auth_url is not set', result.details)

    def test_missing_service_user_fails(self):
        self.config(auth_type=None, group='service_user')
        result = self.check()
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('[service_user] is not configured', result.details)

    def test_service_user_that_cannot_authenticate_fails(self):
        self.session.get_user_id.side_effect = RuntimeError(
            'The request you have made requires authentication. (HTTP 401)')
        result = self.check()
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('cannot authenticate', result.details)
        self.assertIn('HTTP 401', result.details)

    def test_auth_url_without_v3_fails(self):
        # A bare Keystone URL answers 300 with the list of versions.
        self.config(auth_url='http://keystone.example', group='keystone')
        self.session.get.return_value = FakeResponse(300, VERSIONS)
        result = self.check()
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('must end in /v3', result.details)

    def test_auth_url_serving_v2_fails(self):
        self.session.get.return_value = FakeResponse(
            200, {'version': {'id': 'v2.0'}})
        self.assertEqual(Code.FAILURE, self.check().code)

    def test_auth_url_that_does_not_answer_fails(self):
        self.session.get.side_effect = ConnectionError('refused')
        result = self.check()
        self.assertEqual(Code.FAILURE, result.code)
        self.assertIn('does not answer', result.details)
        self.assertIn('refused', result.details)


class UpgradeCheckCommandTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.output = io.StringIO()
        self.useFixture(fixtures.MockPatch('sys.stdout', self.output))

    def test_all_checks_pass_on_a_synced_database(self):
        self.config(dir=self.state_path, group='staging')
        self.config(auth_strategy='noauth')
        self.assertEqual(Code.SUCCESS, status.Checks().check())

    def test_any_failure_makes_the_command_fail(self):
        with mock.patch.object(migration, 'version', return_value=None):
            self.assertEqual(Code.FAILURE, status.Checks().check())
        self.assertIn('ciming-manage db sync', self.output.getvalue())
