"""The commands, run by the standalone ``ciming`` app against the API.

Every command goes through :class:`ciming.osc.shell.CimingShell` in this
process (the same command classes ``openstack ciming`` loads), against the
in-process API; the functional tests run both programs as processes.
"""

import io
import json
import logging
import os
from unittest import mock

import fixtures

from ciming.osc import shell
from tests.unit.client import base

CANARY = 'canary-cache-5ecr3t'


class ShellTestCase(base.ClientTestCase):

    def setUp(self):
        super().setUp()
        self.cache_dir = self.useFixture(fixtures.TempDir()).path
        self.useFixture(fixtures.EnvironmentVariable('CIMING_CACHE_DIR',
                                                     self.cache_dir))
        self.useFixture(fixtures.EnvironmentVariable('OS_AUTH_URL'))
        self.useFixture(fixtures.EnvironmentVariable('OS_AUTH_TYPE'))
        self.client.clouds.create('dev-a', 'local', options={'path': 'a'})
        self.client.clouds.create('dev-b', 'local', options={'path': 'b'})

    def run_cli(self, *args, expect=0):
        """``ciming --endpoint ... ARGS``: (stdout, stderr)."""
        argv = ['--endpoint', self.endpoint, '--os-ciming-project-id',
                base.PROJECT]
        argv += list(args)
        stdout, stderr = io.StringIO(), io.StringIO()
        root = logging.getLogger()
        handlers, level = list(root.handlers), root.level
        try:
            # osc-lib logs the errors on sys.stderr.
            with mock.patch('sys.stderr', stderr):
                code = shell.CimingShell(stdout=stdout,
                                         stderr=stderr).run(argv)
        finally:
            for handler in root.handlers[:]:
                if handler not in handlers:
                    root.removeHandler(handler)
            root.setLevel(level)
        self.assertEqual(expect, code, stderr.getvalue())
        return stdout.getvalue(), stderr.getvalue()

    def run_json(self, *args):
        return json.loads(self.run_cli(*(args + ('-f', 'json')))[0])

    def image(self, name, status=None, active_in=()):
        image = self.client.images.create(name, ['dev-a', 'dev-b'])
        for cloud in active_in:
            cloud_id = self.client.clouds.get(cloud)['id']
            self.dbapi.set_location(image['id'], cloud_id,
                                    {'status': 'active', 'remote_id': 'r'})
        if status:
            self.dbapi.update_image(image['id'], {'status': status})
        return image


class CloudCommandsTest(ShellTestCase):

    def test_create_show_set_list_delete(self):
        cloud = self.run_json('cloud', 'create', 'dev-c', '--type', 'local',
                              '--option', 'path=c', '--description', 'd')
        # A member's local cloud is confined under its project's directory.
        self.assertEqual(
            ('dev-c', 'local', {'path': 'projects/project-a/c'}, 'd'),
            (cloud['name'], cloud['type'], cloud['options'],
             cloud['description']))
        self.run_cli('cloud', 'set', 'dev-c', '--name', 'dev-d')
        self.assertEqual(cloud['id'],
                         self.run_json('cloud', 'show', 'dev-d')['id'])
        names = self.run_cli('cloud', 'list', '-f', 'value', '-c',
                             'Name')[0].split()
        self.assertEqual(['dev-a', 'dev-b', 'dev-d'], sorted(names))
        self.run_cli('cloud', 'delete', 'dev-d')
        self.assertNotIn('dev-d', self.run_cli('cloud', 'list')[0])

    def test_validate(self):
        self.assertEqual({'cloud': 'dev-a', 'valid': True},
                         self.run_json('cloud', 'validate', 'dev-a'))

    def test_cloud_image_list(self):
        self.rpcapi.listing = [{'remote_id': 'r1', 'name': 'x'},
                               {'remote_id': 'r2', 'name': 'y',
                                'tracked_as': 'some-id'}]
        rows = self.run_json('cloud', 'image', 'list', 'dev-a')
        self.assertEqual(['r1', 'r2'], [r['remote_id'] for r in rows])


class ImageCommandsTest(ShellTestCase):

    def test_create_uploads_with_progress(self):
        path = os.path.join(self.cache_dir, 'data.raw')
        with open(path, 'wb') as out:
            out.write(b'x' * 3000)
        stdout, stderr = self.run_cli(
            'image', 'create', 'img', '--file', path, '--target', 'dev-a',
            '--target', 'dev-b', '--progress', '-f', 'json')
        image = json.loads(stdout)
        self.assertEqual(3000, image['size'])
        self.assertEqual('importing', image['status'])
        self.assertIn('100% 0.0/0.0 MiB', stderr)
        self.assertEqual(1, len(self.rpcapi.called('run_job')))

    def test_upload_fills_a_queued_image(self):
        image = self.image('later')
        path = os.path.join(self.cache_dir, 'data.raw')
        with open(path, 'wb') as out:
            out.write(b'y' * 2000)
        shown = self.run_json('image', 'upload', 'later', '--file', path)
        self.assertEqual((image['id'], 2000, 'importing'),
                         (shown['id'], shown['size'], shown['status']))
        self.assertEqual(1, len(self.rpcapi.called('run_job')))

    def test_list_pages_and_sorts_on_the_server(self):
        for name in ('b', 'c', 'a'):
            self.image(name)
        names = self.run_cli('image', 'list', '--sort', 'name:desc', '-f',
                             'value', '-c', 'name')[0].split()
        self.assertEqual(['c', 'b', 'a'], names)
        first = self.run_json('image', 'list', '--sort', 'name', '--limit',
                              '2')
        self.assertEqual(['a', 'b'], [r['name'] for r in first])
        rest = self.run_json('image', 'list', '--sort', 'name', '--marker',
                             first[-1]['id'])
        self.assertEqual(['c'], [r['name'] for r in rest])
        _out, err = self.run_cli('image', 'list', '--sort', 'name:up',
                                 expect=1)
        self.assertIn('asc or desc', err)

    def test_metadata_options_need_api_1_1(self):
        _out, err = self.run_cli('--os-ciming-api-version', '1.0', 'image',
                                 'create', 'img', '--target', 'dev-a',
                                 '--property', 'k=v', expect=1)
        self.assertIn('needs API version 1.1', err)
        self.assertIn('--os-ciming-api-version', err)
        self.assertEqual([], self.client.images.list())

    def test_create_with_a_missing_file_creates_nothing(self):
        _out, err = self.run_cli('image', 'create', 'img', '--file',
                                 '/nonexistent', '--target', 'dev-a',
                                 expect=1)
        self.assertIn('No such file', err)
        self.assertEqual([], self.client.images.list())

    def test_show_delete_by_name(self):
        image = self.image('one')
        self.assertEqual(image['id'],
                         self.run_json('image', 'show', 'one')['id'])
        self.run_cli('image', 'delete', 'one')
        self.assertEqual([], self.client.images.list())
        self.assertEqual([], self.rpcapi.called('purge_image'))

    def test_delete_purge(self):
        image = self.image('one')
        self.run_cli('image', 'delete', '--purge', 'one')
        self.assertEqual([], self.client.images.list())
        self.assertEqual([{'image_id': image['id'], 'credentials': None}],
                         self.rpcapi.called('purge_image'))

    def test_list_filters_on_the_server_and_wildcards_here(self):
        self.image('ubuntu-22', status='active', active_in=['dev-a'])
        self.image('ubuntu-24')
        self.image('debian')

        def names(*args):
            return sorted(r['name'] for r in self.run_json(
                'image', 'list', *args))

        self.assertEqual(['ubuntu-22', 'ubuntu-24'],
                         names('--name', 'ubuntu-*'))
        self.assertEqual(['ubuntu-22'], names('--available-in', 'dev-a'))
        self.assertEqual(['debian', 'ubuntu-24'],
                         names('--missing-in', 'dev-a'))
        self.assertEqual(['ubuntu-22'], names('--status', 'active'))

    def test_link_unlink_sync_refresh(self):
        image = self.image('img', active_in=['dev-a'])
        self.client.clouds.create('dev-c', 'local', options={'path': 'c'})
        location = self.run_json('image', 'link', 'img', '--cloud', 'dev-c',
                                 '--remote-id', 'r-c')
        self.assertEqual(('dev-c', 'r-c'), (location['cloud_name'],
                                            location['remote_id']))
        self.run_cli('image', 'unlink', 'img', 'dev-c')
        self.assertEqual(
            ['dev-a', 'dev-b'],
            sorted(loc['cloud_name']
                   for loc in self.client.images.get(image['id'])[
                       'locations']))
        job = self.run_json('image', 'sync', 'img')
        self.assertEqual('sync', job['action'])
        self.rpcapi.refreshed = {}
        rows = self.run_json('image', 'refresh', 'img')
        self.assertEqual(['dev-a', 'dev-b'], sorted(r['cloud_name']
                                                    for r in rows))

    def test_adopt(self):
        self.rpcapi.remote = {'name': 'found', 'disk_format': 'raw',
                              'status': 'active', 'size': 3}
        image = self.run_json('image', 'adopt', '--source', 'dev-a',
                              '--remote-id', 'r-1', '--target', 'dev-b')
        self.assertEqual('found', image['name'])
        self.assertEqual(
            ['dev-a', 'dev-b'],
            sorted(loc['cloud_name'] for loc in image['locations']))

    def test_availability_matrix(self):
        self.image('both', status='active', active_in=['dev-a', 'dev-b'])
        self.image('one', active_in=['dev-a'])
        self.client.clouds.create('dev-c', 'local', options={'path': 'c'})
        stdout, _err = self.run_cli('image', 'availability', '-f', 'csv',
                                    '-c', 'Name', '-c', 'dev-a', '-c',
                                    'dev-b', '-c', 'dev-c',
                                    '--sort-column', 'Name')
        self.assertEqual(['"name","dev-a","dev-b","dev-c"',
                          '"both","active","active",""',
                          '"one","active","pending",""'],
                         stdout.splitlines())
        only = self.run_json('image', 'availability', '--cloud', 'dev-b',
                             '--missing-in', 'dev-b')
        self.assertEqual([{'id': only[0]['id'], 'name': 'one',
                           'dev-b': 'pending'}], only)


class JobCommandsTest(ShellTestCase):

    def setUp(self):
        super().setUp()
        image = self.image('img')
        self.job = self.client.images.upload(image['id'], io.BytesIO(b'x'))

    def test_list_show_cancel(self):
        rows = self.run_json('job', 'list', '--image', 'img')
        self.assertEqual([self.job['id']], [r['id'] for r in rows])
        self.assertEqual('pending',
                         self.run_json('job', 'show', self.job['id'])['state'])
        self.assertEqual('cancelled', self.run_json(
            'job', 'cancel', self.job['id'])['state'])

    def test_resume_sends_the_credentials_file(self):
        cloud = self.client.clouds.create(
            'far', 'openstack', region='RegionOne',
            options={'auth_url': 'http://keystone.example/v3'})
        self.dbapi.update_job(self.job['id'], {
            'state': 'awaiting_credentials',
            'credential_clouds': [cloud['id']]})
        tmp = self.useFixture(fixtures.TempDir()).path
        with open(os.path.join(tmp, 'clouds.yaml'), 'w') as out:
            out.write('clouds:\n  farc:\n    auth:\n      username: u\n'
                      '      password: p\n')
        path = os.path.join(tmp, 'creds.yaml')
        with open(path, 'w') as out:
            out.write('far:\n  clouds_yaml: farc\n'
                      '  clouds_yaml_file: clouds.yaml\n')
        shown = self.run_json('job', 'resume', self.job['id'],
                              '--credentials-file', path)
        self.assertEqual(self.job['id'], shown['id'])
        [call] = self.rpcapi.called('resume_job')
        self.assertEqual(self.job['id'], call['job_id'])
        sent = call['credentials'][cloud['id']]
        self.assertEqual(('u', 'p'), (sent['username'], sent['password']))

    def test_show_wait_fails_when_the_job_fails(self):
        self.dbapi.update_job(self.job['id'], {'state': 'failed',
                                               'error': 'disk full'})
        _out, err = self.run_cli('job', 'show', self.job['id'], '--wait',
                                 expect=1)
        self.assertIn('ended failed: disk full', err)


class ErrorsTest(ShellTestCase):

    def test_api_error_is_one_line_and_exit_1(self):
        stdout, stderr = self.run_cli('image', 'show', 'nothing', expect=1)
        self.assertEqual('', stdout)
        self.assertEqual(1, len(stderr.strip().splitlines()), stderr)
        self.assertIn('No image with name or id nothing', stderr)
        self.assertNotIn('Traceback', stderr)

    def test_conflict_is_one_line(self):
        _out, stderr = self.run_cli('cloud', 'create', 'dev-a', '--type',
                                    'local', '--option', 'path=x', expect=1)
        self.assertEqual(1, len(stderr.strip().splitlines()), stderr)
        self.assertIn('HTTP 409', stderr)

    def test_unreachable_endpoint(self):
        argv = ['--endpoint', 'http://127.0.0.1:9', 'image', 'list']
        stderr = io.StringIO()
        root = logging.getLogger()
        handlers = list(root.handlers)
        try:
            with mock.patch('sys.stderr', stderr):
                code = shell.CimingShell(stdout=io.StringIO(),
                                         stderr=stderr).run(argv)
        finally:
            for handler in root.handlers[:]:
                if handler not in handlers:
                    root.removeHandler(handler)
        self.assertEqual(1, code)
        self.assertIn('Cannot reach the CIMinG API', stderr.getvalue())
        self.assertEqual(1, len(stderr.getvalue().strip().splitlines()))


class CacheCommandsTest(ShellTestCase):

    def setUp(self):
        super().setUp()
        self.image('ubuntu-22', status='active', active_in=['dev-a'])
        self.image('debian')

    def api_calls(self):
        return self.recorder.count('/v1/')

    def test_second_cached_list_makes_no_request(self):
        first = self.run_json('image', 'list', '--cached')
        before = self.api_calls()
        second = self.run_json('image', 'list', '--cached')
        self.assertEqual(before, self.api_calls())
        self.assertEqual(first, second)

    def test_filters_run_on_cached_rows(self):
        self.run_cli('image', 'list', '--cached')
        before = self.api_calls()

        def names(*args):
            return [r['name'] for r in self.run_json(
                'image', 'list', '--cached', *args)]

        self.assertEqual(['ubuntu-22'], names('--name', 'ub*'))
        self.assertEqual(['ubuntu-22'], names('--available-in', 'dev-a'))
        self.assertEqual(['debian'], names('--missing-in', 'dev-a'))
        self.assertEqual(['debian'], names('--status', 'queued'))
        self.assertEqual(before, self.api_calls())

    def test_refresh_fetches_and_rewrites(self):
        self.run_cli('image', 'list', '--cached')
        self.image('new-one')
        self.assertNotIn('new-one', self.run_cli('image', 'list',
                                                 '--cached')[0])
        before = self.api_calls()
        self.assertIn('new-one', self.run_cli('image', 'list',
                                              '--refresh')[0])
        self.assertGreater(self.api_calls(), before)
        before = self.api_calls()
        self.assertIn('new-one', self.run_cli('image', 'list',
                                              '--cached')[0])
        self.assertEqual(before, self.api_calls())

    def test_ttl_expiry_fetches_again(self):
        self.run_cli('image', 'list', '--cached')
        before = self.api_calls()
        self.run_cli('image', 'list', '--cached', '--cache-ttl', '-1')
        self.assertGreater(self.api_calls(), before)

    def test_availability_from_the_cache(self):
        first = self.run_json('image', 'availability', '--cached')
        before = self.api_calls()
        self.assertEqual(first, self.run_json('image', 'availability',
                                              '--cached'))
        self.assertEqual(before, self.api_calls())

    def test_keyed_by_project(self):
        self.run_cli('image', 'list', '--cached')
        argv = ['--endpoint', self.endpoint, '--os-ciming-project-id',
                'project-b', 'image', 'list', '--cached', '-f', 'json']
        stdout = io.StringIO()
        root = logging.getLogger()
        handlers = list(root.handlers)
        try:
            shell.CimingShell(stdout=stdout,
                              stderr=io.StringIO()).run(argv)
        finally:
            for handler in root.handlers[:]:
                if handler not in handlers:
                    root.removeHandler(handler)
        self.assertEqual([], json.loads(stdout.getvalue()))

    def test_cache_never_holds_credentials(self):
        clouds_yaml = os.path.join(self.cache_dir, 'clouds.yaml')
        with open(clouds_yaml, 'w') as out:
            out.write('clouds:\n  c:\n    auth:\n      username: u\n'
                      '      password: %s\n' % CANARY)
        creds = os.path.join(self.cache_dir, 'creds.yaml')
        with open(creds, 'w') as out:
            out.write('dev-x:\n  clouds_yaml: c\n  clouds_yaml_file: %s\n'
                      % clouds_yaml)
        self.client.clouds.create('dev-x', 'openstack',
                                  options={'auth_url': 'http://k:5000/v3'})
        self.run_cli('cloud', 'validate', 'dev-x', '--credentials-file',
                     creds)
        self.assertIn(CANARY, json.dumps(self.rpcapi.called(
            'validate_cloud')))
        self.run_cli('image', 'list', '--refresh')
        self.run_cli('image', 'availability', '--refresh')
        files = [os.path.join(self.cache_dir, f)
                 for f in os.listdir(self.cache_dir)
                 if f.startswith('cache.sqlite')]
        self.assertTrue(files)
        for path in files:
            with open(path, 'rb') as data:
                content = data.read()
            self.assertNotIn(CANARY.encode(), content)
            self.assertNotIn(b'password', content)
            self.assertIn(b'ubuntu-22', content)
