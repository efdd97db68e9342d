"""Google Cloud as a target and a source, against the stand-ins.

Cloud Storage is the real gcp-storage-emulator; Compute Engine is the
fake of :mod:`tests.fakes.gce_server`, which reads what the driver staged
from the emulator as Compute Engine would. CIMinG runs inside the
OpenStack test environment (RegionOne is a Glance region of alpha).
"""

import hashlib
import os
import uuid

from ciming.drivers import gcp_tarball
from tests import disk_images
from tests.functional import base
from tests.functional import gcp_stand_ins
from tests.functional import test_openstack

MiB = 1024 * 1024
V11 = {'OpenStack-API-Version': 'cloud-image-manager 1.1'}


def half_zero(size):
    """Random data with a run of zeros filling its second half."""
    return os.urandom(size // 2) + bytes(size - size // 2)


class GCPTest(base.FunctionalTestCase):

    backend = 'postgresql'
    job_timeout = 180

    def setUp(self):
        self.env = test_openstack.environment_for(self)
        self.deployment_config = test_openstack.keystone_config(self.env)
        super().setUp()
        alpha = self.env['clouds']['alpha']
        self.demo_session = test_openstack._session(
            alpha, alpha['users']['demo'])
        self.client = test_openstack.TokenClient(self.deployment.endpoint,
                                                 self.demo_session)
        self.gcp = gcp_stand_ins.StandIns(self, self.make_temp_dir())
        self.gcp_cloud = self.client.post('/v1/clouds',
                                          self.gcp.cloud_body())
        self.dev_a, self.dev_a_dir = self.make_cloud(
            base.unique_name('dev-a-'), client=self.client)

    # Helpers

    def credentials(self):
        return test_openstack.credentials_header(
            {self.gcp_cloud['name']: self.gcp.key})

    def home_cloud(self):
        return self.client.post('/v1/clouds', {
            'name': base.unique_name('alpha-r1-'), 'type': 'openstack',
            'region': 'RegionOne'})

    def clean_glance(self, image_id):
        from glanceclient import client as glance_client
        glance = glance_client.Client('2', session=self.demo_session,
                                      region_name='RegionOne')

        def delete():
            for found in glance.images.list(
                    filters={'ciming_image_id': image_id}):
                glance.images.delete(found['id'])
        self.addCleanup(delete)

    def upload(self, targets, data, expect_state='succeeded'):
        image = self.make_image(targets, client=self.client)
        job = self.client.upload(image['id'], data,
                                 headers=self.credentials()).json()
        job = self.wait_job(job['id'])
        self.assertEqual(expect_state, job['state'], job)
        return self.client.get('/v1/images/%s' % image['id']), job

    def patch(self, image_id, body):
        return self.client.request(
            'PATCH', '/v1/images/%s' % image_id, 202, json_body=body,
            headers=dict(self.credentials(), **{
                'Content-Type': 'application/merge-patch+json'})).json()

    def results(self, job):
        """``{cloud id: its target}`` of a job."""
        return {t['cloud_id']: t for t in job['targets']}

    def location(self, image, cloud):
        for loc in image['locations']:
            if loc['cloud_id'] == cloud['id']:
                return loc
        self.fail('no location in %s: %s' % (cloud['name'], image))

    # Tests

    def test_upload_to_local_region_and_gcp(self):
        region = self.home_cloud()
        data = half_zero(6 * MiB + 123)
        image = self.make_image([self.dev_a['name'], region['name'],
                                 self.gcp_cloud['name']], client=self.client)
        self.clean_glance(image['id'])
        job = self.client.upload(image['id'], data,
                                 headers=self.credentials()).json()
        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)
        image = self.client.get('/v1/images/%s' % image['id'])
        sha512 = hashlib.sha512(data).hexdigest()
        self.assertEqual(sha512, image['os_hash_value'])
        for cloud in (self.dev_a, region, self.gcp_cloud):
            self.assertEqual('active', self.location(image, cloud)['status'])

        # What Compute Engine read: disk.raw first, the raw image's bytes.
        [source] = self.gcp.sources()
        self.assertEqual('disk.raw', source['first_member'])
        self.assertEqual(sha512, source['raw_sha512'])
        self.assertEqual(len(data), source['raw_size'])
        # Zeros cost next to nothing: the archive is about the random half.
        self.assertLess(source['archive_size'], len(data) // 2 + MiB)

        remote_id = self.location(image, self.gcp_cloud)['remote_id']
        [gce] = self.gcp.images()
        self.assertEqual(remote_id, gce['name'])
        self.assertEqual('READY', gce['status'])
        self.assertEqual(image['id'].replace('-', ''),
                         gce['labels']['ciming-image-id'].replace('-', ''))
        self.assertEqual([], self.gcp.objects())  # staging is gone

        # The availability matrix shows the copy in Google Cloud.
        listed = self.client.get('/v1/images?available_in=%s'
                                 % self.gcp_cloud['name'])['images']
        self.assertIn(image['id'], [i['id'] for i in listed])
        # And the live view of the copy.
        live = self.client.get('/v1/images/%s/locations?live=true'
                               % image['id'],
                               headers=self.credentials())
        [gcp_loc] = [loc for loc in live['locations']
                     if loc['cloud_id'] == self.gcp_cloud['id']]
        self.assertEqual(sha512, gcp_loc['remote']['os_hash_value'])
        self.assertIs(False, gcp_loc['remote']['exportable'])

    def test_broken_upload_connection_resumes(self):
        size = 40 * MiB
        data = os.urandom(size)
        # Cut inside the second 16 MiB piece of the upload.
        self.gcp.proxy.cut_after = 24 * MiB
        image, job = self.upload([self.gcp_cloud['name']], data)
        self.assertEqual(1, self.gcp.proxy.cuts)
        self.assertTrue(self.deployment.conductor.log_contains('resuming'))
        # Starting again from zero would send 24 MiB more than the whole;
        # resuming sends at most the broken piece again.
        self.assertLess(self.gcp.proxy.bytes_up, size + 17 * MiB)
        self.assertGreater(self.gcp.proxy.bytes_up, size)
        [source] = self.gcp.sources()
        self.assertEqual(hashlib.sha512(data).hexdigest(),
                         source['raw_sha512'])
        self.assertEqual('active',
                         self.location(image, self.gcp_cloud)['status'])

    def test_image_without_tarball_is_refused_as_sync_source(self):
        image, job = self.upload([self.gcp_cloud['name']],
                                 os.urandom(MiB))
        response = self.client.post(
            '/v1/images/%s/sync' % image['id'],
            {'targets': [self.dev_a['name']],
             'credentials': {self.gcp_cloud['name']: self.gcp.key}},
            expect=400)
        self.assertEqual('source_cannot_export', response['error']['code'])
        self.assertIn('tarball', response['error']['message'])
        image = self.client.get('/v1/images/%s' % image['id'])
        self.assertEqual([self.gcp_cloud['id']],
                         [loc['cloud_id'] for loc in image['locations']])

    def test_image_with_tarball_syncs_to_local_byte_identical(self):
        data = half_zero(5 * MiB + 7)
        tarball = b''.join(gcp_tarball.build([data], len(data)))
        name = 'outside/%s.tar.gz' % uuid.uuid4().hex
        self.gcp.put_object(name, tarball)
        remote_id = 'outside-%s' % uuid.uuid4().hex[:8]
        operation = self.gcp.insert_image(remote_id, name)
        self.assertNotIn('error', operation)

        adopted = self.client.post('/v1/images/adopt', {
            'source': {'cloud': self.gcp_cloud['name'],
                       'remote_id': remote_id},
            'targets': [self.dev_a['name']],
            'credentials': {self.gcp_cloud['name']: self.gcp.key}})
        job = self.wait_job(adopted['job']['id'])
        self.assertEqual('succeeded', job['state'], job)
        image = self.client.get('/v1/images/%s' % adopted['id'])
        copy = os.path.join(self.dev_a_dir, '%s.img' % self.location(
            image, self.dev_a)['remote_id'])
        with open(copy, 'rb') as written:
            self.assertEqual(data, written.read())
        self.assertEqual(hashlib.sha512(data).hexdigest(),
                         image['os_hash_value'])

    def test_operation_error_deletes_staging_and_leaves_no_image(self):
        self.gcp.fail_next_operation('QUOTA_EXCEEDED',
                                     'Quota IMAGES exceeded')
        image, job = self.upload([self.gcp_cloud['name']],
                                 os.urandom(2 * MiB), expect_state='failed')
        [target] = job['targets']
        self.assertEqual('failed', target['state'])
        self.assertIn('QUOTA_EXCEEDED', target['error'])
        self.assertEqual([], self.gcp.objects())
        self.assertEqual([], self.gcp.images())

    def test_hostile_options_and_keys_are_refused_as_json(self):
        good = self.gcp.cloud_body()
        for options in ({'project': 'x\0y', 'bucket': 'b-b-b'},
                        dict(good['options'], bucket='\ud800x'),
                        dict(good['options'], project=['a']),
                        dict(good['options'], storage_location='x' * 5000),
                        dict(good['options'], compute_endpoint='file:///'),
                        dict(good['options'], nested={'a': {'b': {}}})):
            body = dict(good, name=base.unique_name('bad-'),
                        options=options)
            response = self.client.request('POST', '/v1/clouds', 400,
                                           json_body=body)
            base.check_error(self, response, 400)
        image = self.make_image([self.gcp_cloud['name']],
                                client=self.client)
        for key in ({'type': 'service_account'},
                    dict(self.gcp.key, private_key='not a key' * 20),
                    dict(self.gcp.key, private_key_id='\ud800'),
                    dict(self.gcp.key, extra={'deep': [[[]]]})):
            response = self.client.request(
                'PUT', '/v1/images/%s/file' % image['id'], 400,
                data=b'x' * 1024, headers=dict(
                    test_openstack.credentials_header(
                        {self.gcp_cloud['name']: key}),
                    **{'Content-Type': 'application/octet-stream'}))
            base.check_error(self, response, 400)
            self.assertNotIn('not a key', response.text)
        self.assertEqual('queued', self.client.get(
            '/v1/images/%s' % image['id'])['status'])
        self.assertEqual([], self.gcp.objects())

    def test_compute_fake_refuses_what_compute_engine_refuses(self):
        # The stand-in itself: a missing object, a plain gzip file and a
        # tar whose first member is not disk.raw end the operation in
        # error and leave no image.
        import gzip
        import io
        import tarfile
        other = io.BytesIO()
        with tarfile.open(fileobj=other, mode='w:gz') as tar:
            info = tarfile.TarInfo('README')
            info.size = 2
            tar.addfile(info, io.BytesIO(b'hi'))
        self.gcp.put_object('plain.gz', gzip.compress(b'x' * 1000))
        self.gcp.put_object('other.tar.gz', other.getvalue())
        for name in ('missing.tar.gz', 'plain.gz', 'other.tar.gz'):
            operation = self.gcp.insert_image(
                'bad-%s' % uuid.uuid4().hex[:8], name)
            self.assertEqual('DONE', operation['status'])
            [error] = operation['error']['errors']
            self.assertEqual('INVALID_IMAGE_FILE', error['code'], name)
        self.assertEqual([], self.gcp.images())

    def test_qcow2_reaches_compute_engine_converted_to_raw(self):
        payload = os.urandom(2 * MiB)
        data = disk_images.qcow2(payload, virtual_size=6 * MiB + 512)
        expected_raw = disk_images.convert_to_raw(data, 'qcow2')
        image = self.client.post('/v1/images', {
            'name': base.unique_name('qcow-'), 'disk_format': 'qcow2',
            'container_format': 'bare',
            'targets': [self.gcp_cloud['name']]})
        job = self.client.upload(image['id'], data,
                                 headers=self.credentials()).json()
        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)
        [source] = self.gcp.sources()
        self.assertEqual('disk.raw', source['first_member'])
        self.assertEqual(len(expected_raw), source['raw_size'])
        self.assertEqual(hashlib.sha512(expected_raw).hexdigest(),
                         source['raw_sha512'])
        [gce] = self.gcp.images()
        self.assertEqual('READY', gce['status'])
        self.assertEqual([], self.gcp.objects())

    def test_metadata_changes_and_deprecation_reach_compute_engine(self):
        # API 1.1: properties become labels, deprecation Compute Engine's.
        self.client.session.headers.update(V11)
        image = self.client.post('/v1/images', {
            'name': base.unique_name('labelled-'), 'disk_format': 'raw',
            'container_format': 'bare',
            'targets': [self.dev_a['name'], self.gcp_cloud['name']],
            'properties': {'os_distro': 'ubuntu', 'os_version': '24-04'}})
        job = self.client.upload(image['id'], os.urandom(MiB + 7),
                                 headers=self.credentials()).json()
        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)
        [gce] = self.gcp.images()
        self.assertEqual('READY', gce['status'])
        labels = gce['labels']
        self.assertEqual('ubuntu', labels['os_distro'])
        self.assertEqual('24-04', labels['os_version'])
        self.assertEqual(image['id'].replace('-', ''),
                         labels['ciming-image-id'].replace('-', ''))
        self.assertNotIn('deprecated', gce)

        # A property changed and one removed: the labels follow, CIMinG's
        # own stay.
        answer = self.patch(image['id'], {
            'properties': {'os_distro': 'debian', 'os_version': None}})
        job = self.wait_job(answer['job_id'])
        self.assertEqual(('update', 'succeeded'),
                         (job['action'], job['state']), job)
        self.assertEqual({self.dev_a['id']: 'active',
                          self.gcp_cloud['id']: 'active'},
                         {c: t['state']
                          for c, t in self.results(job).items()})
        [gce] = self.gcp.images()
        self.assertEqual('debian', gce['labels']['os_distro'])
        self.assertNotIn('os_version', gce['labels'])
        self.assertEqual(labels['ciming-image-id'],
                         gce['labels']['ciming-image-id'])
        # Read back, the copies agree: no drift.
        live = self.client.get('/v1/images/%s/locations?live=true'
                               % image['id'], headers=self.credentials())
        self.assertEqual({self.dev_a['id']: [], self.gcp_cloud['id']: []},
                         {loc['cloud_id']: loc['metadata_drift']
                          for loc in live['locations']})
        for loc in live['locations']:
            self.assertNotIn('fixed_properties', loc['remote'])

        # Deprecated with no replacement, then active again.
        job = self.client.post('/v1/images/%s/deprecate' % image['id'],
                               {'replacement': None}, expect=202,
                               headers=self.credentials())
        job = self.wait_job(job['id'])
        self.assertEqual(('deprecate', 'succeeded'),
                         (job['action'], job['state']), job)
        self.assertTrue(self.client.get(
            '/v1/images/%s' % image['id'])['deprecated'])
        [gce] = self.gcp.images()
        self.assertEqual('DEPRECATED', gce['deprecated']['state'])
        self.assertRegex(gce['deprecated']['deprecated'],
                         r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
        self.assertNotIn('replacement', gce['deprecated'])
        job = self.client.post('/v1/images/%s/undeprecate' % image['id'],
                               expect=202, headers=self.credentials())
        job = self.wait_job(job['id'])
        self.assertEqual(('undeprecate', 'succeeded'),
                         (job['action'], job['state']), job)
        [gce] = self.gcp.images()
        self.assertEqual('ACTIVE', gce.get('deprecated', {}).get(
            'state', 'ACTIVE'))
        self.assertEqual('debian', gce['labels']['os_distro'])

        # A key Compute Engine cannot take fails that cloud alone, naming
        # it, and nothing of the change is sent, not even its valid part.
        before = gce
        answer = self.patch(image['id'], {
            'properties': {'OS Version': '24.04', 'os_distro': 'fedora'}})
        job = self.wait_job(answer['job_id'])
        self.assertEqual(('update', 'partial'),
                         (job['action'], job['state']), job)
        results = self.results(job)
        self.assertEqual('active', results[self.dev_a['id']]['state'])
        refused = results[self.gcp_cloud['id']]
        self.assertEqual('failed', refused['state'])
        self.assertIn('OS Version', refused['error'])
        [gce] = self.gcp.images()
        self.assertEqual(before['labels'], gce['labels'])
        self.assertEqual(before['labelFingerprint'],
                         gce['labelFingerprint'])
        self.assertEqual(before.get('description'), gce.get('description'))
        pending = self.client.get('/v1/images/%s'
                                  % image['id'])['pending_metadata']
        self.assertEqual([self.gcp_cloud['id']], pending['clouds'])
