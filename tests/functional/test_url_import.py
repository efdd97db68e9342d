"""Import from a URL (API 1.2) into a local cloud and a real Glance.

A plain HTTP server started by the test on 127.0.0.1 serves the image.
The deployment of :class:`URLImportTest` allows that address
(``[url_import] allowed_networks``); the one of
:class:`URLImportDeniedTest` has the default policy, which refuses it
before any request is made.
"""

import hashlib
import os

from glanceclient import client as glance_client
from glanceclient import exc as glance_exc

from tests.functional import base
from tests.functional import test_openstack
from tests import local_http

V12 = {'OpenStack-API-Version': 'cloud-image-manager 1.2'}
MiB = base.MiB


class _OpenStackURLTest(base.FunctionalTestCase):
    """A deployment in cloud alpha; RegionOne and a local cloud."""

    backend = 'mysql'
    job_timeout = 180
    url_import_config = None

    def setUp(self):
        self.env = test_openstack.environment_for(self)
        config = test_openstack.keystone_config(self.env)
        if self.url_import_config:
            config['url_import'] = self.url_import_config
        self.deployment_config = config
        super().setUp()
        alpha = self.env['clouds']['alpha']
        self.session = test_openstack._session(alpha,
                                               alpha['users']['demo'])
        self.client = test_openstack.TokenClient(self.deployment.endpoint,
                                                 self.session)
        self.r1 = base.unique_name('alpha-r1-')
        self.client.post('/v1/clouds', {'name': self.r1,
                                        'type': 'openstack',
                                        'region': 'RegionOne'})
        self.local, self.local_dir = self.make_cloud(client=self.client)
        self.http = self.useFixture(local_http.HTTPServerFixture())
        self.data = os.urandom(2 * MiB + 11)
        self.http.files['/images/disk.raw'] = self.data

    def glance(self):
        return glance_client.Client('2', session=self.session,
                                    region_name='RegionOne')

    def glance_copies(self, image_id):
        glance = self.glance()
        found = list(glance.images.list(
            filters={'ciming_image_id': image_id}))
        for image in found:
            self.addCleanup(_quietly_delete, glance, image['id'])
        return found

    def create(self, source, expect=201, name=None):
        return self.client.request('POST', '/v1/images', expect, json_body={
            'name': name or base.unique_name('url-'),
            'targets': [self.local['name'], self.r1],
            'source': source}, headers=V12)


class URLImportTest(_OpenStackURLTest):

    url_import_config = {'allowed_networks': '127.0.0.1/32',
                         'allowed_ports': ''}

    def test_right_checksum_lands_byte_identical_everywhere(self):
        sha256 = hashlib.sha256(self.data).hexdigest()
        image = self.create({'url': self.http.url('/images/disk.raw'),
                             'checksum': 'sha256:' + sha256}).json()
        self.addCleanup(self.glance_copies, image['id'])
        self.assertEqual('importing', image['status'])
        job = self.wait_job(image['job']['id'])

        self.assertEqual('succeeded', job['state'], job)
        self.assertEqual('import_url', job['action'])
        image = self.client.get('/v1/images/%s' % image['id'])
        self.assertEqual('active', image['status'])
        self.assertEqual(len(self.data), image['size'])
        self.assertEqual(hashlib.sha512(self.data).hexdigest(),
                         image['os_hash_value'])
        with open(os.path.join(self.local_dir, image['id'] + '.img'),
                  'rb') as stored:
            self.assertEqual(self.data, stored.read())
        copies = self.glance_copies(image['id'])
        self.assertEqual(1, len(copies))
        self.assertEqual('active', copies[0]['status'])
        self.assertEqual(self.data, b''.join(
            self.glance().images.data(copies[0]['id'])))
        # Read once, fanned out to both targets.
        self.assertEqual(['/images/disk.raw'], self.http.paths)

    def test_checksum_from_a_sha256sums_file(self):
        self.http.files['/images/SHA256SUMS'] = (
            '%s *disk.raw\n' % hashlib.sha256(self.data).hexdigest()).encode()
        image = self.create({
            'url': self.http.url('/images/disk.raw'),
            'checksums_url': self.http.url('/images/SHA256SUMS')}).json()
        self.addCleanup(self.glance_copies, image['id'])
        job = self.wait_job(image['job']['id'])
        self.assertEqual('succeeded', job['state'], job)

    def test_wrong_checksum_fails_and_leaves_nothing_anywhere(self):
        image = self.create({'url': self.http.url('/images/disk.raw'),
                             'checksum': 'sha256:' + '0' * 64}).json()
        self.addCleanup(self.glance_copies, image['id'])
        job = self.wait_job(image['job']['id'])

        self.assertEqual('failed', job['state'], job)
        self.assertIn('sha256', job['error'])
        self.assertEqual([], self.cloud_files(self.local_dir, image['id']))
        self.assertEqual([], self.glance_copies(image['id']))
        image = self.client.get('/v1/images/%s' % image['id'])
        self.assertEqual([None, None],
                         [loc['remote_id'] for loc in image['locations']])
        self.assertIsNone(image['os_hash_value'])


class URLImportDeniedTest(_OpenStackURLTest):

    def test_a_denied_address_is_refused_before_any_request(self):
        name = base.unique_name('denied-')
        for url in (self.http.url('/images/disk.raw'),
                    self.http.url('/images/disk.raw', host='localhost'),
                    self.http.url('/images/disk.raw', host='0x7f.1'),
                    self.http.url('/images/disk.raw', host='2130706433'),
                    self.http.url('/images/disk.raw', host='[::1]'),
                    self.http.url('/images/disk.raw',
                                  host='[::ffff:127.0.0.1]'),
                    'http://169.254.169.254/latest/meta-data/',
                    'http://u:p@127.0.0.1/x', 'file:///etc/passwd'):
            resp = self.create({'url': url, 'checksum': 'sha256:' + '0' * 64},
                               expect=None, name=name)
            error = base.check_error(self, resp, 400)
            self.assertEqual('url_not_allowed', error['code'], url)
        resp = self.client.request(
            'POST', '/v1/images', headers=dict(
                V12, **{'Content-Type': 'application/json'}),
            data=b'{"targets": ["x"], "source": {"url": "http://a\\u0000b/",'
                 b' "checksum": "sha256:' + b'0' * 64 + b'"}}')
        base.check_error(self, resp, 400)

        self.assertEqual([], self.http.requests)
        listed = self.client.get('/v1/images?name=%s' % name)['images']
        self.assertEqual([], listed)


def _quietly_delete(glance, image_id):
    try:
        glance.images.delete(image_id)
    except glance_exc.HTTPNotFound:
        pass
