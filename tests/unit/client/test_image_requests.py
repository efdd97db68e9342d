"""The client's image metadata calls: which request, at which version."""

from unittest import mock

import testtools

from ciming.client import client as ciming_client
from ciming.client import exceptions
from ciming.client import http


class ImageLifecycleCallsTest(testtools.TestCase):
    """Requests as sent, against a service agreed at ``version``."""

    def client(self, version):
        client = ciming_client.Client(endpoint='http://ciming.example',
                                      noauth=True, project_id='p')
        # As if negotiated: no request to the versions document.
        client.http.api_version = version
        self.sent = []

        def send(method, url, **kwargs):
            self.sent.append(dict(kwargs, method=method, url=url))
            return {'id': 'i'}

        self._patch_send(client.http, send)
        return client

    def _patch_send(self, http_client, send):
        patcher = mock.patch.object(http_client, '_send', side_effect=send)
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_create_sends_metadata_and_source(self):
        client = self.client((1, 2))
        client.images.create(
            'debian', ['dev-a'], properties={'os_distro': 'debian'},
            tags=['lts'], visibility='shared', protected=True, min_disk=2,
            min_ram=0, source={'url': 'https://example.com/d.raw',
                               'checksum': 'sha256:' + '0' * 64})
        [sent] = self.sent
        self.assertEqual(
            {'name': 'debian', 'targets': ['dev-a'],
             'properties': {'os_distro': 'debian'}, 'tags': ['lts'],
             'visibility': 'shared', 'protected': True, 'min_disk': 2,
             'min_ram': 0,
             'source': {'url': 'https://example.com/d.raw',
                        'checksum': 'sha256:' + '0' * 64}},
            sent['json_body'])
        self.assertEqual((1, 2), sent['microversion'])

    def test_metadata_before_1_1_is_refused_before_any_request(self):
        client = self.client((1, 0))
        exc = self.assertRaises(exceptions.VersionNotSupported,
                                client.images.create, 'x', ['dev-a'],
                                tags=['a'])
        self.assertIn("The image field 'tags' needs API version 1.1",
                      str(exc))
        self.assertRaises(exceptions.VersionNotSupported,
                          client.images.create, 'x', ['dev-a'],
                          source={'url': 'https://example.com/x'})
        self.assertRaises(exceptions.VersionNotSupported,
                          client.images.deprecate, 'i')
        self.assertEqual([], self.sent)

    def test_url_import_needs_1_2(self):
        client = self.client((1, 1))
        self.assertRaises(exceptions.VersionNotSupported,
                          client.images.create, 'x', ['dev-a'],
                          source={'url': 'https://example.com/x'})
        self.assertEqual([], self.sent)

    def test_unknown_field_is_a_type_error(self):
        self.assertRaises(TypeError, self.client((1, 2)).images.create,
                          'x', ['dev-a'], colour='blue')

    def test_update_is_a_merge_patch_where_none_removes_a_property(self):
        client = self.client((1, 1))
        client.images.update('i', name='new', properties={'gone': None,
                                                          'k': 'v'},
                             tags=['a'], protected=False)
        [sent] = self.sent
        self.assertEqual('PATCH', sent['method'])
        self.assertTrue(sent['url'].endswith('/v1/images/i'))
        self.assertEqual('application/merge-patch+json',
                         sent['headers']['Content-Type'])
        self.assertEqual({'name': 'new', 'properties': {'gone': None,
                                                        'k': 'v'},
                          'tags': ['a'], 'protected': False},
                         sent['json_body'])

    def test_update_of_a_name_at_1_0_is_plain_json(self):
        client = self.client((1, 0))
        # The name stays the second argument, as before 1.1.
        client.images.update('i', 'new')
        [sent] = self.sent
        self.assertEqual('application/json',
                         sent['headers']['Content-Type'])
        self.assertEqual({'name': 'new'}, sent['json_body'])

    def test_deprecate_and_undeprecate(self):
        client = self.client((1, 1))
        client.images.deprecate('i', replacement='j',
                                deprecate_at='2027-01-01')
        client.images.deprecate('i')
        client.images.undeprecate('i')
        self.assertEqual(
            [('POST', '/v1/images/i/deprecate',
              {'replacement': 'j', 'deprecate_at': '2027-01-01'}),
             ('POST', '/v1/images/i/deprecate', {}),
             ('POST', '/v1/images/i/undeprecate', {})],
            [(s['method'], s['url'][len('http://ciming.example'):],
              s['json_body']) for s in self.sent])

    def test_credentials_go_in_a_header_not_the_patch(self):
        client = self.client((1, 1))
        client.images.update('i', credentials={'beta': {'token': 't'}},
                             tags=['a'])
        client.images.deprecate('i', credentials={'beta': {'token': 't'}})
        for sent in self.sent:
            self.assertNotIn('credentials', sent['json_body'])
            self.assertIn(http.CREDENTIALS_HEADER, sent['headers'])

    def test_sync_of_metadata(self):
        client = self.client((1, 1))
        client.images.sync('i', metadata=True)
        self.assertEqual({'metadata': True}, self.sent[0]['json_body'])


class VersionParsingTest(testtools.TestCase):

    def test_one_and_latest_ask_for_the_highest(self):
        for text in ('1', 'latest', None, '1.latest'):
            self.assertIsNone(http.parse_version(text))

    def test_a_microversion(self):
        self.assertEqual((1, 1), http.parse_version('1.1'))

    def test_garbage(self):
        for text in ('one', '1.x', '1.1.1', ''):
            self.assertRaises(exceptions.VersionNotSupported,
                              http.parse_version, text)
