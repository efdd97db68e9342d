"""Image lifecycle (API 1.1) against real Glances: RegionOne, RegionTwo, beta.

Metadata given on create reaches every copy and leaves the database;
a PATCH changes every copy, with a result per cloud; a change made in one
Glance behind CIMinG's back is reported as drift and restored by a sync;
deprecation hides every copy.
"""

import os
import unittest
import uuid

import sqlalchemy as sa

from tests.functional import test_openstack

MiB = test_openstack.MiB
V11 = {'OpenStack-API-Version': 'cloud-image-manager 1.1'}
WHERE = ('r1', 'r2', 'beta')


def load_tests(loader, standard_tests, pattern):
    """Only this module's tests, not those it inherits."""
    suite = unittest.TestSuite()
    for name in loader.getTestCaseNames(LifecycleTest):
        if name in LifecycleTest.__dict__:
            suite.addTest(LifecycleTest(name))
    return suite


class LifecycleTest(test_openstack.OpenStackCloudsTest):

    def setUp(self):
        super().setUp()
        self.client.session.headers.update(V11)
        self.marker = 'lifecycle-%s' % uuid.uuid4().hex

    def _create_and_upload(self, **metadata):
        image = self.client.post('/v1/images', dict(
            metadata, name=self.marker, disk_format='raw',
            container_format='bare',
            targets=[self.clouds[w] for w in WHERE]))
        for where in WHERE:
            self.addCleanup(self._quietly_delete_ours, where, image['id'])
        job = self.client.upload(
            image['id'], os.urandom(MiB + 7),
            headers=test_openstack.credentials_header(
                self.beta_credentials())).json()
        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)
        return self.client.get('/v1/images/%s' % image['id'])

    def _copies(self, image):
        """``{where: the Glance image}`` of every copy."""
        return {w: self.glance(w).images.get(
            self.location(image, w)['remote_id']) for w in WHERE}

    def _database_dump(self):
        engine = sa.create_engine(self.deployment.backend.url(
            self.deployment.database))
        try:
            metadata = sa.MetaData()
            metadata.reflect(engine)
            rows = []
            with engine.connect() as connection:
                for table in metadata.sorted_tables:
                    rows.extend(repr(tuple(row)) for row in
                                connection.execute(table.select()))
            return '\n'.join(rows)
        finally:
            engine.dispose()

    def _patch(self, image_id, body, expect=202, credentials=True):
        headers = {'Content-Type': 'application/merge-patch+json'}
        if credentials:
            headers.update(test_openstack.credentials_header(
                self.beta_credentials()))
        return self.client.request(
            'PATCH', '/v1/images/%s' % image_id, expect,
            json_body=body, headers=headers).json()

    def _results(self, job):
        names = {self.clouds[w]: w for w in WHERE}
        return {names[t['cloud_name']]: t for t in job['targets']}

    def test_create_with_metadata_reaches_every_copy_and_leaves_the_db(self):
        secret_value = 'value-%s' % uuid.uuid4().hex
        image = self._create_and_upload(
            properties={'os_distro': 'cirros', 'lifecycle_probe':
                        secret_value},
            tags=['ciming-lifecycle', self.marker], min_disk=3,
            visibility='shared')

        self.assertIsNone(image['pending_metadata'])
        for where, copy in self._copies(image).items():
            self.assertEqual('cirros', copy['os_distro'], where)
            self.assertEqual(secret_value, copy['lifecycle_probe'], where)
            self.assertEqual(sorted(['ciming-lifecycle', self.marker]),
                             sorted(copy['tags']), where)
            self.assertEqual(3, copy['min_disk'], where)
            self.assertEqual('shared', copy['visibility'], where)
        dump = self._database_dump()
        self.assertIn(image['id'], dump)
        self.assertNotIn(secret_value, dump)
        self.assertNotIn('ciming-lifecycle', dump)

    def test_patch_changes_every_copy_and_reports_each_cloud(self):
        image = self._create_and_upload(properties={'os_distro': 'cirros',
                                                    'gone_soon': 'x'},
                                        tags=['a'])
        answer = self._patch(image['id'], {
            'properties': {'os_distro': 'debian', 'gone_soon': None},
            'tags': ['a', 'b']})
        job = self.wait_job(answer['job_id'])
        self.assertEqual(('update', 'succeeded'),
                         (job['action'], job['state']), job)
        for where, copy in self._copies(image).items():
            self.assertEqual('debian', copy['os_distro'], where)
            self.assertNotIn('gone_soon', copy, where)
            self.assertEqual(['a', 'b'], sorted(copy['tags']), where)
        self.assertIsNone(self.client.get(
            '/v1/images/%s' % image['id'])['pending_metadata'])

        # Beta cannot be reached without its credentials: it fails alone,
        # and the others keep the change.
        answer = self._patch(image['id'], {'min_ram': 256},
                             credentials=False)
        job = self.wait_job(answer['job_id'])
        self.assertEqual('partial', job['state'], job)
        results = self._results(job)
        self.assertEqual('failed', results['beta']['state'])
        self.assertIn('credentials', results['beta']['error'])
        copies = self._copies(image)
        self.assertEqual(256, copies['r1']['min_ram'])
        self.assertEqual(256, copies['r2']['min_ram'])
        self.assertEqual(0, copies['beta']['min_ram'])
        pending = self.client.get('/v1/images/%s'
                                  % image['id'])['pending_metadata']
        self.assertEqual([self.location(image, 'beta')['cloud_id']],
                         pending['clouds'])

        # Glance lets only admins make an image public: each refuses,
        # saying so, and the copies stay as they were.
        answer = self._patch(image['id'], {'visibility': 'public'})
        job = self.wait_job(answer['job_id'])
        self.assertEqual('failed', job['state'], job)
        for where, result in self._results(job).items():
            self.assertEqual('failed', result['state'], where)
            self.assertIn('403', result['error'], where)
        for where, copy in self._copies(image).items():
            self.assertNotEqual('public', copy['visibility'], where)
        image = self.client.get('/v1/images/%s' % image['id'])
        self.assertEqual(['active'] * 3,
                         [loc['status'] for loc in image['locations']])

    def test_drift_behind_our_back_is_reported_and_restored(self):
        image = self._create_and_upload(properties={'os_distro': 'cirros'},
                                        tags=['t'])
        r2 = self.location(image, 'r2')['remote_id']
        self.glance('r2').images.update(r2, os_distro='tampered')

        refreshed = self.client.post(
            '/v1/images/%s/refresh' % image['id'],
            {'credentials': self.beta_credentials()}, expect=200)
        drift = {loc['cloud_name']: loc['metadata_drift']
                 for loc in refreshed['locations']}
        self.assertEqual({self.clouds['r1']: [],
                          self.clouds['r2']: ['os_distro'],
                          self.clouds['beta']: []}, drift)
        live = self.client.get(
            '/v1/images/%s/locations?live=true' % image['id'],
            headers=test_openstack.credentials_header(
                self.beta_credentials()))
        self.assertEqual(['os_distro'], [
            loc['metadata_drift'] for loc in live['locations']
            if loc['cloud_name'] == self.clouds['r2']][0])

        job = self.client.post('/v1/images/%s/sync' % image['id'],
                               {'metadata': True,
                                'credentials': self.beta_credentials()},
                               expect=202)
        self.assertEqual([self.clouds['r2']],
                         [t['cloud_name'] for t in job['targets']])
        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)
        self.assertEqual('cirros',
                         self.glance('r2').images.get(r2)['os_distro'])

    def test_deprecate_hides_every_copy_and_undeprecate_restores(self):
        image = self._create_and_upload()
        replacement = self.make_image([self.clouds['r1']])
        headers = test_openstack.credentials_header(self.beta_credentials())
        job = self.client.post('/v1/images/%s/deprecate' % image['id'],
                               {'replacement': replacement['id']},
                               expect=202, headers=headers)
        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)
        self.assertTrue(self.client.get(
            '/v1/images/%s' % image['id'])['deprecated'])
        for where, copy in self._copies(image).items():
            self.assertTrue(copy['os_hidden'], where)
            self.assertEqual(replacement['id'], copy['ciming_replacement'])
            listed = [i['id'] for i in self.glance(where).images.list(
                filters={'name': self.marker})]
            self.assertNotIn(copy['id'], listed, where)

        job = self.client.post('/v1/images/%s/undeprecate' % image['id'],
                               expect=202, headers=headers)
        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)
        for where, copy in self._copies(image).items():
            self.assertFalse(copy['os_hidden'], where)
            self.assertNotIn('ciming_replacement', copy, where)
            listed = [i['id'] for i in self.glance(where).images.list(
                filters={'name': self.marker})]
            self.assertIn(copy['id'], listed, where)
