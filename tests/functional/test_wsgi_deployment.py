"""The API deployed as documented: the WSGI application under gunicorn.

``ciming.wsgi.api:application`` served by gunicorn (its configuration in
a ``gunicorn.conf.py``, CIMinG's config file named by
``CIMING_CONFIG_FILE``), two ``ciming-conductor`` processes, RabbitMQ
with the default ``control_exchange``, PostgreSQL, and alpha's Keystone
(tokens, the service user, trusts) from ``tools/functional``. The WSGI
application once published to another exchange than the conductors
listened on: every call that needs a conductor timed out.
"""

import atexit
import json
import os
import subprocess
import urllib.parse
import uuid

from glanceclient import client as glance_client
from glanceclient import exc as glance_exc

from tests.functional import base
from tests.functional import test_api_ref
from tests.functional import test_openstack

MiB = base.MiB
RESUME_SAMPLE = os.path.join(test_api_ref.SAMPLES, 'job-resume-resp.json')


_SERVICE_USER = {}


def documented_service_user(env):
    """CIMinG's service user made as doc/source/install says, once.

    A user of its own with the ``service`` role on the ``service``
    project, nothing more; deleted when the tests end.
    """
    if not _SERVICE_USER:
        alpha = env['clouds']['alpha']
        admin = test_openstack._session(alpha, alpha['users']['admin'])
        identity = {'endpoint_override': alpha['auth_url']}
        password = uuid.uuid4().hex
        user = admin.post('/users', json={'user': {
            'name': base.unique_name('ciming-wsgi-'), 'password': password,
            'domain_id': 'default'}}, **identity).json()['user']
        atexit.register(admin.delete, '/users/%s' % user['id'],
                        raise_exc=False, **identity)
        admin.put('/projects/%s/users/%s/roles/%s'
                  % (alpha['projects']['service'], user['id'],
                     alpha['roles']['service']), **identity)
        _SERVICE_USER.update(username=user['name'], password=password)
    return dict(_SERVICE_USER)


def wsgi_config(env):
    """Alpha's Keystone, and jobs whose cast was lost picked up soon."""
    user = documented_service_user(env)
    return base.merge_sections(test_openstack.keystone_config(env), {
        'keystone_authtoken': user,
        'service_user': user,
        'conductor': {'pending_timeout': 6},
    })


class WSGIDeploymentTest(base.FunctionalTestCase):

    backend = 'postgresql'
    api_server = 'gunicorn'
    conductors = 2
    job_timeout = 180

    def setUp(self):
        self.env = test_openstack.environment_for(self)
        self.deployment_config = wsgi_config(self.env)
        super().setUp()
        self.alpha = self.env['clouds']['alpha']
        self.beta = self.env['clouds']['beta']
        self.demo_session = test_openstack._session(
            self.alpha, self.alpha['users']['demo'])
        self.client = test_openstack.TokenClient(self.deployment.endpoint,
                                                 self.demo_session)
        self.project_id = self.client.project_id

    # Helpers

    def make_region_cloud(self, region='RegionOne'):
        """A region of the home cloud: no auth_url, the user's token."""
        return self.client.post('/v1/clouds', {
            'name': base.unique_name('alpha-%s-' % region.lower()),
            'type': 'openstack', 'region': region})

    def make_beta_cloud(self):
        return self.client.post('/v1/clouds',
                                test_openstack.beta_cloud_body(self.beta))

    def beta_credentials(self, cloud):
        user = self.beta['users']['beta-demo']
        return {cloud['name']: {'auth_type': 'password',
                                'username': user['username'],
                                'password': user['password']}}

    def glance(self, session, region='RegionOne'):
        return glance_client.Client('2', session=session, region_name=region)

    def delete_copies_later(self, glance, image_id):
        def delete():
            for found in glance.images.list(
                    filters={'ciming_image_id': image_id}):
                try:
                    glance.images.delete(found['id'])
                except glance_exc.HTTPNotFound:
                    pass
        self.addCleanup(delete)

    def links_of(self, document):
        """Every href in a JSON answer."""
        found = []
        if isinstance(document, dict):
            if isinstance(document.get('href'), str):
                found.append(document['href'])
            for value in document.values():
                found += self.links_of(value)
        elif isinstance(document, list):
            for item in document:
                found += self.links_of(item)
        return found

    # Tests

    def test_the_deployment_uses_the_default_exchange(self):
        self.assertIsNotNone(
            self.deployment.rabbit.vhost,
            'rabbitmqctl could not make a virtual host: this deployment '
            'would need a control_exchange of its own')
        with open(self.deployment.config_file) as conf:
            self.assertNotIn('control_exchange', conf.read())
        with open(self.deployment.gunicorn_config_file) as conf:
            self.assertIn('ciming.wsgi.api:application', conf.read())

    def test_upgrade_check_passes_on_the_deployment(self):
        # The real Keystone: the service user authenticates, auth_url is
        # v3; and the exchange is the default.
        result = subprocess.run(
            [base.find_command('ciming-status'), '--config-file',
             self.deployment.config_file, 'upgrade', 'check'],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        output = result.stdout.decode('utf-8', 'replace')
        self.assertEqual(0, result.returncode, output)
        self.assertIn("control_exchange is 'ciming'", output)
        self.assertIn('serves identity v3', output)

    def test_validate_a_region_of_the_home_cloud(self):
        cloud = self.make_region_cloud('RegionOne')
        answer = self.client.post('/v1/clouds/%s/validate' % cloud['id'],
                                  {}, expect=200)
        self.assertEqual({'valid': True}, answer)

    def test_browse_a_region_of_the_home_cloud(self):
        cloud = self.make_region_cloud('RegionOne')
        listing = self.client.get('/v1/clouds/%s/images' % cloud['id'])
        self.assertIn('images', listing)

    def test_upload_once_to_a_local_cloud_and_glance(self):
        local, directory = self.make_cloud()
        region = self.make_region_cloud('RegionOne')
        path, sha512, _md5 = self.make_data_file(3 * MiB + 7)
        image = self.make_image([local['name'], region['name']])
        self.delete_copies_later(self.glance(self.demo_session), image['id'])

        job = self.client.upload(image['id'], path).json()
        job = self.wait_job(job['id'])

        self.assertEqual('succeeded', job['state'], job)
        image = self.client.get('/v1/images/%s' % image['id'])
        self.assertEqual('active', image['status'])
        self.assertEqual(sha512, image['os_hash_value'])
        locations = {loc['cloud_name']: loc for loc in image['locations']}
        self.assertEqual('active', locations[local['name']]['status'])
        self.assertEqual('active', locations[region['name']]['status'])
        copies = [name for name in self.cloud_files(directory, image['id'])
                  if not name.endswith('.json')]
        self.assertEqual(1, len(copies), copies)
        self.assertTrue(base.files_identical(
            path, os.path.join(directory, copies[0])))
        remote = self.glance(self.demo_session).images.get(
            locations[region['name']]['remote_id'])
        self.assertEqual('active', remote['status'])
        self.assertEqual(sha512, remote['os_hash_value'])

    def test_chunked_upload(self):
        local, directory = self.make_cloud()
        image = self.make_image([local['name']])
        data = os.urandom(2 * MiB + 3)
        # A generator: requests sends it with Transfer-Encoding: chunked.
        job = self.client.request(
            'PUT', '/v1/images/%s/file' % image['id'], 202,
            data=(data[i:i + 65536] for i in range(0, len(data), 65536)),
            headers={'Content-Type': 'application/octet-stream'}).json()
        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)
        image = self.client.get('/v1/images/%s' % image['id'])
        self.assertEqual(len(data), image['size'])

    def test_every_link_in_the_answers_resolves(self):
        local, _directory = self.make_cloud()
        image = self.make_image([local['name']])
        job = self.client.upload(image['id'], os.urandom(MiB)).json()
        self.wait_job(job['id'])
        answers = [self.client.get(path) for path in (
            '/', '/v1', '/v1/clouds', '/v1/clouds/%s' % local['id'],
            '/v1/images', '/v1/images/%s' % image['id'],
            '/v1/jobs', '/v1/jobs/%s' % job['id'])]
        links = sorted(set(self.links_of(answers)))
        self.assertTrue(links)
        for link in links:
            self.assertTrue(link.startswith(self.deployment.endpoint), link)
            response = self.client.request('GET', urllib.parse.urlparse(
                link).path)
            self.assertTrue(200 <= response.status_code < 300,
                            '%s: %s %s' % (link, response.status_code,
                                           response.text[:500]))

    def test_lost_upload_cast_waits_for_credentials_then_resumes(self):
        local, directory = self.make_cloud()
        beta = self.make_beta_cloud()
        image = self.make_image([local['name'], beta['name']])
        self.delete_copies_later(
            self.glance(test_openstack._session(
                self.beta, self.beta['users']['beta-demo'])), image['id'])
        for index in range(self.conductors):
            self.deployment.stop_conductor(index)
        self.addCleanup(self._conductors_running)

        # Longer than a chunk: its job is recorded and cast as the
        # upload starts (the API reference's samples show such a job).
        job = self.client.upload(
            image['id'], os.urandom(2 * MiB),
            headers=test_openstack.credentials_header(
                self.beta_credentials(beta))).json()
        self.assertEqual('pending', job['state'])
        # The broker loses the cast, and the credentials it carried.
        self._purge_conductor_queues()
        self._conductors_running()

        job = self.wait_job(job['id'], states=('awaiting_credentials',),
                            timeout=60)
        # At the latest version, the one the API reference's samples show.
        resumed = self.client.post(
            '/v1/jobs/%s/resume' % job['id'],
            {'credentials': self.beta_credentials(beta)}, expect=202,
            headers=test_api_ref.LATEST)
        self.assertEqual(job['id'], resumed['id'])
        self.assertEqual('awaiting_credentials', resumed['state'])
        self.check_resume_sample(resumed)

        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)
        self.assertEqual(
            [image['id'] + '.img', image['id'] + '.json'],
            self.cloud_files(directory, image['id']))
        image = self.client.get('/v1/images/%s' % image['id'])
        self.assertEqual({'active'},
                         {loc['status'] for loc in image['locations']})

    def check_resume_sample(self, live):
        """The API reference's resume sample is this answer's shape.

        ``CIMING_API_REF_WRITE_SAMPLES=1`` writes it from this answer.
        """
        if test_api_ref.WRITE:
            text = json.dumps(live, indent=4, sort_keys=True).replace(
                self.deployment.endpoint, test_api_ref.SAMPLE_ENDPOINT)
            with open(RESUME_SAMPLE, 'w') as sample:
                sample.write(text + '\n')
            return
        with open(RESUME_SAMPLE) as sample:
            self.assertEqual([], test_api_ref.structure_differences(
                json.load(sample), live))

    def _conductors_running(self):
        for index in range(self.conductors):
            if not self.deployment.conductors[index].alive():
                self.deployment.start_conductor(index)

    def _purge_conductor_queues(self):
        vhost = self.deployment.rabbit.vhost
        if vhost is None:
            self.fail('rabbitmqctl could not make a virtual host')
        for index in range(self.conductors):
            queue = 'ciming-conductor.%s' % self.deployment.conductor_host(
                index)
            self.assertTrue(self.deployment.rabbit._ctl(
                'purge_queue', '-p', vhost, queue), queue)
