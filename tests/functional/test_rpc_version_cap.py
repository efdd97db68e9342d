"""An API pinned to an older conductor RPC version (a rolling upgrade).

With ``[conductor] rpc_version_cap = 1.0`` the API may send only what
the first conductors understood: uploads still run (``run_job`` 1.0),
while the calls that need a newer version (purge 1.3, a cloud's image
list 1.1) are refused with a 409 that says why, before anything is sent
or deleted, never a 500.
"""

from tests.functional import base

MiB = base.MiB


class VersionCapMixin:

    deployment_config = {'conductor': {'rpc_version_cap': '1.0'}}

    def test_pinned_api_refuses_or_degrades(self):
        cloud, directory = self.make_cloud()
        path, _sha512, _md5 = self.make_data_file(1 * MiB)
        image = self.make_image([cloud['id']])
        job = self.client.upload(image['id'], path).json()
        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)

        resp = self.client.request(
            'DELETE', '/v1/images/%s?purge=true' % image['id'])
        error = base.check_error(self, resp, 409)
        self.assertEqual('conductor_version_capped', error['code'], error)
        self.assertIn('1.3', error['message'])
        # Nothing was deleted: not the record, not the copy.
        self.assertEqual('active', self.client.get(
            '/v1/images/%s' % image['id'])['status'])
        self.assertEqual([image['id'] + '.img', image['id'] + '.json'],
                         self.cloud_files(directory, image['id']))

        resp = self.client.request('GET',
                                   '/v1/clouds/%s/images' % cloud['id'])
        error = base.check_error(self, resp, 409)
        self.assertEqual('conductor_version_capped', error['code'], error)

        # Deleting the record alone needs no conductor.
        self.client.delete('/v1/images/%s' % image['id'])


class VersionCapMySQLTest(VersionCapMixin, base.FunctionalTestCase):
    backend = 'mysql'
