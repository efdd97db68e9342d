"""POST /v1/images/adopt: track an image a cloud holds, and sync it."""

import os
from unittest import mock

from ciming.common import exception
from ciming.common import policy
from ciming.drivers import base as driver_base
from ciming.drivers import factory
from ciming.drivers import local
from ciming import policies
from tests.unit.api import base

SHA = 'ab' * 64
MD5 = 'cd' * 16


class ImportOnlyDriver(local.LocalDriver):
    capabilities = driver_base.Capabilities(can_export=False,
                                            can_import=True)


_REAL_DRIVER_CLASS = factory.driver_class


def _driver_class(cloud_type):
    if cloud_type == 'import-only':
        return ImportOnlyDriver
    return _REAL_DRIVER_CLASS(cloud_type)


class AdoptTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        patcher = mock.patch.object(factory, 'driver_class',
                                    side_effect=_driver_class)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.cloud_a = self.create_cloud('dev-a')
        self.cloud_b = self.create_cloud('dev-b')
        self.cloud_c = self.create_cloud('dev-c')
        self.rpcapi.remote = {
            'name': 'ubuntu-24.04', 'disk_format': 'qcow2',
            'container_format': 'bare', 'size': 1234, 'checksum': MD5,
            'os_hash_algo': 'sha512', 'os_hash_value': SHA,
            'status': 'active', 'visibility': 'private',
            'properties': {'hw_firmware_type': 'uefi'}}

    def adopt(self, body=None, headers=None, **fields):
        body = dict(body or {'source': {'cloud': 'dev-a',
                                        'remote_id': 'glance-1'}})
        body.update(fields)
        return self.post('/v1/images/adopt', body, headers=headers)

    def _assert_no_image(self):
        self.assertEqual([], self.dbapi.list_images())
        self.assertEqual([], self.dbapi.list_jobs())
        self.assertEqual([], self.rpcapi.called('run_job'))

    def test_adopt_and_sync_to_targets(self):
        response = self.adopt(targets=['dev-b', self.cloud_c['id']])
        self.assertEqual(201, response.status_int, response.text)
        image = response.json
        self.assertTrue(response.headers['Location'].endswith(
            '/v1/images/%s' % image['id']))
        self.assertEqual(
            ('ubuntu-24.04', 'qcow2', 'bare', 1234, MD5, 'sha512', SHA,
             'project-a'),
            (image['name'], image['disk_format'], image['container_format'],
             image['size'], image['checksum'], image['os_hash_algo'],
             image['os_hash_value'], image['project_id']))
        locations = {loc['cloud_name']: loc for loc in image['locations']}
        self.assertEqual({'dev-a', 'dev-b', 'dev-c'}, set(locations))
        self.assertEqual('active', locations['dev-a']['status'])
        self.assertEqual('glance-1', locations['dev-a']['remote_id'])
        self.assertIsNotNone(locations['dev-a']['last_seen_at'])
        self.assertEqual(['pending', 'pending'],
                         [locations[c]['status'] for c in ('dev-b', 'dev-c')])
        # The sync job copies it from the source cloud to the targets.
        job = image['job']
        self.assertEqual('sync', job['action'])
        self.assertEqual('pending', job['state'])
        self.assertEqual(image['id'], job['image_id'])
        self.assertEqual({'type': 'cloud', 'cloud_id': self.cloud_a['id'],
                          'remote_id': 'glance-1'}, job['source'])
        self.assertEqual([self.cloud_b['id'], self.cloud_c['id']],
                         [t['cloud_id'] for t in job['targets']])
        self.assertEqual([{'cloud_id': self.cloud_a['id'],
                           'remote_id': 'glance-1', 'credentials': None}],
                         self.rpcapi.called('describe_remote_image'))
        self.assertEqual([{'job_id': job['id'], 'host': None,
                           'credentials': None}],
                         self.rpcapi.called('run_job'))
        record = self.dbapi.get_image(image['id'])
        self.assertEqual('importing', record.status)
        self.assertEqual(record.status, image['status'])

    def test_adopt_without_targets_has_no_job(self):
        response = self.adopt()
        self.assertEqual(201, response.status_int, response.text)
        image = response.json
        self.assertIsNone(image['job'])
        self.assertEqual('active', image['status'])
        self.assertEqual([(self.cloud_a['id'], 'glance-1', 'active')],
                         [(loc['cloud_id'], loc['remote_id'], loc['status'])
                          for loc in image['locations']])
        self.assertEqual([], self.dbapi.list_jobs())
        self.assertEqual([], self.rpcapi.called('run_job'))
        # What GET shows is what adopt returned, without the job.
        shown = self.get('/v1/images/%s' % image['id']).json
        image.pop('job')
        self.assertEqual(image, shown)

    def test_source_among_targets_is_not_a_target(self):
        response = self.adopt(targets=['dev-a', 'dev-b'])
        self.assertEqual(201, response.status_int, response.text)
        self.assertEqual([self.cloud_b['id']],
                         [t['cloud_id']
                          for t in response.json['job']['targets']])
        self.assertEqual(2, len(response.json['locations']))

    def test_name_given_wins(self):
        response = self.adopt(name='mine')
        self.assertEqual('mine', response.json['name'])

    def test_defaults_when_the_cloud_says_little(self):
        self.rpcapi.remote = {}
        response = self.adopt(targets=['dev-b'])
        self.assertEqual(201, response.status_int, response.text)
        image = response.json
        self.assertEqual(('raw', 'bare', None, None),
                         (image['disk_format'], image['container_format'],
                          image['size'], image['os_hash_value']))

    def test_source_that_cannot_export(self):
        self.create_cloud('ro', type='import-only')
        response = self.adopt({'source': {'cloud': 'ro',
                                          'remote_id': 'x'}},
                              targets=['dev-b'])
        error = self.assertError(response, 400, 'capability_missing')
        self.assertIn('ro', error['message'])
        self.assertEqual([], self.rpcapi.calls)
        self._assert_no_image()

    def test_remote_image_not_active(self):
        for status in ('queued', 'saving', 'killed', 'deactivated'):
            self.rpcapi.remote['status'] = status
            response = self.adopt(targets=['dev-b'])
            self.assertError(response, 409, 'invalid_state')
        self._assert_no_image()

    def test_remote_image_not_found(self):
        self.rpcapi.error = exception.RemoteImageNotFound(
            remote_id='glance-1', cloud='dev-a')
        self.assertError(self.adopt(), 404, 'remote_image_not_found')
        self._assert_no_image()

    def test_unknown_source_cloud(self):
        response = self.adopt({'source': {'cloud': 'nope',
                                          'remote_id': 'x'}})
        self.assertError(response, 400, 'unknown_cloud')
        self.assertEqual([], self.rpcapi.calls)
        self._assert_no_image()

    def test_other_projects_cloud_is_unknown(self):
        theirs = self.create_cloud('theirs', headers=base.OTHER)
        for ident in ('theirs', theirs['id']):
            response = self.adopt({'source': {'cloud': ident,
                                              'remote_id': 'x'}})
            self.assertError(response, 400, 'unknown_cloud')
        response = self.adopt(targets=['theirs'])
        self.assertError(response, 400, 'unknown_cloud')
        # Only the last request, with a good source, reached the conductor.
        self.assertEqual(1, len(self.rpcapi.called('describe_remote_image')))
        self._assert_no_image()

    def test_target_that_cannot_import(self):
        # A cloud that cannot export is still a fine target...
        self.create_cloud('ro', type='import-only')
        response = self.adopt(targets=['ro'])
        self.assertEqual(201, response.status_int, response.text)
        # ... while one that cannot import is refused.
        with mock.patch.object(ImportOnlyDriver, 'capabilities',
                               driver_base.Capabilities(can_export=True,
                                                        can_import=False)):
            response = self.adopt(targets=['ro'])
        self.assertError(response, 400, 'capability_missing')

    def test_bad_bodies(self):
        for body in ({}, {'source': 'dev-a'},
                     {'source': {'cloud': 'dev-a'}},
                     {'source': {'cloud': 'dev-a', 'remote_id': ''}},
                     {'source': {'cloud': 'dev-a', 'remote_id': 'r',
                                 'x': 1}},
                     {'source': {'cloud': 'dev-a', 'remote_id': 'r'},
                      'targets': 'dev-b'},
                     {'source': {'cloud': 'dev-a', 'remote_id': 'r'},
                      'disk_format': 'raw'}):
            response = self.post('/v1/images/adopt', body)
            self.assertError(response, 400, 'schema_validation_failed')
        self.assertEqual([], self.rpcapi.calls)
        self._assert_no_image()

    def test_reader_cannot_adopt(self):
        response = self.adopt(headers=base.READER)
        self.assertError(response, 403, 'forbidden')
        self.assertEqual([], self.rpcapi.calls)
        self._assert_no_image()

    def test_policy_rule(self):
        rule = [r for r in policies.list_rules()
                if r.name == 'ciming:image:adopt']
        self.assertEqual(1, len(rule))
        self.assertEqual([{'method': 'POST', 'path': '/v1/images/adopt'}],
                         rule[0].operations)

        # An operator's policy file decides who adopts.
        policy.get_enforcer()  # registers the [oslo_policy] options
        path = os.path.join(self.state_path, 'policy.yaml')
        with open(path, 'w') as f:
            f.write('"ciming:image:adopt": "role:adopter"\n')
        self.config(policy_file=path, group='oslo_policy')
        policy.reset()
        self.assertError(self.adopt(), 403, 'forbidden')
        self._assert_no_image()
        headers = dict(base.READER, **{'X-Roles': 'reader,adopter'})
        response = self.adopt(headers=headers)
        self.assertEqual(201, response.status_int, response.text)
