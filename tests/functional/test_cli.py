"""The CLI as ``openstack image`` users expect it, run as processes.

Against ``ciming-all-in-one`` (noauth): ``-f json`` keys are the API's
field names, structured values read as text in ``-f value``, ``image
upload`` fills a queued image, and ``--wait --timeout`` gives up with the
id and a message. Against the Keystone deployment of
:mod:`tests.functional.test_openstack`: ``ciming --os-cloud NAME`` finds
the password in ``secure.yaml``, and ``image set``, ``unset`` and
``deprecate`` change every Glance copy (these need API 1.1, the image
lifecycle; against a service without it they are skipped, saying so).
"""

import json
import os
import socket
import subprocess
import threading

from glanceclient import client as glance_client
from glanceclient import exc as glance_exc
import yaml

from ciming.api.controllers.v1 import versions
from tests.functional import base
from tests.functional import test_client
from tests.functional import test_openstack


class HangingServer:
    """Accepts connections and never answers: a cloud that hangs."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(16)
        self.held = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return 'http://127.0.0.1:%d/v3' % self.sock.getsockname()[1]

    def _accept(self):
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def stop(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


class AllInOneCLITest(test_client.AllInOneCLIBase):

    def test_openstack_image_show_json_keys_are_the_api_field_names(self):
        client = self.client()
        image = client.images.create('keys', ['dev-a', 'dev-b'])
        api = client.images.get(image['id'])
        shown = self.openstack_json('image', 'show', image['id'])
        self.assertEqual(sorted(api), sorted(shown))
        self.assertEqual(api['locations'], shown['locations'])
        self.assertEqual(api['id'], shown['id'])
        # The same names in the standalone program, and in lists.
        self.assertEqual(sorted(api), sorted(self.ciming_json(
            'image', 'show', 'keys')))
        row = self.ciming_json('image', 'list', '--long')[0]
        self.assertLessEqual(set(row), set(api))
        self.assertIn('os_hash_value', self.openstack_json(
            'image', 'show', 'keys', '-c', 'OS Hash Value'))

    def test_value_format_prints_structures_as_text(self):
        self.client().images.create('text', ['dev-a', 'dev-b'])
        out, _err = self.openstack('image', 'show', 'text', '-f', 'value',
                                   '-c', 'locations')
        self.assertEqual('dev-a=pending, dev-b=pending', out.strip())
        out, _err = self.ciming('image', 'list', '-f', 'csv', '-c', 'name',
                                '-c', 'locations')
        self.assertEqual(['"name","locations"',
                          '"text","dev-a=pending, dev-b=pending"'],
                         out.splitlines())

    def test_image_upload_fills_a_queued_image(self):
        self.ciming('image', 'create', 'later', '--target', 'dev-a',
                    '--target', 'dev-b')
        data = self.data_file('later.raw')
        out, err = self.openstack('image', 'upload', 'later', '--file',
                                  data, '--progress', '--wait', '-f',
                                  'json')
        image = json.loads(out)
        self.assertEqual(('active', test_client.UPLOAD_SIZE),
                         (image['status'], image['size']), err)
        self.assertIn('100% 8.0/8.0 MiB', err)
        sha512, md5 = base.sha512_md5_of_file(data)
        self.assertEqual((sha512, md5), (image['os_hash_value'],
                                         image['checksum']))
        for cloud in ('dev-a', 'dev-b'):
            stored = os.path.join(self.data_dir, 'local-clouds', cloud,
                                  image['id'] + '.img')
            self.assertTrue(base.files_identical(data, stored))

    def test_wait_timeout_prints_the_id_and_fails(self):
        hanging = HangingServer()
        self.addCleanup(hanging.stop)
        self.ciming('cloud', 'create', 'hangs', '--type', 'openstack',
                    '--region', 'RegionOne', '--option',
                    'auth_url=' + hanging.url)
        clouds_yaml = os.path.join(self.dir, 'clouds.yaml')
        with open(clouds_yaml, 'w') as out:
            yaml.safe_dump({'clouds': {'hangs': {'auth': {
                'auth_url': hanging.url, 'username': 'u',
                'password': 'p', 'project_name': 'x',
                'user_domain_name': 'Default',
                'project_domain_name': 'Default'}}}}, out)
        credentials = os.path.join(self.dir, 'credentials.yaml')
        with open(credentials, 'w') as out:
            yaml.safe_dump({'hangs': {'clouds_yaml': 'hangs',
                                      'clouds_yaml_file': clouds_yaml}}, out)
        data = self.data_file('slow.raw', size=base.MiB)

        out, err = self.ciming(
            'image', 'create', 'slow', '--file', data, '--target', 'dev-a',
            '--target', 'hangs', '--credentials-file', credentials,
            '--wait', '--timeout', '1', '-f', 'value', '-c', 'id',
            expect=1)
        image_id = out.strip()
        image = self.client().images.get(image_id)
        self.assertEqual('slow', image['name'])
        self.assertIn('Timed out after 1s waiting for job', err)
        self.assertIn('of image %s' % image_id, err)
        self.assertNotIn('Traceback', err)
        # Not a terminal: the job's state once, then the message.
        [state, message] = err.strip().splitlines()
        self.assertIn('hangs', state)
        self.assertIn('job show', message)


class KeystoneCLITest(base.FunctionalTestCase):
    """``ciming --os-cloud`` against a CIMinG deployed with Keystone."""

    backend = 'mysql'

    def setUp(self):
        self.env = test_openstack.environment_for(self)
        self.deployment_config = test_openstack.keystone_config(self.env)
        super().setUp()
        self.alpha = self.env['clouds']['alpha']
        self.dir = self.make_temp_dir()
        self.process_env = {
            k: v for k, v in os.environ.items()
            if not k.startswith(('OS_', 'CIMING_ENDPOINT'))}
        self.process_env.update({
            'HOME': self.dir,
            'CIMING_CACHE_DIR': os.path.join(self.dir, 'cache'),
            'OS_CLIENT_CONFIG_FILE': os.path.join(self.dir, 'clouds.yaml'),
            'OS_CLIENT_SECURE_FILE': os.path.join(self.dir, 'secure.yaml'),
        })
        self.cloud_name = base.unique_name('cli-')
        user = self.alpha['users']['demo']
        self.write_yaml('clouds.yaml', {'clouds': {self.cloud_name: {
            'auth_type': 'password',
            'region_name': 'RegionOne',
            'cloud_image_manager_endpoint_override':
                self.deployment.endpoint,
            'auth': {'auth_url': self.alpha['auth_url'],
                     'username': user['username'],
                     'project_name': user['project_name'],
                     'user_domain_name': user['user_domain_name'],
                     'project_domain_name': user['project_domain_name']}}}})
        self.write_yaml('secure.yaml', {'clouds': {self.cloud_name: {
            'auth': {'password': user['password']}}}})
        self.commands = []

    def write_yaml(self, name, document):
        with open(os.path.join(self.dir, name), 'w') as out:
            yaml.safe_dump(document, out)

    def run_ciming(self, *args, expect=0, env=None):
        result = subprocess.run(
            [base.find_command('ciming')] + list(args),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL, env=env or self.process_env,
            timeout=test_client.TIMEOUT)
        out = result.stdout.decode('utf-8', 'replace')
        err = result.stderr.decode('utf-8', 'replace')
        if expect is not None:
            self.assertEqual(expect, result.returncode,
                             'rc=%s: %s\n%s' % (result.returncode, out, err))
        return out, err

    def test_os_cloud_with_the_password_in_secure_yaml(self):
        name = base.unique_name('r1-')
        out, _err = self.run_ciming('--os-cloud', self.cloud_name, 'cloud',
                                    'create', name, '--type', 'openstack',
                                    '--region', 'RegionOne', '-f', 'json')
        cloud = json.loads(out)
        session = test_openstack._session(self.alpha,
                                          self.alpha['users']['demo'])
        self.assertEqual(session.get_project_id(), cloud['project_id'])

        # OS_CLOUD works as --os-cloud.
        env = dict(self.process_env, OS_CLOUD=self.cloud_name)
        out, _err = self.run_ciming('cloud', 'show', name, '-f', 'json',
                                    env=env)
        self.assertEqual(cloud['id'], json.loads(out)['id'])

        # The password came from secure.yaml: without it, no token.
        os.unlink(os.path.join(self.dir, 'secure.yaml'))
        _out, err = self.run_ciming('--os-cloud', self.cloud_name, 'cloud',
                                    'show', name, expect=1)
        self.assertNotIn('Traceback', err)

    # Image metadata in every Glance (API 1.1)

    def ciming_json(self, *args):
        out, _err = self.run_ciming('--os-cloud', self.cloud_name,
                                    *(args + ('-f', 'json')))
        return json.loads(out)

    def ciming(self, *args, expect=0):
        return self.run_ciming('--os-cloud', self.cloud_name, *args,
                               expect=expect)

    def _needs_lifecycle(self):
        # Microversions land out of order (1.3 before 1.1): ask the code.
        if not any(name.startswith('MINOR_1_') for name in dir(versions)):
            self.skipTest('image set/unset/deprecate need API 1.1 (image '
                          'lifecycle), not in this checkout yet')

    def glance(self, region):
        session = test_openstack._session(self.alpha,
                                          self.alpha['users']['demo'])
        return glance_client.Client('2', session=session,
                                    region_name=region)

    def _delete_copies(self, image_id):
        for region in ('RegionOne', 'RegionTwo'):
            glance = self.glance(region)
            for found in glance.images.list(
                    filters={'ciming_image_id': image_id}):
                try:
                    glance.images.update(found['id'], protected=False)
                    glance.images.delete(found['id'])
                except glance_exc.HTTPException:
                    pass

    def copies(self, image):
        """The Glance copy of the image in each region."""
        copies = {}
        for location in image['locations']:
            region = self.regions[location['cloud_name']]
            copies[region] = self.glance(region).images.get(
                location['remote_id'])
        return copies

    def test_metadata_set_unset_and_deprecation_in_every_glance(self):
        self._needs_lifecycle()
        self.regions = {}
        for region in ('RegionOne', 'RegionTwo'):
            name = base.unique_name('cli-%s-' % region[-3:].lower())
            self.ciming('cloud', 'create', name, '--type', 'openstack',
                        '--region', region)
            self.regions[name] = region
        data, _sha512, _md5 = self.make_data_file(base.MiB)
        name = base.unique_name('meta-')
        image = self.ciming_json(
            'image', 'create', name, '--file', data,
            '--target', list(self.regions)[0], '--target',
            list(self.regions)[1], '--property', 'os_distro=debian',
            '--tag', 'lts', '--min-disk', '1', '--shared', '--wait')
        self.addCleanup(self._delete_copies, image['id'])
        self.assertEqual('active', image['status'])
        for region, copy in self.copies(image).items():
            self.assertEqual(('debian', ['lts'], 1, 'shared'),
                             (copy.get('os_distro'), copy['tags'],
                              copy['min_disk'], copy['visibility']),
                             region)

        self.ciming('image', 'set', name, '--property', 'os_distro=ubuntu',
                    '--tag', 'stable', '--wait')
        for region, copy in self.copies(image).items():
            self.assertEqual(('ubuntu', ['lts', 'stable']),
                             (copy.get('os_distro'), sorted(copy['tags'])),
                             region)

        self.ciming('image', 'unset', name, '--property', 'os_distro',
                    '--tag', 'lts', '--wait')
        for region, copy in self.copies(image).items():
            self.assertNotIn('os_distro', copy)
            self.assertEqual(['stable'], copy['tags'], region)

        job = self.ciming_json('image', 'deprecate', name, '--wait')
        self.assertEqual('succeeded', job['state'], job)
        for region, copy in self.copies(image).items():
            self.assertTrue(copy['os_hidden'], region)
            listed = [i['id'] for i in self.glance(region).images.list()]
            self.assertNotIn(copy['id'], listed)
        self.assertTrue(self.ciming_json('image', 'show',
                                         name)['deprecated'])

        job = self.ciming_json('image', 'undeprecate', name, '--wait')
        self.assertEqual('succeeded', job['state'], job)
        for region, copy in self.copies(image).items():
            self.assertFalse(copy['os_hidden'], region)
