"""Credentials that are never stored: Barbican secrets and Keystone trusts.

Against the real services of ``tools/functional``: alpha's Keystone
authenticates CIMinG's users and holds the trusts; alpha's Barbican holds
the users' secrets; beta is a foreign cloud whose credentials come from
Barbican or with the request.
"""

import json
import os
import uuid

from keystoneauth1 import exceptions as ks_exc
import sqlalchemy as sa

from tests.functional import aws_env
from tests.functional import base
from tests.functional import gcp_stand_ins
from tests.functional import test_openstack

MiB = 1024 * 1024


class CredentialsTest(base.FunctionalTestCase):

    backend = 'postgresql'
    job_timeout = 180

    def setUp(self):
        self.env = test_openstack.environment_for(self)
        self.alpha = self.env['clouds']['alpha']
        self.beta = self.env['clouds']['beta']
        if not self.alpha.get('key_manager'):
            raise AssertionError('Barbican is not part of the test '
                                 'environment: run tools/functional/start')
        self.deployment_config = test_openstack.keystone_config(self.env)
        super().setUp()
        self.responses = []
        self.demo_session = test_openstack._session(
            self.alpha, self.alpha['users']['demo'])
        self.client = self._recording(test_openstack.TokenClient(
            self.deployment.endpoint, self.demo_session))
        self.beta_admin = test_openstack._session(
            self.beta, self.beta['users']['admin'])

    # Helpers

    def _recording(self, client):
        """Keep every response of ``client``, to search them for secrets."""
        send = client.request

        def request(*args, **kwargs):
            response = send(*args, **kwargs)
            self.responses.append(response)
            return response
        client.request = request
        return client

    def beta_user_with_password(self, password):
        """A member of beta-demo whose password is ``password``."""
        user = self.beta_admin.post(
            '/users', endpoint_override=self.beta['auth_url'],
            json={'user': {'name': 'canary-%s' % uuid.uuid4().hex[:8],
                           'password': password,
                           'domain_id': 'default'}}).json()['user']
        self.addCleanup(self.beta_admin.delete, '/users/%s' % user['id'],
                        endpoint_override=self.beta['auth_url'])
        project = self.beta['users']['beta-demo']['project_id']
        self.beta_admin.put(
            '/projects/%s/users/%s/roles/%s'
            % (project, user['id'], self.beta['roles']['member']),
            endpoint_override=self.beta['auth_url'])
        return {'auth_type': 'password', 'username': user['name'],
                'password': password}

    def store_secret(self, session, document):
        """A Barbican secret of ``session``'s project; its href."""
        response = session.post(
            self.alpha['key_manager'] + '/v1/secrets',
            json={'name': 'ciming-test', 'payload': json.dumps(document),
                  'payload_content_type': 'text/plain'})
        href = response.json()['secret_ref']
        self.addCleanup(session.delete, href, raise_exc=False)
        return href

    def make_beta_cloud(self, client, credential_ref=None):
        body = test_openstack.beta_cloud_body(self.beta)
        if credential_ref:
            body['credential_ref'] = credential_ref
        return client.post('/v1/clouds', body)

    def make_home_cloud(self, client, region='RegionOne'):
        return client.post('/v1/clouds', {
            'name': 'alpha-%s-%s' % (region, uuid.uuid4().hex[:6]),
            'type': 'openstack', 'region': region})

    def trusts_of(self, session):
        user_id = session.get_user_id()
        return session.get(
            '/OS-TRUST/trusts?trustor_user_id=%s' % user_id,
            endpoint_override=self.alpha['auth_url']).json()['trusts']

    def new_trusts(self, before):
        """The demo user's trusts made since ``before`` (a set of ids).

        Other tests' jobs act for the same user: only this test's count.
        """
        return [t for t in self.trusts_of(self.demo_session)
                if t['id'] not in before]

    def existing_trusts(self):
        return {t['id'] for t in self.trusts_of(self.demo_session)}

    def clean_glance(self, image_id, session, region):
        from glanceclient import client as glance_client
        glance = glance_client.Client('2', session=session,
                                      region_name=region)

        def delete():
            for found in glance.images.list(
                    filters={'ciming_image_id': image_id}):
                glance.images.delete(found['id'])
        self.addCleanup(delete)

    # Tests

    def test_foreign_cloud_credentials_from_barbican(self):
        beta_user = self.beta['users']['beta-demo']
        href = self.store_secret(self.demo_session, {
            'username': beta_user['username'],
            'password': beta_user['password']})
        beta = self.make_beta_cloud(self.client, credential_ref=href)
        self.client.post('/v1/clouds/%s/validate' % beta['id'], {},
                         expect=200)
        before = self.existing_trusts()

        image = self.make_image([beta['name']])
        self.clean_glance(image['id'],
                          test_openstack._session(self.beta, beta_user),
                          'RegionOne')
        # Only the user's alpha token: beta's password is in Barbican.
        job = self.client.upload(image['id'], os.urandom(MiB)).json()
        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)
        self.assert_trusts_gone(before)

    def assert_trusts_gone(self, before):
        """The job's trust is deleted once the job ended."""
        base.wait_for(lambda: not self.new_trusts(before), 30,
                      interval=0.5, what='the trusts to be deleted')

    def test_another_projects_credential_ref_is_refused(self):
        href = self.store_secret(self.demo_session, {
            'username': 'beta-demo', 'password': 'not-theirs'})
        other = self._recording(test_openstack.TokenClient(
            self.deployment.endpoint, test_openstack._session(
                self.alpha, self.alpha['users']['other'])))
        beta = self.make_beta_cloud(other, credential_ref=href)

        resp = other.request('POST', '/v1/clouds/%s/validate' % beta['id'],
                             json_body={})
        error = base.check_error(self, resp, 400)
        self.assertEqual('credential_ref_unusable', error['code'])
        self.assertIn('Barbican answered 40', error['message'])

    def test_job_outlives_the_token_through_its_trust(self):
        lifetime = int(os.environ.get('CIMING_FUNC_TOKEN_EXPIRATION', 0))
        if not 0 < lifetime <= 300:
            self.fail('the test environment must issue short-lived tokens '
                      '(CIMING_FUNC_TOKEN_EXPIRATION), not %s s' % lifetime)
        r1 = self.make_home_cloud(self.client, 'RegionOne')
        r2 = self.make_home_cloud(self.client, 'RegionTwo')
        image = self.make_image([r1['name'], r2['name']])
        for region in ('RegionOne', 'RegionTwo'):
            self.clean_glance(image['id'], self.demo_session, region)

        # The conductor is down: the job waits in RabbitMQ.
        self.deployment.stop_conductor()
        self.addCleanup(self._conductor_running)
        before = self.existing_trusts()
        token = self.demo_session.get_token()
        job = self.client.upload(image['id'], os.urandom(MiB),
                                 headers={'X-Auth-Token': token}).json()
        self.assertEqual('pending', job['state'])
        trusts = self.new_trusts(before)
        self.assertEqual(1, len(trusts), trusts)

        # Until the request's token is dead for Keystone itself...
        service = test_openstack._session(self.alpha,
                                          self.alpha['users']['ciming'])

        def token_dead():
            try:
                return service.get(
                    '/auth/tokens', headers={'X-Subject-Token': token},
                    endpoint_override=self.alpha['auth_url'],
                    raise_exc=False).status_code == 404
            except ks_exc.ConnectionError:
                return False  # Keystone closed a kept-alive connection
        base.wait_for(token_dead, lifetime + 60, interval=2,
                      what='the token to expire')

        # ...then a conductor starts (a restart: another process).
        self.deployment.start_conductor()
        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)
        image = self.client.get('/v1/images/%s' % image['id'])
        self.assertEqual('active', image['status'])
        # The trust is deleted when the job ends.
        self.assert_trusts_gone(before)

    def _conductor_running(self):
        if not self.deployment.conductor.alive():
            self.deployment.start_conductor()

    def test_canary_secrets_appear_nowhere(self):
        per_request = 'canary-request-%s' % uuid.uuid4().hex
        in_barbican = 'canary-barbican-%s' % uuid.uuid4().hex
        given = self.beta_user_with_password(per_request)
        stored = self.beta_user_with_password(in_barbican)
        href = self.store_secret(self.demo_session, {
            k: v for k, v in stored.items() if k != 'auth_type'})
        beta_given = self.make_beta_cloud(self.client)
        beta_stored = self.make_beta_cloud(self.client, credential_ref=href)

        image = self.make_image([beta_given['name']])
        beta_user = self.beta['users']['beta-demo']
        self.clean_glance(image['id'],
                          test_openstack._session(self.beta, beta_user),
                          'RegionOne')
        job = self.client.upload(
            image['id'], os.urandom(MiB),
            headers=test_openstack.credentials_header(
                {beta_given['name']: given})).json()
        self.assertEqual('succeeded', self.wait_job(job['id'])['state'])
        # The same Glance project through the Barbican-backed record: the
        # copy is found by its sha512 and linked, not uploaded again.
        job = self.client.post('/v1/images/%s/sync' % image['id'],
                               {'targets': [beta_stored['name']],
                                'credentials': {beta_given['name']: given}},
                               expect=202)
        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)
        self.assertEqual(['linked'], [t['state'] for t in job['targets']])
        self.client.post('/v1/images/%s/refresh' % image['id'],
                         {'credentials': {beta_given['name']: given}},
                         expect=200)

        for canary in (per_request, in_barbican):
            for response in self.responses:
                self.assertNotIn(canary, response.text)
                self.assertNotIn(canary, str(response.headers))
            for name, path in self.deployment.logs().items():
                with open(path, errors='replace') as log:
                    self.assertNotIn(canary, log.read(), name)
            self.assertNotIn(canary, self._database_dump())

    def test_service_account_keys_appear_nowhere(self):
        gcp = gcp_stand_ins.StandIns(self, self.make_temp_dir())
        given = gcp.key
        stored = gcp_stand_ins.service_account_key(
            gcp.compute_url + '/token')
        href = self.store_secret(self.demo_session, stored)
        gcp_given = self.client.post('/v1/clouds', gcp.cloud_body())
        gcp_stored = self.client.post('/v1/clouds', dict(
            gcp.cloud_body(), credential_ref=href))
        by_request = {gcp_given['name']: given}

        # A local copy too: Compute Engine's cannot be a sync source.
        local, _ = self.make_cloud(client=self.client)
        image = self.make_image([local['name'], gcp_given['name']])
        job = self.client.upload(
            image['id'], os.urandom(MiB),
            headers=test_openstack.credentials_header(by_request)).json()
        self.assertEqual('succeeded', self.wait_job(job['id'])['state'])
        # The same project through the Barbican-backed record: the copy
        # is found by its sha512 and linked.
        job = self.client.post('/v1/images/%s/sync' % image['id'],
                               {'targets': [gcp_stored['name']],
                                'credentials': by_request}, expect=202)
        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)
        self.assertEqual(['linked'], [t['state'] for t in job['targets']])
        self.client.post('/v1/images/%s/refresh' % image['id'],
                         {'credentials': by_request}, expect=200)
        self.assertEqual(1, len(gcp.images()))

        canaries = []
        for key in (given, stored):
            canaries.append(key['private_key_id'])
            # A line of the private key's base64 body.
            canaries.append(key['private_key'].splitlines()[5])
        for canary in canaries:
            for response in self.responses:
                self.assertNotIn(canary, response.text)
                self.assertNotIn(canary, str(response.headers))
            for name, path in self.deployment.logs().items():
                with open(path, errors='replace') as log:
                    self.assertNotIn(canary, log.read(), name)
            self.assertNotIn(canary, self._database_dump())

    def test_aws_canary_keys_in_barbican_appear_nowhere(self):
        moto = aws_env.server()
        secret = 'canary-aws-%s' % uuid.uuid4().hex
        key_id = 'AKIA' + uuid.uuid4().hex.upper()
        href = self.store_secret(self.demo_session, {
            'aws_access_key_id': key_id, 'aws_secret_access_key': secret})
        body = aws_env.cloud_body(moto)
        body['credential_ref'] = href
        cloud = self.client.post('/v1/clouds', body)
        self.client.post('/v1/clouds/%s/validate' % cloud['id'], {},
                         expect=200)
        image = self.make_image([cloud['name']])
        job = self.client.upload(image['id'], os.urandom(MiB)).json()
        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)
        self.client.get('/v1/clouds/%s/images' % cloud['id'])

        for canary in (secret, key_id):
            for response in self.responses:
                self.assertNotIn(canary, response.text)
                self.assertNotIn(canary, str(response.headers))
            for name, path in self.deployment.logs().items():
                with open(path, errors='replace') as log:
                    self.assertNotIn(canary, log.read(), name)
            self.assertNotIn(canary, self._database_dump())

    def _database_dump(self):
        engine = sa.create_engine(self.deployment.backend.url(
            self.deployment.database))
        try:
            metadata = sa.MetaData()
            metadata.reflect(engine)
            dump = []
            with engine.connect() as connection:
                for table in metadata.sorted_tables:
                    for row in connection.execute(table.select()):
                        dump.append(repr(tuple(row)))
            self.assertTrue(dump)
            return '\n'.join(dump)
        finally:
            engine.dispose()
