"""Hostile requests through the whole application: refused, unchanged."""

import base64
import json

from tests.unit.api import base


class HostileRequestsTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.cloud = self.create_cloud()
        self.image = self.create_image()

    def assertUnchanged(self):
        clouds = self.get('/v1/clouds').json['clouds']
        self.assertEqual([self.cloud['id']], [c['id'] for c in clouds])
        self.assertEqual(self.cloud['name'], clouds[0]['name'])
        images = self.get('/v1/images').json['images']
        self.assertEqual([self.image['id']], [i['id'] for i in images])
        self.assertEqual(self.image['name'], images[0]['name'])

    def test_collection_delete_with_id_in_body_is_405(self):
        for path, body in (('/v1/images', {'image_id': self.image['id']}),
                           ('/v1/clouds', {'ident': self.cloud['id']})):
            response = self.app.delete_json(
                path, body, headers=base.MEMBER, expect_errors=True)
            self.assertError(response, 405, 'method_not_allowed')
            self.assertEqual('GET, POST', response.headers['Allow'])
        self.assertUnchanged()

    def test_method_override_is_refused(self):
        path = '/v1/clouds/%s/validate?_method=delete' % self.cloud['id']
        self.assertError(self.post(path), 400, 'invalid_parameter')
        response = self.app.post(
            '/v1/clouds/%s/validate' % self.cloud['id'], '_method=delete',
            headers=dict(base.MEMBER, **{
                'Content-Type': 'application/x-www-form-urlencoded'}),
            expect_errors=True)
        self.assertError(response, 415, 'unsupported_media_type')
        self.assertUnchanged()

    def test_long_name_is_not_echoed(self):
        response = self.patch('/v1/images/%s' % self.image['id'],
                              {'name': 'n' * 65536})
        error = self.assertError(response, 400, 'schema_validation_failed')
        self.assertLess(len(error['message']), 200)
        self.assertUnchanged()

    def test_control_characters_in_names_are_refused(self):
        for name in ('a\x00b', 'a\x1bb', 'a\nb', 'a\ud800b', 'a\x85b',
                     'name\n', 'name\r\n'):
            response = self.patch('/v1/clouds/%s' % self.cloud['id'],
                                  {'name': name})
            self.assertEqual(400, response.status_int, response.text)
        self.assertUnchanged()

    def test_description_keeps_line_breaks(self):
        response = self.patch('/v1/clouds/%s' % self.cloud['id'],
                              {'description': 'one\ntwo\tthree'})
        self.assertEqual(200, response.status_int, response.text)
        self.assertEqual('one\ntwo\tthree', response.json['description'])

    def test_json_as_text_plain_is_415(self):
        response = self.app.post(
            '/v1/clouds', json.dumps({'name': 'x', 'type': 'local'}),
            headers=dict(base.MEMBER, **{'Content-Type': 'text/plain'}),
            expect_errors=True)
        self.assertError(response, 415, 'unsupported_media_type')
        self.assertUnchanged()

    def test_unknown_filter_values_are_400(self):
        for path in ('/v1/images?status=finished', '/v1/jobs?state=done',
                     '/v1/images?sort_key=secret'):
            self.assertError(self.get(path), 400, 'invalid_parameter')

    def test_known_filter_values_are_accepted(self):
        response = self.get('/v1/images?status=queued')
        self.assertEqual([self.image['id']],
                         [i['id'] for i in response.json['images']])
        self.assertEqual(200, self.get('/v1/jobs?state=running').status_int)

    def test_deep_credentials_header_is_400(self):
        deep = '{"a":' * 5000 + '1' + '}' * 5000
        response = self.get(
            '/v1/clouds/%s/images' % self.cloud['id'],
            headers={'X-CIMinG-Credentials':
                     base64.b64encode(deep.encode()).decode()})
        self.assertError(response, 400, 'invalid_parameter')
