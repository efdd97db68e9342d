"""Format attacks are refused, and qcow2 reaches a raw-only cloud as raw.

The hostile images are built here with qemu-img: a qcow2 naming a
backing file, a qcow2 with an external data file, a VMDK whose
descriptor names a host file as its extent, and data whose real format
is not the declared one. Each is refused at upload (a 400, nothing
staged, the image back to queued) and in a sync whose source cloud
holds it (the job fails, nothing is created in the target). A local
cloud with ``disk_formats: [raw]`` stands in for a cloud that takes only
raw: a qcow2 upload reaches it as the exact ``qemu-img convert`` output.
"""

import hashlib
import json
import os
import uuid

from tests import disk_images
from tests.functional import base

VERSION = {'OpenStack-API-Version': 'cloud-image-manager 1.3'}

ATTACKS = {
    'qcow2 with a backing file': (
        'qcow2', disk_images.qcow2_with_backing_file, 'unsafe_image',
        'backing file'),
    'qcow2 with an external data file': (
        'qcow2', disk_images.qcow2_with_data_file, 'unsafe_image',
        'data_file'),
    'vmdk with an external extent': (
        'vmdk', disk_images.vmdk_with_external_extent, 'unsafe_image',
        'extent'),
    'raw declared qcow2': (
        'qcow2', disk_images.raw, 'image_format_mismatch', 'qcow2'),
    'qcow2 declared raw': (
        'raw', lambda: disk_images.qcow2(b'not raw'),
        'image_format_mismatch', 'it is qcow2'),
}


class ImageFormatsTest(base.FunctionalTestCase):

    backend = 'mysql'

    def new_image(self, targets, disk_format):
        return self.client.post('/v1/images', {
            'name': base.unique_name('fmt-'), 'disk_format': disk_format,
            'container_format': 'bare', 'targets': targets})

    def make_raw_only_cloud(self):
        """A local cloud taking only raw, as a public cloud may."""
        name = base.unique_name('raw-only-')
        cloud = self.client.post('/v1/clouds', {
            'name': name, 'type': 'local',
            'options': {'path': name, 'disk_formats': ['raw']}})
        return cloud, os.path.join(self.deployment.clouds_root,
                                   cloud['options']['path'])

    def test_attacks_are_refused_at_upload(self):
        cloud, directory = self.make_cloud()
        for name, (fmt, build, code, words) in ATTACKS.items():
            image = self.new_image([cloud['id']], fmt)
            resp = self.client.upload(image['id'], build(), expect=None)
            error = base.check_error(self, resp, 400)
            self.assertEqual(code, error['code'], name)
            self.assertIn(words, error['message'], name)
            self.assertEqual([], self.staged_files(image['id']), name)
            self.assertEqual([], self.cloud_files(directory, image['id']),
                             name)
            after = self.client.get('/v1/images/%s' % image['id'])
            self.assertEqual('queued', after['status'], name)
            self.assertIsNone(after['size'], name)
            self.assertEqual([], self.client.get(
                '/v1/jobs?image_id=%s' % image['id'])['jobs'], name)

    def put_by_hand(self, directory, data, disk_format):
        """An image in a local cloud that CIMinG did not write."""
        remote_id = 'outside-%s' % uuid.uuid4().hex[:8]
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, remote_id + '.img'), 'wb') as out:
            out.write(data)
        with open(os.path.join(directory, remote_id + '.json'), 'w') as out:
            json.dump({'disk_format': disk_format,
                       'container_format': 'bare'}, out)
        return remote_id

    def test_attacks_are_refused_in_a_sync(self):
        source, source_dir = self.make_cloud()
        target, target_dir = self.make_cloud()
        for name, (fmt, build, code, words) in ATTACKS.items():
            remote_id = self.put_by_hand(source_dir, build(), fmt)
            adopted = self.client.post('/v1/images/adopt', {
                'source': {'cloud': source['id'], 'remote_id': remote_id},
                'targets': [target['id']]})
            job = self.wait_job(adopted['job']['id'])
            self.assertEqual('failed', job['state'], name)
            self.assertIn(words, job['error'], (name, job))
            self.assertEqual([], self.cloud_files(target_dir,
                                                  adopted['id']), name)
            self.assertEqual([], os.listdir(target_dir)
                             if os.path.isdir(target_dir) else [], name)
            image = self.client.get('/v1/images/%s' % adopted['id'])
            where = {loc['cloud_id']: loc for loc in image['locations']}
            self.assertIsNone(where[target['id']]['remote_id'], name)

    def test_qcow2_reaches_a_raw_only_cloud_converted(self):
        raw_only, raw_dir = self.make_raw_only_cloud()
        anything, any_dir = self.make_cloud()
        payload = os.urandom(3 * base.MiB)
        data = disk_images.qcow2(payload, virtual_size=8 * base.MiB + 512)
        expected_raw = disk_images.convert_to_raw(data, 'qcow2')
        self.assertEqual(8 * base.MiB + 512, len(expected_raw))
        image = self.new_image([raw_only['id'], anything['id']], 'qcow2')

        job = self.client.upload(image['id'], data).json()
        job = self.client.get('/v1/jobs/%s' % self.wait_job(job['id'])['id'],
                              headers=VERSION)

        self.assertEqual('succeeded', job['state'], job)
        with open(os.path.join(raw_dir, image['id'] + '.img'), 'rb') as f:
            held_raw = f.read()
        self.assertEqual(hashlib.sha512(expected_raw).hexdigest(),
                         hashlib.sha512(held_raw).hexdigest())
        with open(os.path.join(any_dir, image['id'] + '.img'), 'rb') as f:
            self.assertEqual(data, f.read())
        raw_sha = hashlib.sha512(expected_raw).hexdigest()
        self.assertEqual(
            {'disk_format': 'qcow2', 'size': len(data),
             'os_hash_value': hashlib.sha512(data).hexdigest()},
            {k: job['data']['source'][k]
             for k in ('disk_format', 'size', 'os_hash_value')})
        self.assertEqual(
            {'disk_format': 'raw', 'size': len(expected_raw),
             'os_hash_value': raw_sha},
            {k: job['data']['converted'][k]
             for k in ('disk_format', 'size', 'os_hash_value')})
        image = self.client.get('/v1/images/%s' % image['id'],
                                headers=VERSION)
        self.assertEqual(len(expected_raw), image['virtual_size'])
        held = {loc['cloud_id']: (loc['disk_format'], loc['size'],
                                  loc['os_hash_value'])
                for loc in image['locations']}
        self.assertEqual({
            raw_only['id']: ('raw', len(expected_raw), raw_sha),
            anything['id']: ('qcow2', len(data),
                             hashlib.sha512(data).hexdigest())}, held)
        self.assertEqual([], os.listdir(os.path.join(
            self.deployment.dir, 'state', 'conversion'))
            if os.path.isdir(os.path.join(self.deployment.dir, 'state',
                                          'conversion')) else [])

        # A refresh finds both copies as recorded: neither changed.
        self.client.post('/v1/images/%s/refresh' % image['id'], {},
                         expect=200)
        image = self.client.get('/v1/images/%s' % image['id'])
        self.assertEqual(['active', 'active'],
                         [loc['status'] for loc in image['locations']])

    def test_a_format_no_conversion_reaches_is_refused_for_a_raw_cloud(self):
        raw_only, _dir = self.make_raw_only_cloud()
        resp = self.client.request('POST', '/v1/images', json_body={
            'disk_format': 'iso', 'targets': [raw_only['id']]})
        error = base.check_error(self, resp, 400)
        self.assertEqual('unsupported_format', error['code'])
