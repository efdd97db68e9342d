"""Per-request cloud credentials: in the body or the header, never echoed.

Every call that reaches a cloud takes credentials: the JSON calls in the
body field ``credentials``, the upload and the GETs in the
``X-CIMinG-Credentials`` header (base64 JSON). They must reach the
conductor keyed by cloud id, and appear in no response and no log line.
"""

import base64
import json
import logging

import fixtures

from ciming.api import request_credentials
from ciming.common import exception
from tests.unit.api import base

CANARY = 'canary-5ecr3t-0f-the-user'
SECRET = {'username': 'bob', 'password': CANARY}
TOKEN = {'auth_type': 'token', 'token': CANARY}
PLAIN_TOKEN = {'auth_type': 'token', 'token': 't'}
FOREIGN = {'type': 'openstack', 'region': 'RegionOne',
           'options': {'auth_url': 'http://keystone.example:5000/v3'}}


def encode(document):
    """The header value of a credentials document."""
    return base64.b64encode(json.dumps(document).encode()).decode()


class CredentialsTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.log = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        self.responses = []
        # Foreign OpenStack clouds: the kind that takes credentials.
        self.cloud_a = self.create_cloud('dev-a', **FOREIGN)
        self.cloud_b = self.create_cloud('dev-b', **FOREIGN)
        self.image = self.create_image(targets=['dev-a', 'dev-b'])
        self.image_url = '/v1/images/%s' % self.image['id']
        self.rpcapi.remote = {'name': 'remote', 'disk_format': 'raw',
                              'size': 4, 'status': 'active'}
        self.addCleanup(self._assert_canary_nowhere)

    def _assert_canary_nowhere(self):
        for response in self.responses:
            self.assertNotIn(CANARY, response.text)
            self.assertNotIn(CANARY, str(response.headers))
        self.assertNotIn(CANARY, self.log.output)

    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        self.responses.append(response)
        return response

    def _activate(self, cloud, remote_id='r1'):
        self.dbapi.set_location(self.image['id'], cloud['id'],
                                {'status': 'active', 'remote_id': remote_id})
        self.dbapi.update_image(self.image['id'], {'status': 'partial'})

    def _header(self, document):
        return {request_credentials.HEADER: encode(document)}

    def _upload(self, headers):
        all_headers = {'Content-Type': 'application/octet-stream'}
        all_headers.update(headers)
        return self.request('PUT', self.image_url + '/file', b'data',
                            headers=all_headers)

    # Each call that reaches a cloud, by name and by id

    def test_sync_body(self):
        self._activate(self.cloud_a)
        response = self.post(self.image_url + '/sync',
                             {'credentials': {'dev-b': SECRET}})
        self.assertEqual(202, response.status_int, response.text)
        self.assertEqual([{self.cloud_b['id']: SECRET}],
                         [c['credentials']
                          for c in self.rpcapi.called('run_job')])

    def test_adopt_body(self):
        response = self.post('/v1/images/adopt', {
            'source': {'cloud': 'dev-a', 'remote_id': 'r9'},
            'targets': ['dev-b'],
            'credentials': {'dev-a': SECRET,
                            self.cloud_b['id']: TOKEN}})
        self.assertEqual(201, response.status_int, response.text)
        expected = {self.cloud_a['id']: SECRET,
                    self.cloud_b['id']: TOKEN}
        self.assertEqual([expected],
                         [c['credentials'] for c in
                          self.rpcapi.called('describe_remote_image')])
        self.assertEqual([expected],
                         [c['credentials']
                          for c in self.rpcapi.called('run_job')])

    def test_link_body(self):
        response = self.post(self.image_url + '/locations', {
            'cloud': 'dev-b', 'remote_id': 'r2',
            'credentials': {'dev-b': SECRET}})
        self.assertEqual(201, response.status_int, response.text)
        self.assertEqual([{self.cloud_b['id']: SECRET}],
                         [c['credentials'] for c in
                          self.rpcapi.called('verify_location')])

    def test_validate_body(self):
        response = self.post('/v1/clouds/dev-a/validate',
                             {'credentials': {self.cloud_a['id']: SECRET}})
        self.assertEqual(200, response.status_int, response.text)
        self.assertEqual([{'cloud_id': self.cloud_a['id'],
                           'credentials': {self.cloud_a['id']: SECRET}}],
                         self.rpcapi.called('validate_cloud'))

    def test_refresh_body(self):
        response = self.post(self.image_url + '/refresh',
                             {'credentials': {'dev-a': SECRET}})
        self.assertEqual(200, response.status_int, response.text)
        self.assertEqual([{'image_id': self.image['id'],
                           'credentials': {self.cloud_a['id']: SECRET}}],
                         self.rpcapi.called('refresh_image'))

    def test_refresh_without_credentials(self):
        response = self.post(self.image_url + '/refresh')
        self.assertEqual(200, response.status_int, response.text)
        self.assertIsNone(
            self.rpcapi.called('refresh_image')[0]['credentials'])

    def test_upload_header(self):
        response = self._upload(self._header({'dev-a': SECRET,
                                              'dev-b': TOKEN}))
        self.assertEqual(202, response.status_int, response.text)
        self.assertEqual([{self.cloud_a['id']: SECRET,
                           self.cloud_b['id']: TOKEN}],
                         [c['credentials']
                          for c in self.rpcapi.called('run_job')])

    def test_browse_header(self):
        response = self.get('/v1/clouds/dev-b/images',
                            headers=self._header({'dev-b': SECRET}))
        self.assertEqual(200, response.status_int, response.text)
        self.assertEqual([{'cloud_id': self.cloud_b['id'],
                           'credentials': {self.cloud_b['id']: SECRET}}],
                         self.rpcapi.called('list_cloud_images'))

    def test_live_locations_header(self):
        response = self.get(self.image_url + '/locations?live=true',
                            headers=self._header({'dev-a': SECRET}))
        self.assertEqual(200, response.status_int, response.text)
        self.assertEqual([{'image_id': self.image['id'],
                           'credentials': {self.cloud_a['id']: SECRET}}],
                         self.rpcapi.called('describe_locations'))

    def test_header_and_body_together(self):
        response = self.post(
            self.image_url + '/refresh',
            {'credentials': {'dev-b': PLAIN_TOKEN}},
            headers=self._header({'dev-a': SECRET}))
        self.assertEqual(200, response.status_int, response.text)
        self.assertEqual({self.cloud_a['id']: SECRET,
                          self.cloud_b['id']: PLAIN_TOKEN},
                         self.rpcapi.called('refresh_image')[0]
                         ['credentials'])

    def test_admin_gives_credentials_for_the_images_clouds(self):
        # An admin works on project-a's image: its clouds are known to
        # it by id (the image's locations name them).
        response = self.post(self.image_url + '/refresh',
                             {'credentials': {self.cloud_a['id']: SECRET}},
                             headers=base.ADMIN)
        self.assertEqual(200, response.status_int, response.text)
        self.assertEqual({self.cloud_a['id']: SECRET},
                         self.rpcapi.called('refresh_image')[0]
                         ['credentials'])

    # Unknown clouds: 400, nothing reaches the conductor, nothing changes

    def _assert_nothing_changed(self):
        self.assertEqual([], self.rpcapi.calls)
        self.assertEqual([], self.dbapi.list_jobs())
        self.assertEqual([self.image['id']],
                         [i.id for i in self.dbapi.list_images()])
        image = self.dbapi.get_image(self.image['id'])
        self.assertEqual(sorted([self.cloud_a['id'], self.cloud_b['id']]),
                         sorted(loc.cloud_id for loc in image.locations))
        self.assertIsNone(image.size)
        self.assertFalse(image.staged)

    def _json_calls(self, creds):
        """(method, url, body) of every JSON call, with ``creds``."""
        return [
            ('POST', self.image_url + '/sync', {'credentials': creds}),
            ('POST', '/v1/images/adopt',
             {'source': {'cloud': 'dev-a', 'remote_id': 'r'},
              'targets': ['dev-b'], 'credentials': creds}),
            ('POST', self.image_url + '/locations',
             {'cloud': 'dev-b', 'remote_id': 'r', 'credentials': creds}),
            ('POST', '/v1/clouds/dev-a/validate', {'credentials': creds}),
            ('POST', self.image_url + '/refresh', {'credentials': creds}),
        ]

    def _header_calls(self, value):
        """Responses of every call that takes the header, with ``value``."""
        headers = {request_credentials.HEADER: value}
        return [
            self._upload(headers),
            self.get('/v1/clouds/dev-a/images', headers=headers),
            self.get(self.image_url + '/locations?live=true',
                     headers=headers),
        ]

    def test_unknown_cloud_in_body(self):
        self._activate(self.cloud_a)
        for method, url, body in self._json_calls({'dev-a': SECRET,
                                                   'nope': SECRET}):
            response = self.request(method, url, body)
            self.assertError(response, 400, 'unknown_cloud')
            self.assertIn('nope', response.json['error']['message'])
        self._assert_nothing_changed()
        self.assertEqual('partial',
                         self.dbapi.get_image(self.image['id']).status)

    def test_unknown_cloud_in_header(self):
        for response in self._header_calls(encode({'nope': SECRET})):
            self.assertError(response, 400, 'unknown_cloud')
        self._assert_nothing_changed()
        self.assertEqual('queued',
                         self.dbapi.get_image(self.image['id']).status)

    def test_other_projects_cloud_is_unknown(self):
        self.create_cloud('theirs', headers=base.OTHER)
        for method, url, body in self._json_calls({'theirs': SECRET}):
            response = self.request(method, url, body)
            self.assertError(response, 400, 'unknown_cloud')
        for response in self._header_calls(encode({'theirs': SECRET})):
            self.assertError(response, 400, 'unknown_cloud')
        self._assert_nothing_changed()

    def test_malformed_header(self):
        not_json = base64.b64encode(b'{"dev-a": ' + CANARY.encode()).decode()
        for value in ('%%%not-base64%%%', CANARY, not_json,
                      base64.b64encode(b'\xff\xfe').decode()):
            for response in self._header_calls(value):
                error = self.assertError(response, 400, 'invalid_parameter')
                self.assertIn(request_credentials.HEADER, error['message'])
        self._assert_nothing_changed()

    # Wrong shapes: a schema error that does not quote the secret

    WRONG_SHAPES = (
        {'dev-a': CANARY},
        {'dev-a': [CANARY]},
        {'dev-a': {'password': {'value': CANARY}}},
        {'dev-a': {'password': [CANARY]}},
        {'dev-a': {'password': CANARY * 3000}},
        [CANARY],
        CANARY,
    )

    def test_wrong_shape_in_body(self):
        for creds in self.WRONG_SHAPES:
            for method, url, body in self._json_calls(creds):
                response = self.request(method, url, body)
                self.assertError(response, 400, 'schema_validation_failed')
                # The schema error names where, never the value.
                self.assertNotIn(CANARY, response.text)
        self._assert_nothing_changed()

    def test_wrong_shape_in_header(self):
        for creds in self.WRONG_SHAPES:
            header = encode(creds)
            # A header past [api] max_request_header_size is not read.
            status, code = ((431, 'request_header_fields_too_large')
                            if len(header) > 65536
                            else (400, 'schema_validation_failed'))
            for response in self._header_calls(header):
                self.assertError(response, status, code)
                self.assertNotIn(CANARY, response.text)
        self._assert_nothing_changed()

    def test_conductor_error_does_not_echo_credentials(self):
        self.rpcapi.error = exception.CloudAuthFailed(cloud='dev-a',
                                                      reason='401')
        response = self.post('/v1/clouds/dev-a/validate',
                             {'credentials': {'dev-a': SECRET}})
        self.assertError(response, 400, 'cloud_auth_failed')
