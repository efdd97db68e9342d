"""Versions, microversions and the shape of every error."""

from unittest import mock

from ciming.api.controllers.v1 import versions
from tests.unit.api import base

HEADER = 'OpenStack-API-Version'
MAX = versions.MAX_VERSION_STRING


class VersionsTestCase(base.APITestCase):

    def test_root_lists_v1(self):
        response = self.get('/')
        self.assertEqual(200, response.status_int)
        version = response.json['default_version']
        self.assertEqual('v1.0', version['id'])
        self.assertEqual('CURRENT', version['status'])
        self.assertEqual('1.0', version['min_version'])
        self.assertEqual(versions.MAX_VERSION_STRING, version['version'])
        self.assertEqual([version], response.json['versions'])

    def test_v1_document(self):
        response = self.get('/v1')
        self.assertEqual(200, response.status_int)
        self.assertEqual('v1.0', response.json['id'])
        self.assertEqual('1.0', response.json['min_version'])
        self.assertIn('links', response.json)
        self.assertEqual('cloud-image-manager 1.0', response.headers[HEADER])
        self.assertIn(HEADER, response.headers['Vary'])

    def test_microversion_accepted(self):
        response = self.get('/v1/clouds',
                            headers={HEADER: 'cloud-image-manager 1.0'})
        self.assertEqual(200, response.status_int)
        self.assertEqual('cloud-image-manager 1.0', response.headers[HEADER])

    def test_lifecycle_microversion_accepted(self):
        response = self.get('/v1/clouds',
                            headers={HEADER: 'cloud-image-manager 1.1'})
        self.assertEqual(200, response.status_int)
        self.assertEqual('cloud-image-manager 1.1', response.headers[HEADER])

    def test_latest_is_the_maximum(self):
        response = self.get('/v1', headers={HEADER: 'cloud-image-manager '
                                                    'latest'})
        self.assertEqual(200, response.status_int)
        self.assertEqual('cloud-image-manager %s'
                         % versions.MAX_VERSION_STRING,
                         response.headers[HEADER])

    def test_other_service_header_is_ignored(self):
        response = self.get('/v1', headers={HEADER: 'compute 2.90'})
        self.assertEqual(200, response.status_int)

    def test_unsupported_microversion_is_406(self):
        response = self.get('/v1/clouds',
                            headers={HEADER: 'cloud-image-manager 1.99'})
        self.assertError(response, 406, 'version_not_supported')
        self.assertEqual('cloud-image-manager 1.0', response.headers[HEADER])

    def test_formats_fields_appear_at_1_3(self):
        response = self.get('/v1',
                            headers={HEADER: 'cloud-image-manager 1.3'})
        self.assertEqual('cloud-image-manager 1.3', response.headers[HEADER])

    def test_malformed_microversion_is_400(self):
        response = self.get('/v1/clouds',
                            headers={HEADER: 'cloud-image-manager one'})
        self.assertError(response, 400, 'invalid_version')

    def test_request_id_is_returned(self):
        response = self.get('/v1')
        self.assertTrue(
            response.headers['x-openstack-request-id'].startswith('req-'))

    def test_healthcheck(self):
        self.assertEqual(200, self.get('/healthcheck').status_int)


class ErrorShapeTestCase(base.APITestCase):

    def test_unknown_url_is_json_404(self):
        self.assertError(self.get('/v1/nothing'), 404, 'not_found')
        self.assertError(self.get('/nothing/at/all'), 404, 'not_found')

    def test_wrong_method_is_json_405(self):
        response = self.request('PUT', '/v1/clouds', b'{}',
                                content_type='application/json')
        self.assertError(response, 405, 'method_not_allowed')

    def test_500_shows_no_traceback(self):
        with mock.patch('ciming.db.sqlalchemy.api.Connection.list_clouds',
                        side_effect=RuntimeError('secret internals')):
            response = self.get('/v1/clouds')
        error = self.assertError(response, 500, 'internal_error')
        self.assertNotIn('secret internals', response.text)
        self.assertEqual('Internal Server Error', error['title'])

    def test_malformed_json_is_400(self):
        response = self.request('POST', '/v1/clouds', b'{"name": ',
                                content_type='application/json')
        self.assertError(response, 400, 'malformed_body')

    def test_empty_body_is_400(self):
        response = self.request('POST', '/v1/clouds', b'',
                                content_type='application/json')
        self.assertError(response, 400, 'malformed_body')
