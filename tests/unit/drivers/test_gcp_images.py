"""Compute Engine names, labels and the mapping of properties."""

import json
import re

from ciming.drivers import base as driver_base
from ciming.drivers import gcp_images
from tests.unit import base

_VALID = re.compile(r'^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$')
IMAGE_ID = '5f1e8a9c-1111-2222-3333-444455556666'


class NameTestCase(base.TestCase):

    def test_names_are_valid_for_compute_engine(self):
        for name in ('Ubuntu 24.04 LTS', '', None, '0day', '---',
                     'x' * 300, 'Ünïcødé ☃', 'a\0b', '\ud800'):
            found = gcp_images.image_name(name, IMAGE_ID)
            self.assertRegex(found, _VALID, repr(name))
            self.assertTrue(found.endswith(IMAGE_ID.replace('-', '')))

    def test_name_is_stable(self):
        self.assertEqual('ubuntu-24-04-lts-5f1e8a9c111122223333444455556666',
                         gcp_images.image_name('Ubuntu 24.04 LTS', IMAGE_ID))


class BodyTestCase(base.TestCase):

    def body(self, properties, **kwargs):
        expected = driver_base.RemoteImage(
            remote_id=IMAGE_ID, name='n', size=10, os_hash_algo='sha512',
            os_hash_value='ab' * 64, checksum='cd' * 16)
        return gcp_images.image_body('n-x', 'https://storage.googleapis.com'
                                     '/b/o.tar.gz', expected, IMAGE_ID,
                                     properties, **kwargs)

    def test_documented_mapping(self):
        body = self.body({'hw_firmware_type': 'uefi', 'os_type': 'windows',
                          'hw_scsi_model': 'virtio-scsi',
                          'hw_vif_model': 'gve', 'architecture': 'aarch64',
                          'gce_licenses': 'projects/p/global/licenses/l'},
                         storage_location='eu')
        self.assertEqual(['GVNIC', 'UEFI_COMPATIBLE',
                          'VIRTIO_SCSI_MULTIQUEUE', 'WINDOWS'],
                         [f['type'] for f in body['guestOsFeatures']])
        self.assertEqual('ARM64', body['architecture'])
        self.assertEqual(['projects/p/global/licenses/l'], body['licenses'])
        self.assertEqual(['eu'], body['storageLocations'])

    def test_unknown_features_are_dropped(self):
        body = self.body({'gce_guest_os_features': 'SEV_CAPABLE, BOGUS'})
        self.assertEqual([{'type': 'SEV_CAPABLE'}], body['guestOsFeatures'])

    def test_labels_fit_compute_engine(self):
        labels = self.body({}, owner='Project-ID_x')['labels']
        for value in labels.values():
            self.assertRegex(value, r'^[a-z0-9_-]{0,63}$')
        self.assertEqual(IMAGE_ID, labels[gcp_images.ID_LABEL])

    def test_round_trip_of_hashes_through_the_description(self):
        body = self.body({'hw_firmware_type': 'uefi'})
        image = dict(body, status='READY', archiveSizeBytes='99',
                     diskSizeGb='1')
        remote = gcp_images.normalize(image, exportable=True)
        self.assertEqual(('ab' * 64, 'cd' * 16, 10),
                         (remote.os_hash_value, remote.checksum,
                          remote.size))
        self.assertEqual('active', remote.status)
        self.assertEqual('uefi', remote.properties['hw_firmware_type'])
        self.assertTrue(remote.to_dict()['exportable'])

    def test_properties_read_from_the_image_are_fixed(self):
        body = self.body({'hw_firmware_type': 'uefi'})
        image = dict(body, status='READY', archiveSizeBytes='99',
                     diskSizeGb='1', architecture='X86_64',
                     labels=dict(body['labels'], os_distro='debian'))
        remote = gcp_images.normalize(image)
        self.assertEqual(['architecture', 'gce_archive_size_bytes',
                          'gce_disk_size_gb', 'gce_guest_os_features',
                          'hw_firmware_type'], remote.fixed_properties)
        self.assertEqual('debian', remote.properties['os_distro'])

    def test_foreign_description_is_harmless(self):
        for description in ('not json', json.dumps([1]),
                            json.dumps({'ciming': 'x'}),
                            json.dumps({'ciming': {'size': 'big'}})):
            remote = gcp_images.normalize({'name': 'x', 'status': 'READY',
                                           'description': description})
            self.assertIsNone(remote.size)
            self.assertNotIn('exportable', remote.to_dict())

    def test_staged_object(self):
        self.assertEqual(('b', 'dir/o.tar.gz'), gcp_images.staged_object(
            {'rawDisk': {'source': 'https://storage.googleapis.com/b/dir/'
                                   'o.tar.gz'}}))
        self.assertIsNone(gcp_images.staged_object({}))
        self.assertIsNone(gcp_images.staged_object(
            {'rawDisk': {'source': 'https://example.com/b/o'}}))
