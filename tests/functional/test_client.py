"""The CLI and the Python client against a real ``ciming-all-in-one``.

The all-in-one runs as a subprocess (its own data directory and port,
noauth, shared local clouds ``dev-a`` and ``dev-b``). Every command is run
as a user would type it, as a process: ``ciming --endpoint URL ...`` (the
standalone program) and ``openstack --os-auth-type none --os-endpoint URL
ciming ...`` (the openstackclient plugin). The cache tests talk to the
service through a counting proxy started here, to prove that a cached
listing makes no request.
"""

import http.client
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import urllib.parse

import testtools
from testtools import content

from ciming.client import client as ciming_client
from tests.functional import aws_env
from tests.functional import base

MiB = base.MiB
UPLOAD_SIZE = 8 * MiB
TIMEOUT = 180


class CountingProxy(http.server.ThreadingHTTPServer):
    """Forwards every request to ``target``, counting them by path."""

    daemon_threads = True

    def __init__(self, target):
        self.target = urllib.parse.urlsplit(target)
        self.paths = []
        self.lock = threading.Lock()
        super().__init__(('127.0.0.1', 0), _ProxyHandler)
        self.thread = threading.Thread(target=self.serve_forever,
                                       daemon=True)
        self.thread.start()

    @property
    def endpoint(self):
        return 'http://127.0.0.1:%d' % self.server_address[1]

    def count(self):
        with self.lock:
            return len(self.paths)

    def stop(self):
        self.shutdown()
        self.server_close()


class _ProxyHandler(http.server.BaseHTTPRequestHandler):

    def log_message(self, *args):
        pass

    def _forward(self):
        proxy = self.server
        with proxy.lock:
            proxy.paths.append((self.command, self.path))
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else None
        connection = http.client.HTTPConnection(proxy.target.hostname,
                                                proxy.target.port,
                                                timeout=60)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ('host', 'connection')}
        connection.request(self.command, self.path, body=body,
                           headers=headers)
        response = connection.getresponse()
        data = response.read()
        self.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() not in ('transfer-encoding', 'connection',
                                   'content-length'):
                self.send_header(key, value)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        connection.close()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward


class AllInOneCLIBase(testtools.TestCase):
    """One all-in-one per test; the CLI as separate processes."""

    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp(prefix='ciming-cli-')
        if not base.KEEP:
            self.addCleanup(shutil.rmtree, self.dir, True)
        self.data_dir = os.path.join(self.dir, 'data')
        self.port = base.free_port()
        self.endpoint = 'http://127.0.0.1:%s' % self.port
        config_file = os.path.join(self.dir, 'ciming.conf')
        base.write_config(config_file, {
            'DEFAULT': {'debug': base.DEBUG},
            'all_in_one': {'data_dir': self.data_dir},
            'api': {'port': self.port},
        })
        self.log = os.path.join(self.dir, 'all-in-one.log')
        self.service = base.Process(
            'all-in-one', [base.find_command('ciming-all-in-one'),
                           '--config-file', config_file], self.log)
        self.service.start()
        self.addCleanup(self.service.stop)
        self.commands = []
        self.addOnException(self._attach_logs)
        self.env = dict(os.environ)
        self.env['CIMING_CACHE_DIR'] = os.path.join(self.dir, 'cache')
        self.env['HOME'] = self.dir
        for key in list(self.env):
            if key.startswith('OS_') or key.startswith('CIMING_ENDPOINT'):
                del self.env[key]
        self._wait_until_up()

    def _attach_logs(self, exc_info):
        self.addDetail('all-in-one-log',
                       content.text_content(base.tail(self.log)))
        self.addDetail('commands', content.text_content(
            '\n'.join(self.commands[-30:])))

    def _wait_until_up(self):
        client = self.client()

        def up():
            if not self.service.alive():
                self.fail('ciming-all-in-one exited:\n%s'
                          % base.tail(self.log))
            try:
                client.clouds.list()
            except Exception:
                return False
            return True

        base.wait_for(up, base.START_TIMEOUT, interval=0.2,
                      what='ciming-all-in-one to answer')

    def client(self, endpoint=None):
        return ciming_client.Client(endpoint=endpoint or self.endpoint,
                                    noauth=True)

    # Running the programs

    def run_program(self, argv, expect=0, timeout=TIMEOUT):
        result = subprocess.run(argv, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=self.env,
                                stdin=subprocess.DEVNULL, timeout=timeout)
        out = result.stdout.decode('utf-8', 'replace')
        err = result.stderr.decode('utf-8', 'replace')
        self.commands.append('$ %s\n-> rc=%s\n%s\n%s' % (
            ' '.join(argv), result.returncode, out[-2000:], err[-2000:]))
        if expect is not None:
            self.assertEqual(expect, result.returncode,
                             'rc=%s: %s\n%s' % (result.returncode, out, err))
        return out, err

    def ciming(self, *args, endpoint=None, **kwargs):
        argv = [base.find_command('ciming'), '--endpoint',
                endpoint or self.endpoint] + list(args)
        return self.run_program(argv, **kwargs)

    def openstack(self, *args, **kwargs):
        argv = [base.find_command('openstack'), '--os-auth-type', 'none',
                '--os-endpoint', self.endpoint, 'ciming'] + list(args)
        return self.run_program(argv, **kwargs)

    def ciming_json(self, *args, **kwargs):
        return json.loads(self.ciming(*(args + ('-f', 'json')),
                                      **kwargs)[0])

    def openstack_json(self, *args, **kwargs):
        return json.loads(self.openstack(*(args + ('-f', 'json')),
                                         **kwargs)[0])

    def data_file(self, name='image.raw', size=UPLOAD_SIZE):
        path = os.path.join(self.dir, name)
        base.write_random_file(path, size)
        return path

    def assertOneLineError(self, err, text):
        lines = err.strip().splitlines()
        self.assertEqual(1, len(lines), err)
        self.assertIn(text, lines[0])
        self.assertNotIn('Traceback', err)


class AllInOneCLITest(AllInOneCLIBase):

    # The acceptance scenario, through both programs

    def _upload_wait_and_see(self, run, run_json, name):
        data = self.data_file(name + '.raw')
        out, err = run('image', 'create', name, '--file', data,
                       '--disk-format', 'raw', '--container-format', 'bare',
                       '--target', 'dev-a', '--target', 'dev-b',
                       '--progress', '--wait', '-f', 'json')
        image = json.loads(out)
        self.assertEqual('active', image['status'], err)
        self.assertEqual(UPLOAD_SIZE, image['size'])
        self.assertIn('100% 8.0/8.0 MiB', err)       # the upload bar
        self.assertIn('succeeded: dev-a active 100%', err)  # --wait
        sha512, md5 = base.sha512_md5_of_file(data)
        self.assertEqual((sha512, md5), (image['os_hash_value'],
                                         image['checksum']))

        rows = run_json('image', 'availability', '--name', name)
        self.assertEqual([{'id': image['id'], 'name': name,
                           'dev-a': 'active', 'dev-b': 'active'}], rows)
        for cloud in ('dev-a', 'dev-b'):
            stored = os.path.join(self.data_dir, 'local-clouds', cloud,
                                  image['id'] + '.img')
            self.assertTrue(base.files_identical(data, stored))
        return image

    def test_standalone_upload_progress_wait_availability(self):
        self._upload_wait_and_see(self.ciming, self.ciming_json, 'alone')

    def test_openstack_plugin_upload_progress_wait_availability(self):
        self._upload_wait_and_see(self.openstack, self.openstack_json,
                                  'osc')
        out, _err = self.openstack('image', 'list', '-f', 'value', '-c',
                                   'Name')
        self.assertEqual(['osc'], out.split())
        self.assertEqual(
            ['dev-a', 'dev-b'],
            sorted(self.openstack('cloud', 'list', '-f', 'value', '-c',
                                  'Name')[0].split()))

    def test_openstack_plugin_noauth_project(self):
        self.openstack('cloud', 'create', 'mine', '--type', 'local',
                       '--option', 'path=mine')
        out, _err = self.run_program(
            [base.find_command('openstack'), '--os-auth-type', 'none',
             '--os-endpoint', self.endpoint, '--os-ciming-project-id',
             'other', 'ciming', 'cloud', 'list', '-f', 'value', '-c',
             'Name'])
        self.assertNotIn('mine', out.split())
        self.assertEqual('demo', self.openstack_json(
            'cloud', 'show', 'mine')['project_id'])

    # Every command

    def test_every_command(self):
        image = self._upload_wait_and_see(self.ciming, self.ciming_json,
                                          'every')
        image_id = image['id']

        # clouds
        cloud = self.ciming_json('cloud', 'create', 'dev-c', '--type',
                                 'local', '--option', 'path=dev-c',
                                 '--description', 'third')
        # The demo project's own cloud lives in the project's directory.
        self.assertEqual(('local', {'path': 'projects/demo/dev-c'}),
                         (cloud['type'], cloud['options']))
        self.ciming('cloud', 'set', 'dev-c', '--description', 'the third')
        self.assertEqual('the third', self.ciming_json(
            'cloud', 'show', 'dev-c')['description'])
        self.assertEqual({'cloud': 'dev-c', 'valid': True},
                         self.ciming_json('cloud', 'validate', 'dev-c'))
        names = self.ciming('cloud', 'list', '-f', 'value', '-c',
                            'Name')[0].split()
        self.assertEqual(['dev-a', 'dev-b', 'dev-c'], sorted(names))
        remote = self.ciming_json('cloud', 'image', 'list', 'dev-a')
        self.assertEqual([(image_id, image_id)],
                         [(r['remote_id'], r['tracked_as']) for r in remote])

        # sync to the new cloud, then forget and link it again
        job = self.ciming_json('image', 'sync', 'every', '--target',
                               'dev-c', '--wait')
        self.assertEqual('succeeded', job['state'])
        self.assertEqual('active', self.ciming_json(
            'image', 'availability', '--name', 'every')[0]['dev-c'])
        self.ciming('image', 'unlink', 'every', 'dev-c')
        self.assertEqual('', self.ciming_json(
            'image', 'availability', '--name', 'every')[0]['dev-c'])
        location = self.ciming_json('image', 'link', 'every', '--cloud',
                                    'dev-c', '--remote-id', image_id)
        self.assertEqual(('dev-c', 'active'), (location['cloud_name'],
                                               location['status']))
        rows = self.ciming_json('image', 'refresh', 'every')
        self.assertEqual([('dev-a', 'active'), ('dev-b', 'active'),
                          ('dev-c', 'active')],
                         sorted((r['cloud_name'], r['status']) for r in rows))

        # show and list
        shown = self.ciming_json('image', 'show', image_id)
        self.assertEqual('every', shown['name'])
        self.assertEqual(shown['id'], self.ciming_json(
            'image', 'show', 'every')['id'])
        listed = self.ciming_json('image', 'list', '--long',
                                  '--available-in', 'dev-c')
        self.assertEqual([image_id], [r['id'] for r in listed])
        self.assertIn('disk_format', listed[0])
        self.assertEqual([], self.ciming_json('image', 'list',
                                              '--missing-in', 'dev-c'))

        # adopt the copy in dev-c as a new record, copied to dev-b
        adopted = self.ciming_json('image', 'adopt', '--source', 'dev-c',
                                   '--remote-id', image_id, '--name',
                                   'adopted', '--target', 'dev-b', '--wait')
        self.assertEqual('adopted', adopted['name'])
        self.assertEqual([('dev-b', 'active'), ('dev-c', 'active')], sorted(
            (loc['cloud_name'], loc['status'])
            for loc in adopted['locations']))

        # jobs
        jobs = self.ciming_json('job', 'list', '--image', 'every')
        self.assertEqual(['import_upload', 'sync'],
                         sorted(j['action'] for j in jobs))
        first = [j for j in jobs if j['action'] == 'import_upload'][0]
        shown = self.ciming_json('job', 'show', first['id'])
        self.assertEqual('succeeded', shown['state'])
        self.assertEqual(['dev-a', 'dev-b'], sorted(
            t['cloud_name'] for t in shown['targets']))
        _out, err = self.ciming('job', 'cancel', first['id'], expect=1)
        self.assertOneLineError(err, 'HTTP 409')

        # deletions
        self.ciming('image', 'delete', 'adopted')
        _out, err = self.ciming('cloud', 'delete', 'dev-c', expect=1)
        self.assertOneLineError(err, 'HTTP 409')
        self.ciming('image', 'unlink', 'every', 'dev-c')
        self.ciming('cloud', 'delete', 'dev-c')
        stored = [os.path.join(self.data_dir, 'local-clouds', cloud,
                               image_id + '.img')
                  for cloud in ('dev-a', 'dev-b')]
        self.assertTrue(all(os.path.exists(path) for path in stored))
        self.ciming('image', 'delete', '--purge', image_id)
        self.assertEqual([], self.ciming_json('image', 'list'))
        # --purge deleted the copies in the clouds too.
        self.assertFalse(any(os.path.exists(path) for path in stored))

    def test_image_create_without_a_file_stays_queued(self):
        image = self.ciming_json('image', 'create', 'later', '--target',
                                 'dev-a')
        self.assertEqual('queued', image['status'])
        self.assertEqual([], self.ciming_json('job', 'list'))

    # The cache

    def test_cache_serves_lists_without_requests(self):
        for name in ('ubuntu-22', 'ubuntu-24', 'debian-12'):
            self.client().images.create(name, ['dev-a'])
        proxy = CountingProxy(self.endpoint)
        self.addCleanup(proxy.stop)

        first = self.ciming_json('image', 'list', '--cached',
                                 endpoint=proxy.endpoint)
        self.assertEqual(3, len(first))
        self.assertGreater(proxy.count(), 0)
        before = proxy.count()
        second = self.ciming_json('image', 'list', '--cached',
                                  endpoint=proxy.endpoint)
        self.assertEqual(before, proxy.count())
        self.assertEqual(first, second)

        names = self.ciming('image', 'list', '--cached', '--name',
                            'ubuntu-*', '-f', 'value', '-c', 'Name',
                            endpoint=proxy.endpoint)[0].split()
        self.assertEqual(['ubuntu-22', 'ubuntu-24'], sorted(names))
        missing = self.ciming_json('image', 'list', '--cached',
                                   '--missing-in', 'dev-a', '--status',
                                   'queued', endpoint=proxy.endpoint)
        self.assertEqual(3, len(missing))
        self.assertEqual([], self.ciming_json(
            'image', 'list', '--cached', '--available-in', 'dev-a',
            endpoint=proxy.endpoint))
        self.assertEqual(before, proxy.count())

        self.client().images.create('fedora', ['dev-b'])
        self.assertNotIn('fedora', self.ciming(
            'image', 'list', '--cached', endpoint=proxy.endpoint)[0])
        self.assertIn('fedora', self.ciming(
            'image', 'list', '--refresh', endpoint=proxy.endpoint)[0])
        self.assertGreater(proxy.count(), before)
        before = proxy.count()
        self.assertIn('fedora', self.ciming(
            'image', 'list', '--cached', endpoint=proxy.endpoint)[0])
        matrix = self.ciming_json('image', 'availability', '--cached',
                                  endpoint=proxy.endpoint)
        self.assertGreater(proxy.count(), before)  # clouds, once
        before = proxy.count()
        self.assertEqual(matrix, self.ciming_json(
            'image', 'availability', '--cached', endpoint=proxy.endpoint))
        self.assertEqual(before, proxy.count())
        self.assertEqual({'pending'}, {r['dev-b'] for r in matrix
                                       if r['name'] == 'fedora'})

    # Errors

    def test_errors_are_one_line_and_exit_non_zero(self):
        _out, err = self.ciming('image', 'show', 'nothing', expect=1)
        self.assertOneLineError(err, 'No image with name or id nothing')
        _out, err = self.openstack('image', 'show', 'nothing', expect=1)
        self.assertOneLineError(err, 'No image with name or id nothing')
        _out, err = self.ciming('image', 'create', 'x', '--target',
                                'no-such-cloud', expect=1)
        self.assertOneLineError(err, 'HTTP 400')
        _out, err = self.openstack('cloud', 'show', 'no-such', expect=1)
        self.assertOneLineError(err, 'HTTP 404')
        _out, err = self.ciming('image', 'list', expect=1,
                                endpoint='http://127.0.0.1:%d'
                                % base.free_port())
        self.assertOneLineError(err, 'Cannot reach the CIMinG API')
        _out, err = self.ciming('job', 'show', 'x', '--wait', expect=1)
        self.assertOneLineError(err, 'HTTP 404')

    def test_openstack_plugin_aws_cloud_end_to_end(self):
        moto = aws_env.server()
        profile = os.path.join(self.dir, 'aws-credentials')
        with open(profile, 'w') as out:
            out.write('[test]\naws_access_key_id = %s\n'
                      'aws_secret_access_key = %s\n' % (
                          aws_env.KEYS['aws_access_key_id'],
                          aws_env.KEYS['aws_secret_access_key']))
        credentials = os.path.join(self.dir, 'credentials.yaml')
        with open(credentials, 'w') as out:
            out.write('aws-x:\n  aws_profile: test\n'
                      '  aws_credentials_file: %s\n' % profile)
        cloud = self.openstack_json(
            'cloud', 'create', 'aws-x', '--type', 'aws', '--region',
            'us-east-1', '--option', 'endpoint_url=%s' % moto.endpoint)
        self.assertEqual('aws', cloud['type'])
        valid = self.openstack_json('cloud', 'validate', 'aws-x',
                                    '--credentials-file', credentials)
        self.assertTrue(valid['valid'])

        data = self.data_file('aws.raw', 3 * MiB + 1)
        out, err = self.openstack(
            'image', 'create', 'to-aws', '--file', data, '--disk-format',
            'raw', '--container-format', 'bare', '--target', 'dev-a',
            '--target', 'aws-x', '--credentials-file', credentials,
            '--wait', '-f', 'json')
        image = json.loads(out)
        self.assertEqual('active', image['status'], err)
        rows = self.openstack_json('image', 'availability', '--name',
                                   'to-aws')
        # Every cloud is a column; dev-b does not hold the image.
        self.assertEqual([{'id': image['id'], 'name': 'to-aws',
                           'dev-a': 'active', 'dev-b': '',
                           'aws-x': 'active'}], rows)
        amis = moto.client('ec2').describe_images(
            Owners=['self'], Filters=[{'Name': 'tag:ciming-image-id',
                                       'Values': [image['id']]}])['Images']
        self.assertEqual(1, len(amis))
