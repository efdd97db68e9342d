"""The Python client's image lifecycle calls (API 1.1), on the real API."""

import base64
import json

from ciming.client import exceptions
from tests.unit.client import base


class ImageLifecycleTest(base.ClientTestCase):

    def setUp(self):
        super().setUp()
        self.cloud = self.create_local_cloud_via_api('dev-a')

    def _activate(self, image):
        self.dbapi.set_location(image['id'], self.cloud['id'], {
            'status': 'active', 'remote_id': image['id']})
        self.dbapi.update_image(image['id'], {'status': 'active',
                                              'pending_metadata': {}})

    def test_create_with_metadata(self):
        image = self.client.images.create(
            'img', ['dev-a'], properties={'os_distro': 'debian'},
            tags=['lts'], visibility='shared', min_disk=1)
        self.assertEqual({'properties': {'os_distro': 'debian'},
                          'tags': ['lts'], 'visibility': 'shared',
                          'min_disk': 1, 'clouds': [self.cloud['id']]},
                         image['pending_metadata'])

    def test_update_in_the_clouds_starts_a_job(self):
        image = self.client.images.create('img', ['dev-a'])
        self._activate(image)
        answer = self.client.images.update(
            image['id'], properties={'os_distro': None, 'k': 'v'},
            tags=['x'])
        job = self.client.jobs.get(answer['job_id'])
        self.assertEqual('update', job['action'])
        self.assertEqual({'properties': {'os_distro': None, 'k': 'v'},
                          'tags': ['x'], 'clouds': [self.cloud['id']]},
                         answer['pending_metadata'])

    def test_credentials_go_in_the_header(self):
        image = self.client.images.create('img', ['dev-a'])
        self._activate(image)
        # A local cloud takes none: the API read them, and refused.
        self.assertRaises(exceptions.InvalidCredentials,
                          self.client.images.update, image['id'],
                          tags=['x'], credentials={'dev-a': {'t': 'x'}})
        sent = self.recorder.requests[-1]
        self.assertEqual('PATCH', sent['method'])
        self.assertEqual({'dev-a': {'t': 'x'}}, json.loads(
            base64.b64decode(sent['headers']['x-ciming-credentials'])))
        self.assertEqual([], self.client.jobs.list())

    def test_rename_only_is_the_record(self):
        image = self.client.images.create('img', ['dev-a'])
        self.assertEqual('new', self.client.images.update(
            image['id'], name='new')['name'])
        # As before 1.1, the name may come second.
        self.assertEqual('newer', self.client.images.update(
            image['id'], 'newer')['name'])
        self.assertEqual([], self.client.jobs.list())

    def test_deprecate_and_undeprecate(self):
        image = self.client.images.create('img', ['dev-a'])
        other = self.client.images.create('img2', ['dev-a'])
        self._activate(image)
        job = self.client.images.deprecate(image['id'],
                                           replacement=other['id'],
                                           deprecate_at='2027-01-01')
        self.assertEqual('deprecate', job['action'])
        self.assertTrue(self.client.images.get(image['id'])['deprecated'])
        self.dbapi.update_job(job['id'], {'state': 'succeeded'})
        job = self.client.images.undeprecate(image['id'])
        self.assertEqual('undeprecate', job['action'])
        self.assertFalse(self.client.images.get(image['id'])['deprecated'])

    def test_version_1_0_refuses_lifecycle_calls_before_sending(self):
        client = self.make_client(api_version='1.0')
        image = client.images.create('img', ['dev-a'])
        sent = len(self.recorder.requests)
        for call in (lambda: client.images.deprecate(image['id']),
                     lambda: client.images.undeprecate(image['id']),
                     lambda: client.images.update(image['id'], tags=['t']),
                     lambda: client.images.create('x', ['dev-a'],
                                                  tags=['t']),
                     lambda: client.images.sync(image['id'],
                                                metadata=True)):
            self.assertRaises(exceptions.VersionNotSupported, call)
        self.assertEqual(sent, len(self.recorder.requests))

    def test_unknown_fields_are_a_type_error(self):
        self.assertRaises(TypeError, self.client.images.update, 'x',
                          owner='me')
        self.assertRaises(TypeError, self.client.images.create, 'x',
                          ['dev-a'], owner='me')
