"""Many OpenStack clouds: CIMinG against real Keystone and Glance servers.

The environment of ``tools/functional`` (``tools/functional/start``) runs
cloud "alpha" (one Keystone, Glance in RegionOne and RegionTwo) and cloud
"beta" (its own Keystone and Glance). CIMinG authenticates its API users
with alpha's Keystone; alpha's regions are its home clouds (reached with
the caller's token), beta is a foreign cloud whose credentials come with
each request.
"""

import base64
import hashlib
import io
import json
import os
import time
import uuid

from glanceclient import client as glance_client
from glanceclient import exc as glance_exc
from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
import sqlalchemy as sa

from tests.functional import base

STATE_DIR = os.environ.get('CIMING_FUNC_STATE', '/tmp/ciming-functional')
ENV_FILE = os.path.join(STATE_DIR, 'env.json')

MiB = 1024 * 1024


def _environment():
    try:
        with open(ENV_FILE) as env:
            return json.load(env)
    except OSError as exc:
        raise base.ServiceUnavailable(
            'the OpenStack test environment is not running (%s); start '
            'it with tools/functional/install && tools/functional/start'
            % exc)


def environment_for(test):
    """The running test environment, else skip (when allowed) or fail."""
    try:
        return _environment()
    except base.ServiceUnavailable as exc:
        if base.ALLOW_SKIP:
            test.skipTest(str(exc))
        raise AssertionError(str(exc))


def beta_cloud_body(beta):
    """A new cloud record for the independent cloud beta (its demo user)."""
    user = beta['users']['beta-demo']
    return {'name': base.unique_name('beta-'), 'type': 'openstack',
            'region': 'RegionOne',
            'options': {'auth_url': beta['auth_url'],
                        'project_name': user['project_name'],
                        'project_domain_name': user['project_domain_name'],
                        'user_domain_name': user['user_domain_name']}}


def _session(cloud, user):
    auth = v3.Password(auth_url=cloud['auth_url'],
                       username=user['username'],
                       password=user['password'],
                       user_domain_name=user['user_domain_name'],
                       project_name=user['project_name'],
                       project_domain_name=user['project_domain_name'])
    return ks_session.Session(auth=auth)


def keystone_config(env):
    """CIMinG config sections for a deployment inside cloud alpha."""
    alpha = env['clouds']['alpha']
    service = alpha['users']['ciming']
    service_auth = {
        'auth_type': 'password',
        'auth_url': alpha['keystone'],
        'username': service['username'],
        'password': service['password'],
        'user_domain_name': service['user_domain_name'],
        'project_name': service['project_name'],
        'project_domain_name': service['project_domain_name'],
    }
    return {
        'DEFAULT': {'auth_strategy': 'keystone'},
        'keystone': {'auth_url': alpha['auth_url'],
                     'region_name': 'RegionOne'},
        'keystone_authtoken': dict(
            service_auth, www_authenticate_uri=alpha['keystone'],
            service_token_roles_required='true'),
        'service_user': service_auth,
        'glance': {'poll_interval': 0.2},
    }


class TokenClient(base.Client):
    """A CIMinG client that authenticates with a Keystone session."""

    def __init__(self, endpoint, session):
        super().__init__(endpoint, project_id=session.get_project_id())
        self.keystone = session

    def headers(self, extra=None):
        headers = {'Accept': 'application/json',
                   'X-Auth-Token': self.keystone.get_token()}
        headers.update(extra or {})
        return headers


def credentials_header(mapping):
    return {'X-CIMinG-Credentials':
            base64.b64encode(json.dumps(mapping).encode()).decode()}


class OpenStackCloudsTest(base.FunctionalTestCase):

    backend = 'mysql'
    job_timeout = 180

    @classmethod
    def _config(cls, env):
        return keystone_config(env)

    def setUp(self):
        self.env = environment_for(self)
        self.deployment_config = self._config(self.env)
        super().setUp()
        self.alpha = self.env['clouds']['alpha']
        self.beta = self.env['clouds']['beta']
        self.demo_session = _session(self.alpha, self.alpha['users']['demo'])
        self.client = TokenClient(self.deployment.endpoint,
                                  self.demo_session)
        self.beta_user = self.beta['users']['beta-demo']
        self.beta_session = _session(self.beta, self.beta_user)
        self.clouds = self._register_clouds(self.client)

    # Helpers

    def _register_clouds(self, client):
        suffix = uuid.uuid4().hex[:6]
        names = {'r1': 'alpha-r1-' + suffix, 'r2': 'alpha-r2-' + suffix,
                 'beta': 'beta-' + suffix}
        client.post('/v1/clouds', {'name': names['r1'], 'type': 'openstack',
                                   'region': 'RegionOne'})
        client.post('/v1/clouds', {'name': names['r2'], 'type': 'openstack',
                                   'region': 'RegionTwo'})
        client.post('/v1/clouds', {
            'name': names['beta'], 'type': 'openstack',
            'region': 'RegionOne',
            'options': {
                'auth_url': self.beta['auth_url'],
                'project_name': self.beta_user['project_name'],
                'project_domain_name': self.beta_user['project_domain_name'],
                'user_domain_name': self.beta_user['user_domain_name'],
            }})
        return names

    def beta_credentials(self):
        return {self.clouds['beta']: {
            'auth_type': 'password',
            'username': self.beta_user['username'],
            'password': self.beta_user['password']}}

    def glance(self, where):
        """glanceclient of the demo user in r1/r2, or beta-demo in beta."""
        if where == 'beta':
            return glance_client.Client('2', session=self.beta_session,
                                        region_name='RegionOne')
        region = {'r1': 'RegionOne', 'r2': 'RegionTwo'}[where]
        return glance_client.Client('2', session=self.demo_session,
                                    region_name=region)

    def glance_upload(self, where, data, **properties):
        glance = self.glance(where)
        image = glance.images.create(name='outside-%s' % uuid.uuid4().hex[:6],
                                     disk_format='raw',
                                     container_format='bare', **properties)
        self.addCleanup(self._quietly_delete, glance, image['id'])
        glance.images.upload(image["id"], io.BytesIO(data))
        return glance.images.get(image['id'])

    @staticmethod
    def _quietly_delete(glance, image_id):
        try:
            glance.images.delete(image_id)
        except glance_exc.HTTPNotFound:
            pass

    def location(self, image, where):
        name = self.clouds[where]
        for loc in image['locations']:
            if loc['cloud_name'] == name:
                return loc
        self.fail('image has no location in %s: %s' % (name, image))

    def upload_everywhere(self, data):
        image = self.make_image([self.clouds['r1'], self.clouds['r2'],
                                 self.clouds['beta']])
        for where in ('r1', 'r2', 'beta'):
            self.addCleanup(self._quietly_delete_ours, where, image['id'])
        job = self.client.upload(
            image['id'], data,
            headers=credentials_header(self.beta_credentials())).json()
        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)
        return self.client.get('/v1/images/%s' % image['id'])

    def _quietly_delete_ours(self, where, image_id):
        glance = self.glance(where)
        for found in glance.images.list(
                filters={'ciming_image_id': image_id}):
            self._quietly_delete(glance, found['id'])

    # Tests

    def test_upload_once_to_two_regions_and_a_foreign_cloud(self):
        data = os.urandom(3 * MiB + 5)
        image = self.upload_everywhere(data)

        self.assertEqual('active', image['status'])
        sha512 = hashlib.sha512(data).hexdigest()
        self.assertEqual(sha512, image['os_hash_value'])
        for where in ('r1', 'r2', 'beta'):
            loc = self.location(image, where)
            self.assertEqual('active', loc['status'], loc)
            remote = self.glance(where).images.get(loc['remote_id'])
            self.assertEqual('active', remote['status'])
            self.assertEqual(sha512, remote['os_hash_value'])
            self.assertEqual(len(data), remote['size'])
            self.assertEqual(image['id'], remote['ciming_image_id'])
        # In alpha the copies carry CIMinG's unified id as their own.
        self.assertEqual(image['id'], self.location(image, 'r1')['remote_id'])
        self.assertEqual(image['id'], self.location(image, 'r2')['remote_id'])
        self.assertEqual([], self.staged_files(image['id']))

    def _copying(self, image_id):
        """The upload's job, once every target received some data."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            jobs = self.client.get('/v1/jobs?image_id=%s' % image_id)['jobs']
            if jobs and all(t['bytes_done'] for t in jobs[0]['targets']):
                return jobs[0]
            time.sleep(0.2)
        self.fail('no job copied the upload of %s while it arrived'
                  % image_id)

    def test_the_targets_receive_an_upload_while_it_arrives(self):
        # The job starts with the upload: the rest of the body is only
        # sent once both regions received data.
        data = os.urandom(6 * MiB + 3)
        image = self.make_image([self.clouds['r1'], self.clouds['r2']])
        for where in ('r1', 'r2'):
            self.addCleanup(self._quietly_delete_ours, where, image['id'])
        seen = []

        def body():
            yield data[:4 * MiB]
            seen.append(self._copying(image['id']))
            yield data[4 * MiB:]

        job = self.client.request('PUT', '/v1/images/%s/file' % image['id'],
                                  202, data=body(), timeout=300, headers={
                                      'Content-Type':
                                      'application/octet-stream'}).json()
        self.assertEqual(seen[0]['id'], job['id'])
        self.assertTrue(job['source']['live'])
        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)
        image = self.client.get('/v1/images/%s' % image['id'])
        self.assertEqual('active', image['status'])
        sha512 = hashlib.sha512(data).hexdigest()
        self.assertEqual(sha512, image['os_hash_value'])
        for where in ('r1', 'r2'):
            remote = self.glance(where).images.get(
                self.location(image, where)['remote_id'])
            self.assertEqual(sha512, remote['os_hash_value'])
            self.assertEqual(len(data), remote['size'])
        self.assertEqual([], self.staged_files(image['id']))

    def test_a_refused_upload_cancels_the_copies_it_started(self):
        data = os.urandom(4 * MiB)
        image = self.make_image([self.clouds['r1'], self.clouds['r2']])
        for where in ('r1', 'r2'):
            self.addCleanup(self._quietly_delete_ours, where, image['id'])

        def body():
            yield data[:3 * MiB]
            self._copying(image['id'])
            yield data[3 * MiB:]

        resp = self.client.request(
            'PUT', '/v1/images/%s/file' % image['id'], data=body(),
            timeout=300, headers={
                'Content-Type': 'application/octet-stream',
                'X-Image-Os-Hash-Value': hashlib.sha512(b'x').hexdigest()})
        base.check_error(self, resp, 400)
        [job] = self.client.get('/v1/jobs?image_id=%s' % image['id'])['jobs']
        job = self.wait_job(job['id'], states=('cancelled', 'failed'))
        self.assertEqual('cancelled', job['state'], job)
        image = self.client.get('/v1/images/%s' % image['id'])
        self.assertEqual('queued', image['status'])
        self.assertEqual(['pending', 'pending'],
                         [loc['status'] for loc in image['locations']])
        for where in ('r1', 'r2'):
            self.assertEqual([], list(self.glance(where).images.list(
                filters={'ciming_image_id': image['id']})))
        self.assertEqual([], self.staged_files(image['id']))

    def test_foreign_cloud_without_credentials_fails_its_target_only(self):
        image = self.make_image([self.clouds['r1'], self.clouds['beta']])
        self.addCleanup(self._quietly_delete_ours, 'r1', image['id'])
        job = self.client.upload(image['id'], os.urandom(MiB)).json()
        job = self.wait_job(job['id'])

        self.assertEqual('partial', job['state'])
        errors = {t['cloud_name']: t['error'] for t in job['targets']}
        self.assertIsNone(errors[self.clouds['r1']])
        self.assertIn('credentials', errors[self.clouds['beta']])

    def test_adopt_from_beta_and_sync_to_both_regions(self):
        data = os.urandom(2 * MiB)
        outside = self.glance_upload('beta', data, hw_disk_bus='scsi',
                                     os_distro='ubuntu',
                                     owner_note='stays in beta')

        adopted = self.client.post('/v1/images/adopt', {
            'source': {'cloud': self.clouds['beta'],
                       'remote_id': outside['id']},
            'targets': [self.clouds['r1'], self.clouds['r2']],
            'credentials': self.beta_credentials()})
        for where in ('r1', 'r2'):
            self.addCleanup(self._quietly_delete_ours, where, adopted['id'])

        self.assertEqual(outside['os_hash_value'], adopted['os_hash_value'])
        self.assertEqual('active',
                         self.location(adopted, 'beta')['status'])
        job = self.wait_job(adopted['job']['id'])
        self.assertEqual('succeeded', job['state'], job)
        image = self.client.get('/v1/images/%s' % adopted['id'])
        self.assertEqual('active', image['status'])
        for where in ('r1', 'r2'):
            copy = self.glance(where).images.get(
                self.location(image, where)['remote_id'])
            self.assertEqual(outside['os_hash_value'],
                             copy['os_hash_value'])
            self.assertEqual('scsi', copy.get('hw_disk_bus'))
            self.assertEqual('ubuntu', copy.get('os_distro'))
            self.assertNotIn('owner_note', copy)

    def test_a_copy_is_verified_by_the_target_glance(self):
        # The conductor does not hash a copy between Glances when the
        # image's hashes are known: the target Glance's own hash of what
        # it received is what is compared. Here the record says another
        # sha512 than the data has: the target fails, nothing is left.
        data = os.urandom(MiB + 7)
        outside = self.glance_upload('beta', data)
        adopted = self.client.post('/v1/images/adopt', {
            'source': {'cloud': self.clouds['beta'],
                       'remote_id': outside['id']},
            'credentials': self.beta_credentials()})
        self.addCleanup(self._quietly_delete_ours, 'r2', adopted['id'])
        engine = sa.create_engine(self.deployment.backend.url(
            self.deployment.database))
        self.addCleanup(engine.dispose)
        wrong = hashlib.sha512(data + b'x').hexdigest()
        with engine.begin() as conn:
            conn.execute(sa.text(
                'UPDATE images SET os_hash_value = :v WHERE id = :id'),
                {'v': wrong, 'id': adopted['id']})

        job = self.client.post('/v1/images/%s/sync' % adopted['id'], {
            'targets': [self.clouds['r2']],
            'credentials': self.beta_credentials()}, expect=202)
        job = self.wait_job(job['id'])

        self.assertEqual('failed', job['state'], job)
        [target] = job['targets']
        self.assertIn('os_hash_value', target['error'])
        self.assertEqual([], list(self.glance('r2').images.list(
            filters={'ciming_image_id': adopted['id']})))

    def test_copy_deleted_behind_our_back_is_missing_then_restored(self):
        data = os.urandom(MiB + 3)
        image = self.upload_everywhere(data)
        r2 = self.location(image, 'r2')
        self.glance('r2').images.delete(r2['remote_id'])

        refreshed = self.client.post(
            '/v1/images/%s/refresh' % image['id'],
            {'credentials': self.beta_credentials()}, expect=200)
        states = {loc['cloud_name']: loc['status']
                  for loc in refreshed['locations']}
        self.assertEqual('missing', states[self.clouds['r2']])
        self.assertEqual('active', states[self.clouds['r1']])
        self.assertEqual('active', states[self.clouds['beta']])
        missing = self.client.get('/v1/images?missing_in=%s'
                                  % self.clouds['r2'])
        self.assertIn(image['id'], [i['id'] for i in missing['images']])

        job = self.client.post('/v1/images/%s/sync' % image['id'],
                               {'credentials': self.beta_credentials()},
                               expect=202)
        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)
        image = self.client.get('/v1/images/%s' % image['id'])
        restored = self.location(image, 'r2')
        self.assertEqual('active', restored['status'])
        copy = self.glance('r2').images.get(restored['remote_id'])
        self.assertEqual(hashlib.sha512(data).hexdigest(),
                         copy['os_hash_value'])
        # Glance never reuses a deleted id: the copy is found by property.
        self.assertEqual(image['id'], copy['ciming_image_id'])

    def test_link_by_hand_checks_the_checksum(self):
        data = os.urandom(MiB)
        image = self.make_image([self.clouds['r1']])
        self.addCleanup(self._quietly_delete_ours, 'r1', image['id'])
        job = self.client.upload(image['id'], data).json()
        self.assertEqual('succeeded', self.wait_job(job['id'])['state'])
        wrong = self.glance_upload('r2', os.urandom(MiB))
        right = self.glance_upload('r2', data)
        path = '/v1/images/%s/locations' % image['id']

        resp = self.client.request('POST', path, json_body={
            'cloud': self.clouds['r2'], 'remote_id': wrong['id']})
        error = base.check_error(self, resp, 409)
        self.assertEqual('checksum_mismatch', error['code'])

        linked = self.client.post(path, {'cloud': self.clouds['r2'],
                                         'remote_id': right['id']})
        self.assertEqual('active', linked['status'])
        self.assertEqual(right['id'], linked['remote_id'])

    def test_browse_a_cloud_shows_what_is_tracked(self):
        image = self.upload_everywhere(os.urandom(MiB))
        outside = self.glance_upload('r1', os.urandom(1024))

        listing = self.client.get('/v1/clouds/%s/images' % self.clouds['r1'])
        tracked = {i['remote_id']: i['tracked_as']
                   for i in listing['images']}
        self.assertEqual(image['id'], tracked[image['id']])
        self.assertIsNone(tracked[outside['id']])

        live = self.client.get('/v1/images/%s/locations?live=true'
                               % image['id'],
                               headers=credentials_header(
                                   self.beta_credentials()))
        for loc in live['locations']:
            self.assertEqual(image['os_hash_value'],
                             loc['remote']['os_hash_value'], loc)

    def test_another_project_cannot_touch_our_images(self):
        image = self.upload_everywhere(os.urandom(MiB))
        other = TokenClient(self.deployment.endpoint, _session(
            self.alpha, self.alpha['users']['other']))
        other_clouds = self._register_clouds(other)
        paths = ['/v1/images/%s' % image['id'],
                 '/v1/images/%s/locations' % image['id']]
        for path in paths:
            base.check_error(self, other.request('GET', path), 404)
        resp = other.request('POST', '/v1/images/%s/sync' % image['id'],
                             json_body={})
        base.check_error(self, resp, 404)
        resp = other.request('POST', '/v1/images/%s/locations' % image['id'],
                             json_body={'cloud': other_clouds['r1'],
                                        'remote_id': image['id']})
        base.check_error(self, resp, 404)
        # Adopting our Glance copy: Glance itself hides it from them.
        resp = other.request('POST', '/v1/images/adopt', json_body={
            'source': {'cloud': other_clouds['r1'],
                       'remote_id': image['id']}})
        base.check_error(self, resp, 404)
        self.assertNotIn(image['id'], [
            i['id'] for i in other.get('/v1/images')['images']])
