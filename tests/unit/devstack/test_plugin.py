"""The devstack plugin, run against a fake devstack in a temporary tree.

``fake-devstack.sh`` stands in for devstack's helpers: ``iniset`` writes
real files, the helpers that would change the machine or reach a cloud
only log their call. The plugin's configure, accounts and init functions
then run for real: the ``ciming.conf`` they write must load with
oslo.config, and ``ciming-manage db sync`` and ``ciming-status upgrade
check`` must succeed on it (sqlite stands in for MySQL).
"""

import configparser
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

from oslo_config import cfg
from oslo_messaging import opts as messaging_opts
import testtools

from ciming.common import service as ciming_service
from ciming.conf import opts as ciming_opts

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
PLUGIN_DIR = os.path.join(TOP, 'devstack')
FAKE_DEVSTACK = os.path.join(HERE, 'fake-devstack.sh')

# Sections keystonemiddleware owns: its options are its to check.
FOREIGN_SECTIONS = ('keystone_authtoken',)
# Sections the plugin writes ahead of the code: checked once registered.
UPCOMING_SECTIONS = ('service_user', 'taskflow')


class DevstackPluginTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        if shutil.which('bash') is None:
            self.skipTest('bash is not installed')
        self.dir = tempfile.mkdtemp(prefix='ciming-devstack-')
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.call_log = os.path.join(self.dir, 'calls.log')
        self.conf_dir = os.path.join(self.dir, 'etc', 'ciming')
        self.conf_file = os.path.join(self.conf_dir, 'ciming.conf')
        self.state_path = os.path.join(self.dir, 'data', 'ciming')
        self.db_url = 'sqlite:///%s' % os.path.join(self.dir, 'ciming.db')

    def run_plugin(self, *functions, expect_rc=0, **settings):
        """Source settings and lib/ciming, then call ``functions``."""
        env = {
            'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
            'HOME': self.dir,
            'FAKE_DEVSTACK_LOG': self.call_log,
            'FAKE_DEVSTACK_PYTHON': sys.executable,
            'FAKE_DEVSTACK_DB_URL': self.db_url,
            'DEST': self.dir,
            'DATA_DIR': os.path.join(self.dir, 'data'),
            'CIMING_DIR': TOP,
            'CIMING_CONF_DIR': self.conf_dir,
            'STACK_USER': 'stack',
            'SERVICE_HOST': '192.0.2.10',
            'SERVICE_LISTEN_ADDRESS': '0.0.0.0',
            'SERVICE_PROTOCOL': 'http',
            'SERVICE_PASSWORD': 'service-secret',
            'SERVICE_DOMAIN_NAME': 'Default',
            'SERVICE_PROJECT_NAME': 'service',
            'SERVICE_TIMEOUT': '60',
            'KEYSTONE_SERVICE_URI': 'http://192.0.2.10/identity',
            'KEYSTONE_SERVICE_URI_V3': 'http://192.0.2.10/identity/v3',
            'REGION_NAME': 'RegionOne',
            'ENABLE_DEBUG_LOG_LEVEL': 'True',
            'ENABLED_SERVICES': 'key,g-api',
        }
        env.update(settings)
        script = '\n'.join(
            ['set -o errexit', 'source "%s"' % FAKE_DEVSTACK,
             'source "%s/settings"' % PLUGIN_DIR,
             'source "%s/lib/ciming"' % PLUGIN_DIR] + list(functions))
        result = subprocess.run(['bash', '-c', script], env=env,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, timeout=300)
        output = result.stdout.decode('utf-8', 'replace')
        self.assertEqual(expect_rc, result.returncode, output)
        return output

    def calls(self):
        with open(self.call_log) as log_file:
            return [line.split() for line in log_file.read().splitlines()]

    def read_ini(self, path):
        parser = configparser.RawConfigParser(default_section='__none__',
                                              interpolation=None)
        parser.optionxform = str
        self.assertEqual([path], parser.read(path))
        return parser

    def load_conf(self):
        """The generated file, parsed as the services parse it."""
        conf = cfg.ConfigOpts()
        for group, group_opts in ciming_opts.list_opts():
            conf.register_opts(group_opts,
                               group=None if group == 'DEFAULT' else group)
        # Library options with CIMinG's defaults, as every process has.
        ciming_service.register_opts(conf)
        for group, group_opts in messaging_opts.list_opts():
            if group is not None:
                conf.register_opts(group_opts, group=group)
        conf(['--config-file', self.conf_file], project='ciming',
             default_config_files=[])
        self.addCleanup(conf.reset)
        return conf

    def assert_only_known_options(self, conf):
        """Every option written in a CIMinG section exists (no typos)."""
        parser = self.read_ini(self.conf_file)
        for section in parser.sections():
            if section in FOREIGN_SECTIONS:
                continue
            if section in UPCOMING_SECTIONS and section not in conf:
                continue
            group = conf if section == 'DEFAULT' else conf[section]
            for option in parser.options(section):
                # Reading converts and validates the value (ports, URIs).
                getattr(group, option)

    def test_configure_writes_a_conf_oslo_config_loads(self):
        self.run_plugin('configure_ciming')
        conf = self.load_conf()
        self.assert_only_known_options(conf)
        self.assertEqual('keystone', conf.auth_strategy)
        self.assertTrue(conf.debug)
        self.assertEqual(self.state_path, conf.state_path)
        self.assertEqual(self.db_url, conf.database.connection)
        self.assertEqual('rabbit://stackrabbit:secret@192.0.2.10:5672/',
                         conf.transport_url)
        # Trusts are created at [keystone] auth_url + /OS-TRUST/trusts.
        self.assertEqual('http://192.0.2.10/identity/v3',
                         conf.keystone.auth_url)
        self.assertEqual('RegionOne', conf.keystone.region_name)
        # The API (uwsgi) and the conductors meet on the default exchange.
        self.assertEqual('ciming', conf.control_exchange)
        self.assertEqual(os.path.join(self.state_path, 'staging'),
                         conf.staging.dir)
        self.assertTrue(os.path.isdir(conf.staging.dir))
        self.assertEqual('0.0.0.0', conf.api.host_ip)
        self.assertEqual(9779, conf.api.port)
        self.assertEqual('http://192.0.2.10/cloud-image-manager',
                         conf.api.public_endpoint)

        raw = self.read_ini(self.conf_file)
        self.assertEqual('ciming', raw.get('keystone_authtoken',
                                           'username'))
        self.assertFalse(raw.has_option('DEFAULT', 'control_exchange'))
        self.assertEqual('ciming', raw.get('service_user', 'username'))
        self.assertEqual('password', raw.get('service_user', 'auth_type'))
        self.assertEqual('http://192.0.2.10/identity',
                         raw.get('service_user', 'auth_url'))
        self.assertEqual('service-secret',
                         raw.get('service_user', 'password'))
        self.assertEqual('service', raw.get('service_user', 'project_name'))
        self.assertFalse(raw.has_section('taskflow'))

    def test_configure_writes_the_uwsgi_ini_for_the_wsgi_module(self):
        self.run_plugin('configure_ciming')
        uwsgi = self.read_ini(os.path.join(self.conf_dir,
                                           'ciming-api-uwsgi.ini'))
        self.assertEqual('ciming.wsgi.api:application',
                         uwsgi.get('uwsgi', 'module'))
        self.assertEqual('CIMING_CONFIG_FILE=%s' % self.conf_file,
                         uwsgi.get('uwsgi', 'env'))
        self.assertIn(['write_local_uwsgi_http_config',
                       os.path.join(self.conf_dir, 'ciming-api-uwsgi.ini'),
                       'ciming.wsgi.api:application',
                       '/cloud-image-manager', 'ciming-api'], self.calls())

    def test_without_uwsgi_the_endpoint_has_the_port(self):
        self.run_plugin('configure_ciming', 'create_ciming_accounts',
                        'start_ciming', CIMING_USE_UWSGI='False',
                        ENABLED_SERVICES='key,ciming-api,ciming-conductor')
        conf = self.load_conf()
        self.assertEqual('http://192.0.2.10:9779', conf.api.public_endpoint)
        self.assertFalse(os.path.exists(
            os.path.join(self.conf_dir, 'ciming-api-uwsgi.ini')))
        calls = self.calls()
        self.assertIn(['get_or_create_endpoint', 'cloud-image-manager',
                       'RegionOne', 'http://192.0.2.10:9779'], calls)
        bin_dir = os.path.dirname(sys.executable)
        self.assertIn(['run_process', 'ciming-api',
                       '%s/ciming-api --config-file %s'
                       % (bin_dir, self.conf_file)],
                      [c[:2] + [' '.join(c[2:])] for c in calls])

    def test_redis_jobboard_is_configured_and_installed(self):
        self.run_plugin('install_ciming_jobboard', 'configure_ciming',
                        CIMING_JOBBOARD='redis')
        raw = self.read_ini(self.conf_file)
        self.assertEqual('redis', raw.get('taskflow', 'jobboard_backend'))
        self.assertEqual('192.0.2.10',
                         raw.get('taskflow', 'jobboard_backend_hosts'))
        self.assertEqual('6379', raw.get('taskflow', 'jobboard_backend_port'))
        conf = self.load_conf()
        self.assert_only_known_options(conf)
        calls = self.calls()
        self.assertIn(['install_package', 'redis-server'], calls)
        self.assertIn(['pip_install', 'redis'], calls)

    def test_accounts_create_the_service_user_and_endpoints(self):
        self.run_plugin('create_ciming_accounts')
        calls = self.calls()
        self.assertIn(['create_service_user', 'ciming'], calls)
        self.assertIn(['get_or_create_service', 'ciming',
                       'cloud-image-manager', 'CIMinG', 'Cloud', 'Image',
                       'Manager'], calls)
        self.assertIn(['get_or_create_endpoint', 'cloud-image-manager',
                       'RegionOne', 'http://192.0.2.10/cloud-image-manager'],
                      calls)

    def test_init_syncs_the_database_and_runs_the_upgrade_check(self):
        # No Keystone answers here (a closed port): the check of the
        # service user fails, and so does init, as devstack must.
        output = self.run_plugin(
            'configure_ciming', 'init_ciming', expect_rc=1,
            ENABLED_SERVICES='key,ciming-api,ciming-conductor',
            KEYSTONE_SERVICE_URI='http://127.0.0.1:1/identity',
            KEYSTONE_SERVICE_URI_V3='http://127.0.0.1:1/identity/v3')
        self.assertIn(['recreate_database', 'ciming'], self.calls())
        self.assertIn('Upgrade Check Results', output)
        self.assertIn('Schema at', output)
        self.assertIn("control_exchange is 'ciming'", output)
        self.assertIn('The [service_user] cannot authenticate', output)
        self.assertIn('ciming-status upgrade check failed (2)', output)
        db = sqlite3_tables(os.path.join(self.dir, 'ciming.db'))
        self.assertTrue({'clouds', 'images', 'locations', 'jobs'} <= db, db)

    def test_init_on_a_conductor_only_node_keeps_the_database(self):
        self.run_plugin('configure_ciming', 'init_ciming', expect_rc=1,
                        ENABLED_SERVICES='key,ciming-conductor',
                        DISABLED_SERVICES='ciming-api',
                        KEYSTONE_SERVICE_URI='http://127.0.0.1:1/identity',
                        KEYSTONE_SERVICE_URI_V3='http://127.0.0.1:1/v3')
        calls = self.calls()
        self.assertNotIn(['recreate_database', 'ciming'], calls)
        # Nor migrated: the upgrade check only read it (and found it empty).
        path = os.path.join(self.dir, 'ciming.db')
        self.assertEqual(set(), sqlite3_tables(path) if os.path.exists(path)
                         else set())

    def test_install_keeps_the_uwsgi_of_devstack(self):
        self.run_plugin('install_ciming')
        calls = self.calls()
        self.assertIn(['setup_develop', TOP], calls)
        self.assertEqual([], [c for c in calls if 'uwsgi' in c])

    def test_start_runs_api_under_uwsgi_and_conductor(self):
        self.run_plugin('start_ciming', 'stop_ciming',
                        ENABLED_SERVICES='ciming-api,ciming-conductor',
                        PATH='%s:%s' % (self.fake_uwsgi(),
                                        os.environ.get('PATH', '')))
        commands = [c[:2] for c in self.calls()
                    if c[0] in ('run_process', 'stop_process')]
        self.assertEqual([['run_process', 'ciming-api'],
                          ['run_process', 'ciming-conductor'],
                          ['stop_process', 'ciming-conductor'],
                          ['stop_process', 'ciming-api']], commands)
        api = [c for c in self.calls()
               if c[:2] == ['run_process', 'ciming-api']][0]
        self.assertIn('--ini', api)

    def fake_uwsgi(self):
        bin_dir = os.path.join(self.dir, 'bin')
        os.makedirs(bin_dir, exist_ok=True)
        path = os.path.join(bin_dir, 'uwsgi')
        with open(path, 'w') as script:
            script.write('#!/bin/sh\nexit 0\n')
        os.chmod(path, 0o755)
        return bin_dir


def sqlite3_tables(path):
    connection = sqlite3.connect(path)
    try:
        return {row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        connection.close()
