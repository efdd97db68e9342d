"""The Google Cloud driver's update_metadata, deprecate and undeprecate,
against the compute fake (tests.fakes.gce_server) in this process.

The images are put in the fake as ``images.insert`` leaves them: labels,
a label fingerprint, a self link; no Cloud Storage is needed.
"""

import json
import threading
import uuid

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives import serialization

from ciming.common import exception
from ciming.conductor.tasks import metadata as metadata_task
from ciming.drivers import base as driver_base
from ciming.drivers import factory
from ciming.drivers import gcp_images
from ciming.drivers import gcp_metadata
from tests.fakes import gce_server
from tests.unit import base

PROJECT = 'ciming-test'


def service_account_key(token_uri):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM,
                            serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return {'type': 'service_account', 'project_id': PROJECT,
            'private_key_id': uuid.uuid4().hex, 'private_key': pem,
            'client_email': 'ciming@%s.iam.gserviceaccount.com' % PROJECT,
            'client_id': '1234567890', 'token_uri': token_uri}


class GCPMetadataTestCase(base.TestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = gce_server.serve(0, 'http://127.0.0.1:9')
        cls.url = 'http://127.0.0.1:%d' % cls.server.server_address[1]
        threading.Thread(target=cls.server.serve_forever,
                         daemon=True).start()
        cls.key = service_account_key(cls.url + '/token')

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.state = self.server.RequestHandlerClass.state
        with self.state.lock:
            self.state.images.clear()
        self.driver = self.make_driver()

    def make_driver(self, **cloud):
        record = dict({'id': 'gcp-1', 'name': 'gcp-1', 'type': 'gcp',
                       'options': {'project': PROJECT, 'bucket': 'b',
                                   'compute_endpoint':
                                       self.url + '/compute/v1/'},
                       'project_id': 'p1'}, **cloud)
        return factory.build(record, credentials=self.key,
                             project_id=record['project_id'])

    def put_image(self, name, image_id, labels=None, **fields):
        image = dict({
            'kind': 'compute#image', 'name': name, 'status': 'READY',
            'id': str(next(self.state.ids)),
            'selfLink': '%s/compute/v1/projects/%s/global/images/%s' % (
                self.url, PROJECT, name),
            'labelFingerprint': uuid.uuid4().hex[:12],
            'labels': dict({gcp_images.ID_LABEL: image_id},
                           **(labels or {}))}, **fields)
        with self.state.lock:
            self.state.images[(PROJECT, name)] = image
        return name

    def image(self, name):
        with self.state.lock:
            return dict(self.state.images[(PROJECT, name)])

    def test_capabilities(self):
        self.assertTrue(self.driver.capabilities.can_update_metadata)
        self.assertTrue(self.driver.capabilities.can_deprecate)

    def test_properties_become_labels(self):
        name = self.put_image('debian-1', 'img-1', {'os_distro': 'debian',
                                                    'old': 'x'})
        self.driver.update_metadata(name, driver_base.MetadataChange(
            name='Debian 13',
            set_properties={'os_version': '13', 'empty': ''},
            unset_properties=['old', 'never_there'], tags=['gold'],
            visibility='public', protected=True, min_disk=1, min_ram=2))
        labels = self.image(name)['labels']
        self.assertEqual({'ciming-image-id': 'img-1', 'os_distro': 'debian',
                          'os_version': '13', 'empty': ''}, labels)
        remote = self.driver.get_image(name)
        self.assertEqual('13', remote.properties['os_version'])
        self.assertNotIn('ciming-image-id', remote.properties)
        self.assertIsNone(remote.tags)  # no notion of tags: not compared
        # The name is the one in the description; the image's stays.
        self.assertEqual('Debian 13', remote.name)
        self.assertEqual('debian-1', remote.remote_id)
        self.assertEqual('Debian 13', json.loads(
            self.image(name)['description'])['ciming']['name'])

    def test_a_rename_keeps_what_the_description_holds(self):
        name = self.put_image('debian-1', 'img-1', description=json.dumps(
            {'ciming': {'name': 'old', 'size': 5, 'os_hash_value': 'ab'}}))
        self.driver.update_metadata(name, driver_base.MetadataChange(
            name='new'))
        self.assertEqual({'ciming': {'name': 'new', 'size': 5,
                                     'os_hash_value': 'ab'}},
                         json.loads(self.image(name)['description']))
        self.assertEqual('new', self.driver.get_image(name).name)
        for bad in ('', 'n' * 256, 3):
            self.assertRaises(exception.DriverError,
                              self.driver.update_metadata, name,
                              driver_base.MetadataChange(name=bad))
        self.assertRaises(exception.DriverError, self.driver._call, 'x',
                          self.driver._client().images().patch(
                              project=PROJECT, image=name,
                              body={'name': 'other'}))

    def test_the_conductor_task_applies_a_pending_change(self):
        old = self.put_image('debian-1', 'img-1', {'os_distro': 'debian'})
        new = self.put_image('debian-2', 'img-2')
        metadata_task.ApplyMetadata._apply(self.driver, old, {
            'properties': {'hw_disk_bus': 'scsi', 'os_distro': None},
            'tags': ['base'], 'visibility': 'shared', 'min_disk': 2,
            'deprecation': {'deprecated': True, 'replacement': 'img-2',
                            'deprecate_at': None},
            'clouds': ['gcp-1']})
        image = self.image(old)
        self.assertEqual({'ciming-image-id': 'img-1', 'hw_disk_bus': 'scsi'},
                         image['labels'])
        self.assertEqual(self.image(new)['selfLink'],
                         image['deprecated']['replacement'])
        metadata_task.ApplyMetadata._apply(self.driver, old, {
            'deprecation': {'deprecated': False}, 'clouds': ['gcp-1']})
        self.assertNotIn('deprecated', self.image(old))

    def test_nothing_to_change_sends_nothing(self):
        name = self.put_image('debian-1', 'img-1', {'a': 'b'})
        fingerprint = self.image(name)['labelFingerprint']
        self.driver.update_metadata(name, driver_base.MetadataChange(
            set_properties={'a': 'b'}, min_disk=3))
        self.assertEqual(fingerprint, self.image(name)['labelFingerprint'])

    def test_hostile_properties_are_a_clear_error(self):
        name = self.put_image('debian-1', 'img-1')
        before = self.image(name)
        for change in (
                {'set_properties': {'OS_Distro': 'debian'}},
                {'set_properties': {'os_version': '22.04'}},
                {'set_properties': {'k': 'V'}},
                {'set_properties': {'k' * 64: 'v'}},
                {'set_properties': {'k': 'v' * 64}},
                {'set_properties': {'1k': 'v'}},
                {'set_properties': {'k': 3}},
                {'set_properties': {'k\u00e9': 'v'}},
                {'set_properties': {'ciming-image-id': 'other'}},
                {'set_properties': {'ciming-project-id': 'p2'}},
                {'set_properties': {'architecture': 'aarch64'}},
                {'set_properties': {'gce_disk_size_gb': '1'}},
                {'set_properties': {'p%d' % i: 'v' for i in range(64)}},
                {'unset_properties': ['ciming-image-id']},
                {'unset_properties': ['hw_firmware_type']}):
            error = self.assertRaises(
                exception.DriverError, self.driver.update_metadata, name,
                driver_base.MetadataChange(**change))
            self.assertIn('Compute Engine cannot hold this', str(error))
            self.assertIn('gcp-1', str(error))
        self.assertEqual(before, self.image(name))

    def test_a_label_change_behind_our_back_is_not_overwritten(self):
        name = self.put_image('debian-1', 'img-1')
        image = self.driver._raw_image(name)
        with self.state.lock:
            self.state.images[(PROJECT, name)]['labelFingerprint'] = 'new'
        self.driver._raw_image = lambda remote_id: image
        error = self.assertRaises(
            exception.DriverError, self.driver.update_metadata, name,
            driver_base.MetadataChange(set_properties={'a': 'b'}))
        self.assertIn('412', str(error))

    def test_deprecate_names_the_replacement_held_here(self):
        old = self.put_image('debian-1', 'img-1')
        new = self.put_image('debian-2', 'img-2')
        self.driver.deprecate(old, replacement='img-2',
                              deprecate_at='2030-01-02T04:04:05+01:00')
        self.assertEqual({'state': 'DEPRECATED',
                          'deprecated': '2030-01-02T03:04:05Z',
                          'replacement': self.image(new)['selfLink']},
                         self.image(old)['deprecated'])
        self.driver.undeprecate(old)
        self.assertNotIn('deprecated', self.image(old))

    def test_deprecate_now_without_a_replacement_held_here(self):
        old = self.put_image('debian-1', 'img-1')
        self.driver.deprecate(old, replacement='img-elsewhere')
        status = self.image(old)['deprecated']
        self.assertEqual('DEPRECATED', status['state'])
        self.assertNotIn('replacement', status)
        self.assertRegex(status['deprecated'],
                         r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')

    def test_a_bad_time_is_a_clear_error(self):
        old = self.put_image('debian-1', 'img-1')
        error = self.assertRaises(exception.DriverError,
                                  self.driver.deprecate, old,
                                  deprecate_at='soon')
        self.assertIn('ISO 8601', str(error))
        self.assertNotIn('deprecated', self.image(old))

    def test_another_projects_image_is_not_found(self):
        driver = self.make_driver(shared_identity=True)
        name = self.put_image('debian-1', 'img-1',
                              {gcp_images.OWNER_LABEL: 'p2'})
        change = driver_base.MetadataChange(set_properties={'a': 'b'})
        self.assertRaises(exception.RemoteImageNotFound,
                          driver.update_metadata, name, change)
        self.assertRaises(exception.RemoteImageNotFound, driver.deprecate,
                          name)
        self.assertRaises(exception.RemoteImageNotFound,
                          self.driver.undeprecate, 'no-such-image')

    def test_the_fake_checks_a_deprecation_status(self):
        name = self.put_image('debian-1', 'img-1')
        for status in ({'state': 'GONE'}, {'state': 'DEPRECATED',
                                           'deprecated': 'yesterday'},
                       {'state': 'DEPRECATED', 'other': 1}):
            self.assertRaises(exception.DriverError,
                              self.driver._deprecation, name, status)
        self.assertNotIn('deprecated', self.image(name))


class LabelsTestCase(base.TestCase):

    def test_rfc3339(self):
        self.assertEqual('2030-01-01T00:00:00Z',
                         gcp_metadata.rfc3339('2030-01-01T00:00:00'))
        self.assertEqual('2029-12-31T23:00:00Z',
                         gcp_metadata.rfc3339('2030-01-01T00:00:00+01:00'))
        self.assertRaises(gcp_metadata.Refused, gcp_metadata.rfc3339, 5)
