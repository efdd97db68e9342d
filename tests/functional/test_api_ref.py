"""The API reference's samples, checked against live deployments.

Every call documented in ``api-ref/source`` is made here, in an order
where each finds what it needs (clouds, an uploaded image, jobs), against
the all-in-one and against the documented deployment (``ciming-api`` and
a separate ``ciming-conductor`` over RabbitMQ). A call with a request
sample sends that file as it is; a call with a response sample must
answer with the documented status and a body of the same structure as
the sample: the same keys, recursively, in objects and in every item of
lists; every value of the type the sample shows, or, where the sample
shows ``null``, of the type ``parameters.yaml`` documents; ``null`` only
where the sample or ``parameters.yaml`` says a field may be ``null``.
Error answers are checked against the error sample too.

``CIMING_API_REF_WRITE_SAMPLES=1`` writes the response samples from the
live answers instead (with the endpoint replaced by a neutral one); review
the diff before committing it.
"""

import glob
import hashlib
import json
import os
import re
import shutil
import tempfile

import requests
import testtools
from testtools import content
import yaml

from tests.functional import base
from tests import local_http

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
SOURCE = os.path.join(TOP, 'api-ref', 'source')
SAMPLES = os.path.join(SOURCE, 'samples')
WRITE = os.environ.get('CIMING_API_REF_WRITE_SAMPLES') == '1'
SAMPLE_ENDPOINT = 'http://ciming.example.com:9779'

MiB = base.MiB
# The samples show the latest microversion.
LATEST = {'OpenStack-API-Version': 'cloud-image-manager latest'}
PROJECT = dict(LATEST, **{'X-Project-Id': 'demo',
                          'X-Roles': 'member,reader'})
ADMIN = dict(LATEST, **{'X-Project-Id': 'demo',
                        'X-Roles': 'admin,member,reader'})
# Calls of API 1.1 (image lifecycle); the samples show the latest.
LIFECYCLE = PROJECT
JOB_TIMEOUT = 120
V12 = {'OpenStack-API-Version': 'cloud-image-manager 1.2'}
# The URL import reads from an HTTP server the test starts on 127.0.0.1.
URL_IMPORT_CONFIG = {'allowed_networks': '127.0.0.1/32',
                     'allowed_ports': ''}
# Objects whose keys are data (cloud options, image properties), not API.
FREE_FORM = ('options', 'properties', 'credentials')


def documented_calls():
    """(method, URL regex, .inc file) of every ``rest_method``."""
    calls = []
    for inc in sorted(glob.glob(os.path.join(SOURCE, '*.inc'))):
        with open(inc) as text:
            for method, path in re.findall(
                    r'^\.\. rest_method:: (\S+) (\S+)$', text.read(), re.M):
                pattern = re.sub(r'\\{[a-z_]+\\}', '[^/?]+',
                                 re.escape(path))
                calls.append((method, '^%s(\\?.*)?$' % pattern,
                              os.path.basename(inc)))
    return calls


def load_sample(name):
    with open(os.path.join(SAMPLES, name)) as sample:
        return json.load(sample)


_TYPES = {'string': (str,), 'integer': (int,), 'number': (int, float),
          'boolean': (bool,), 'object': (dict,), 'array': (list,)}
_PREFIXES = ('adopt_', 'cloud_', 'data_', 'image_', 'job_', 'link_',
             'location_', 'remote_', 'sync_', 'version_')
_SUFFIXES = ('_req', '_update', '_path')


def documented_fields(parameters=None):
    """``{field name: (types, nullable)}`` from parameters.yaml's body.

    A body parameter is named by its field, often with a resource
    prefix (``image_size`` is ``size``); a field named by several
    parameters takes the types of all, and may be null if one says so.
    """
    if parameters is None:
        with open(os.path.join(SOURCE, 'parameters.yaml')) as text:
            parameters = yaml.safe_load(text)
    fields = {}
    for key, spec in parameters.items():
        if spec.get('in') != 'body':
            continue
        names = {key}
        for suffix in _SUFFIXES:
            if key.endswith(suffix):
                names.add(key[:-len(suffix)])
        for name in list(names):
            for prefix in _PREFIXES:
                if name.startswith(prefix):
                    names.add(name[len(prefix):])
        nullable = '``null``' in spec.get('description', '')
        for name in names:
            types, may_be_null = fields.get(name, ((), False))
            fields[name] = (types + tuple(t for t in _TYPES[spec['type']]
                                          if t not in types),
                            may_be_null or nullable)
    return fields


def _is_a(value, types):
    # bool is an int in Python, never in JSON.
    if isinstance(value, bool):
        return bool in types
    return isinstance(value, types)


def _scalar_differences(sample, live, path, fields):
    name = path.rsplit('.', 1)[-1].split('[', 1)[0]
    types, nullable = fields.get(name, ((), False))
    if live is None:
        if sample is None or nullable:
            return []
        return ['%s: null live, never null in the sample nor in '
                'parameters.yaml' % path]
    if sample is None:
        if types and not _is_a(live, types):
            return ['%s: a %s live, parameters.yaml says %s' % (
                path, type(live).__name__,
                '/'.join(t.__name__ for t in types))]
        return []
    if isinstance(sample, bool) or isinstance(live, bool):
        same = isinstance(sample, bool) and isinstance(live, bool)
    elif isinstance(sample, (int, float)):
        same = isinstance(live, (int, float)) and (
            isinstance(sample, float) or isinstance(live, int))
    else:
        same = type(sample) is type(live)
    if not same:
        return ['%s: a %s in the sample, a %s live'
                % (path, type(sample).__name__, type(live).__name__)]
    return []


def structure_differences(sample, live, path='$', fields=None):
    """Where ``live`` does not have the structure and types of ``sample``."""
    if fields is None:
        fields = documented_fields()
    if isinstance(sample, dict) and isinstance(live, dict):
        if path.rsplit('.', 1)[-1] in FREE_FORM:
            return []
        problems = []
        missing = sorted(set(sample) - set(live))
        extra = sorted(set(live) - set(sample))
        if missing:
            problems.append('%s: documented but not returned: %s'
                            % (path, ', '.join(missing)))
        if extra:
            problems.append('%s: returned but not documented: %s'
                            % (path, ', '.join(extra)))
        for key in sorted(set(sample) & set(live)):
            problems += structure_differences(sample[key], live[key],
                                              '%s.%s' % (path, key), fields)
        return problems
    if isinstance(sample, list) and isinstance(live, list):
        if sample and not live:
            return ['%s: the sample has items, the live list none' % path]
        problems = []
        # Every live item, against the sample's item at that place (the
        # last one past the sample's count).
        for index, item in enumerate(live):
            if not sample:
                problems.append('%s: the sample has no items, the live '
                                'list %d' % (path, len(live)))
                break
            problems += structure_differences(
                sample[min(index, len(sample) - 1)], item,
                '%s[%d]' % (path, index), fields)
        return problems
    if isinstance(sample, (dict, list)) or isinstance(live, (dict, list)):
        if live is None or sample is None:
            return _scalar_differences(sample, live, path, fields)
        return ['%s: a %s in the sample, a %s live'
                % (path, type(sample).__name__, type(live).__name__)]
    return _scalar_differences(sample, live, path, fields)


def hand_to_project(data_file):
    """Give a file put by hand in a shared local cloud to PROJECT.

    Without its sidecar naming a project it belongs to the project that
    defined the cloud, and the others cannot see it.
    """
    with open(data_file[:-len('.img')] + '.json', 'w') as sidecar:
        json.dump({'project_id': PROJECT['X-Project-Id']}, sidecar)


LOCAL_CLOUDS = ('dev-a', 'dev-b', 'dev-c', 'dev-d')


class ApiRefScenarioMixin:
    """One scenario through every documented call, in order."""

    def setUp(self):
        super().setUp()
        self.session = requests.Session()
        self.checked = []
        self.made = []
        self.start_service()

    def start_service(self):
        """Start what answers at ``self.endpoint``."""
        raise NotImplementedError

    def local_cloud_dir(self, cloud):
        raise NotImplementedError

    def _attach_checked(self, exc_info):
        self.addDetail('checked', content.text_content(
            '\n'.join(self.checked)))
    # One documented call

    def call(self, method, path, status, request=None, response=None,
             headers=None, data=None, edit=None):
        """Make a call; check (or write) its response sample.

        ``edit`` changes the request sample's body before it is sent.
        """
        body = load_sample(request) if request else None
        if edit is not None:
            body = edit(body)
        reply = self.session.request(
            method, self.endpoint + path, json=body, data=data,
            headers=dict(headers or PROJECT), timeout=120)
        self.checked.append('%s %s -> %s' % (method, path,
                                             reply.status_code))
        self.made.append((method, path))
        self.assertEqual(status, reply.status_code,
                         '%s %s (%s): %s' % (method, path, request,
                                             reply.text))
        if response is None:
            return reply.json() if reply.content else None
        live = reply.json()
        if WRITE:
            self._write_sample(response, live)
        else:
            problems = structure_differences(load_sample(response), live)
            self.assertEqual([], problems, '%s %s: %s differs from the live '
                             'answer %s' % (method, path, response,
                                            json.dumps(live, indent=2)))
        return live

    def _write_sample(self, name, live):
        text = json.dumps(live, indent=4, sort_keys=True)
        text = text.replace(self.endpoint, SAMPLE_ENDPOINT)
        with open(os.path.join(SAMPLES, name), 'w') as sample:
            sample.write(text + '\n')

    def check_errors(self):
        """Error answers are the documented error document."""
        sample = load_sample('error-resp.json')
        live = self.call('GET', '/v1/clouds/dev-x', 404,
                         response='error-resp.json')
        # The sample is this very answer.
        self.assertEqual(sample, live)
        for method, path, status, body in (
                ('GET', '/v1/images?limit=-1', 400, None),
                ('POST', '/v1/images', 400, {'name': 1}),
                ('GET', '/v1/jobs/%s' % ('0' * 32), 404, None),
                ('DELETE', '/v1/clouds/dev-a', 403, None),
                ('PUT', '/v1/clouds', 405, None)):
            reply = self.session.request(method, self.endpoint + path,
                                         json=body, headers=PROJECT,
                                         timeout=60)
            self.checked.append('%s %s -> %s (error)' % (
                method, path, reply.status_code))
            self.assertEqual(status, reply.status_code,
                             '%s %s: %s' % (method, path, reply.text))
            live = reply.json()
            self.assertEqual([], structure_differences(sample, live),
                             '%s %s: %s' % (method, path, live))
            self.assertEqual(reply.reason, live['error']['title'])

    def wait_job(self, job_id, states=('succeeded',)):
        def ended():
            job = self.session.get(self.endpoint + '/v1/jobs/' + job_id,
                                   headers=PROJECT, timeout=30).json()
            if job['state'] in ('failed', 'partial', 'cancelled'):
                self.assertIn(job['state'], states, job)
            return job if job['state'] in states else None
        return base.wait_for(ended, JOB_TIMEOUT, interval=0.2,
                             what='job %s' % job_id)

    def test_every_sample_matches_the_live_api(self):
        # Versions
        self.call('GET', '/', 200, response='versions-list-resp.json')
        self.call('GET', '/v1', 200, response='version-show-resp.json')
        self.check_errors()

        # Clouds
        self.call('POST', '/v1/clouds', 201, request='cloud-create-req.json',
                  response='cloud-create-resp.json', headers=ADMIN)
        self.call('GET', '/v1/clouds', 200, response='clouds-list-resp.json')
        self.call('GET', '/v1/clouds/region-two', 200,
                  response='cloud-show-resp.json')
        self.call('PATCH', '/v1/clouds/region-two', 200,
                  request='cloud-update-req.json',
                  response='cloud-update-resp.json', headers=ADMIN)
        self.call('POST', '/v1/clouds/dev-a/validate', 200,
                  response='cloud-validate-resp.json')

        # Images: create, upload, show, list, update
        image = self.call('POST', '/v1/images', 201,
                          request='image-create-req.json',
                          response='image-create-resp.json')
        image_path = '/v1/images/%s' % image['id']
        data = os.path.join(self.dir, 'image.raw')
        base.write_random_file(data, 4 * MiB)
        with open(data, 'rb') as upload:
            job = self.call('PUT', image_path + '/file', 202, data=upload,
                            headers=dict(
                                PROJECT,
                                **{'Content-Type':
                                   'application/octet-stream'}),
                            response='image-upload-resp.json')
        upload_job_id = job['id']
        self.wait_job(job['id'])
        self.call('GET', '/v1/images', 200, response='images-list-resp.json')
        self.call('GET', image_path, 200, response='image-show-resp.json')
        # At 1.1 and later a rename reaches the clouds too: a job.
        renamed = self.call('PATCH', image_path, 202,
                            request='image-update-req.json',
                            response='image-update-resp.json')
        self.wait_job(renamed['job_id'])

        # 1.1: metadata in every copy, deprecation
        updated = self.call('PATCH', image_path, 202,
                            request='image-update-metadata-req.json',
                            response='image-update-metadata-resp.json',
                            headers=LIFECYCLE)
        self.wait_job(updated['job_id'])
        job = self.call('POST', image_path + '/deprecate', 202,
                        request='image-deprecate-req.json',
                        response='image-deprecate-resp.json',
                        headers=LIFECYCLE)
        self.wait_job(job['id'])
        job = self.call('POST', image_path + '/undeprecate', 202,
                        response='image-undeprecate-resp.json',
                        headers=LIFECYCLE)
        self.wait_job(job['id'])

        # Sync to one more cloud, locations, refresh
        job = self.call('POST', image_path + '/sync', 202,
                        request='image-sync-req.json',
                        response='image-sync-resp.json')
        self.wait_job(job['id'])
        self.call('GET', image_path + '/locations', 200,
                  response='locations-list-resp.json')
        self.call('GET', image_path + '/locations?live=true', 200,
                  response='locations-list-live-resp.json')
        self.call('POST', image_path + '/refresh', 200,
                  response='image-refresh-resp.json')

        # Link a copy that already exists, then forget it
        golden = os.path.join(self.local_cloud_dir('dev-c'), 'golden.img')
        os.makedirs(os.path.dirname(golden), exist_ok=True)
        shutil.copyfile(data, golden)
        hand_to_project(golden)
        self.call('POST', image_path + '/locations', 201,
                  request='location-create-req.json',
                  response='location-create-resp.json')
        self.call('DELETE', image_path + '/locations/dev-c', 204)

        # Adopt an image of a cloud, browse that cloud
        debian = os.path.join(self.local_cloud_dir('dev-d'), 'debian-12.img')
        os.makedirs(os.path.dirname(debian), exist_ok=True)
        base.write_random_file(debian, 2 * MiB)
        hand_to_project(debian)
        adopted = self.call('POST', '/v1/images/adopt', 201,
                            request='image-adopt-req.json',
                            response='image-adopt-resp.json')
        job = self.wait_job(adopted['job']['id'])
        self.call('GET', '/v1/clouds/dev-d/images', 200,
                  response='cloud-images-list-resp.json')

        # Create an image from a URL (API 1.2): the sample's URL and
        # checksum become those of a local server's file.
        server = self.useFixture(local_http.HTTPServerFixture())
        with open(data, 'rb') as served:
            server.files['/cirros-0.6.3-x86_64-disk.img'] = served.read()

        def local_source(body):
            body['source'] = {
                'url': server.url('/cirros-0.6.3-x86_64-disk.img'),
                'checksum': 'sha256:' + hashlib.sha256(
                    server.files['/cirros-0.6.3-x86_64-disk.img']
                ).hexdigest()}
            body['disk_format'] = 'raw'
            return body

        from_url = self.call('POST', '/v1/images', 201,
                             request='image-create-url-req.json',
                             response='image-create-url-resp.json',
                             headers=dict(PROJECT, **V12), edit=local_source)
        self.wait_job(from_url['job']['id'])
        self.call('DELETE', '/v1/images/%s' % from_url['id'], 204)

        # Jobs
        self.call('GET', '/v1/jobs?image_id=%s' % adopted['id'], 200,
                  response='jobs-list-resp.json')
        self.call('GET', '/v1/jobs/%s' % job['id'], 200,
                  response='job-show-resp.json')
        # A job long enough to be cancelled while it runs: a sparse file.
        with open(os.path.join(self.local_cloud_dir('dev-d'),
                               'big.img'), 'wb') as big:
            big.truncate(512 * MiB)
        hand_to_project(big.name)
        slow = self.session.post(
            self.endpoint + '/v1/images/adopt', headers=PROJECT, timeout=60,
            json={'source': {'cloud': 'dev-d', 'remote_id': 'big'},
                  'targets': ['dev-c']}).json()
        self.call('POST', '/v1/jobs/%s/cancel' % slow['job']['id'], 202,
                  response='job-cancel-resp.json')
        self.wait_job(slow['job']['id'], states=('cancelled', 'succeeded'))
        # Only a job awaiting credentials resumes: this one has ended.
        # (test_wsgi_deployment checks 'job-resume-resp.json' against a
        # live resume of an upload job; the answer is the job, as show
        # returns it.)
        self.call('POST', '/v1/jobs/%s/resume' % upload_job_id, 409,
                  request='job-resume-req.json')
        self.assertEqual([], structure_differences(
            load_sample('job-resume-resp.json'), self.session.get(
                self.endpoint + '/v1/jobs/%s' % upload_job_id,
                headers=PROJECT, timeout=30).json()))

        # Deletes
        self.call('DELETE', image_path, 204)
        self.call('DELETE', '/v1/clouds/region-two', 204, headers=ADMIN)

        untested = ['%s %s (%s)' % call for call in documented_calls()
                    if not any(method == call[0] and re.match(call[1], path)
                               for method, path in self.made)]
        self.assertEqual([], untested, 'documented calls this test does '
                         'not make')


class ApiRefSamplesTest(ApiRefScenarioMixin, testtools.TestCase):
    """The scenario against ``ciming-all-in-one``."""

    def start_service(self):
        self.dir = tempfile.mkdtemp(prefix='ciming-api-ref-')
        if not base.KEEP:
            self.addCleanup(shutil.rmtree, self.dir, True)
        self.data_dir = os.path.join(self.dir, 'data')
        port = base.free_port()
        self.endpoint = 'http://127.0.0.1:%s' % port
        config_file = os.path.join(self.dir, 'ciming.conf')
        base.write_config(config_file, {
            'DEFAULT': {'debug': base.DEBUG},
            'all_in_one': {'data_dir': self.data_dir,
                           'local_clouds': ','.join(LOCAL_CLOUDS)},
            'api': {'port': port},
            'url_import': URL_IMPORT_CONFIG,
        })
        self.log = os.path.join(self.dir, 'all-in-one.log')
        self.service = base.Process(
            'all-in-one', [base.find_command('ciming-all-in-one'),
                           '--config-file', config_file], self.log)
        self.service.start()
        self.addCleanup(self.service.stop)
        self.addOnException(self._attach_log)
        self.addOnException(self._attach_checked)
        base.wait_for(self._up, base.START_TIMEOUT, interval=0.2,
                      what='ciming-all-in-one to answer')

    def _attach_log(self, exc_info):
        self.addDetail('all-in-one-log', content.text_content(
            base.tail(self.log)))

    def _up(self):
        if not self.service.alive():
            self.fail('ciming-all-in-one exited:\n%s' % base.tail(self.log))
        try:
            return self.session.get(self.endpoint + '/healthcheck',
                                    timeout=5).status_code == 200
        except requests.ConnectionError:
            return False

    def local_cloud_dir(self, cloud):
        return os.path.join(self.data_dir, 'local-clouds', cloud)


class ApiRefDeploymentTest(ApiRefScenarioMixin, testtools.TestCase):
    """The scenario against ``ciming-api`` and a separate conductor.

    The deployment of doc/source/install (:class:`base.Deployment`, on
    MariaDB and RabbitMQ) with the all-in-one's four shared local clouds
    registered through the API by an admin.
    """

    def start_service(self):
        try:
            self.deployment = base.get_deployment(
                'mysql', {'DEFAULT': {'debug': True},
                          'url_import': URL_IMPORT_CONFIG})
        except base.ServiceUnavailable as exc:
            if base.ALLOW_SKIP:
                self.skipTest(str(exc))
            raise AssertionError(str(exc))
        self.endpoint = self.deployment.endpoint
        self.dir = tempfile.mkdtemp(prefix='ciming-api-ref-')
        if not base.KEEP:
            self.addCleanup(shutil.rmtree, self.dir, True)
        self.addOnException(self._attach_checked)
        for name in LOCAL_CLOUDS:
            reply = self.session.post(
                self.endpoint + '/v1/clouds', headers=ADMIN, timeout=60,
                json={'name': name, 'type': 'local', 'shared': True,
                      'options': {'path': name}})
            self.assertEqual(201, reply.status_code, reply.text)
            self.addCleanup(self.session.delete,
                            self.endpoint + '/v1/clouds/' + name,
                            headers=ADMIN, timeout=60)
            os.makedirs(self.local_cloud_dir(name), exist_ok=True)

    def local_cloud_dir(self, cloud):
        return os.path.join(self.deployment.clouds_root, cloud)


class SamplesCoverageTest(testtools.TestCase):
    """Every call and sample of the API reference is used."""

    def test_every_call_of_the_api_is_documented(self):
        # The calls of ciming/api/controllers/v1 (see their docstrings).
        api = {
            'GET /', 'GET /v1',
            'POST /v1/clouds', 'GET /v1/clouds', 'GET /v1/clouds/{cloud}',
            'PATCH /v1/clouds/{cloud}', 'DELETE /v1/clouds/{cloud}',
            'POST /v1/clouds/{cloud}/validate',
            'GET /v1/clouds/{cloud}/images',
            'POST /v1/images', 'GET /v1/images', 'GET /v1/images/{image_id}',
            'PATCH /v1/images/{image_id}', 'DELETE /v1/images/{image_id}',
            'PUT /v1/images/{image_id}/file', 'POST /v1/images/adopt',
            'POST /v1/images/{image_id}/sync',
            'POST /v1/images/{image_id}/refresh',
            'POST /v1/images/{image_id}/deprecate',
            'POST /v1/images/{image_id}/undeprecate',
            'GET /v1/images/{image_id}/locations',
            'POST /v1/images/{image_id}/locations',
            'DELETE /v1/images/{image_id}/locations/{cloud}',
            'GET /v1/jobs', 'GET /v1/jobs/{job_id}',
            'POST /v1/jobs/{job_id}/cancel', 'POST /v1/jobs/{job_id}/resume',
        }
        documented = set()
        for inc in glob.glob(os.path.join(SOURCE, '*.inc')):
            with open(inc) as text:
                documented.update(re.findall(r'^\.\. rest_method:: (.+)$',
                                             text.read(), re.M))
        self.assertEqual(sorted(api), sorted(documented))

    def test_every_sample_is_shown_and_checked(self):
        with open(__file__) as source:
            test_source = source.read()
        shown = ''
        for inc in glob.glob(os.path.join(SOURCE, '*.inc')) + [
                os.path.join(SOURCE, 'index.rst')]:
            with open(inc) as text:
                shown += text.read()
        for sample in sorted(os.listdir(SAMPLES)):
            self.assertIn('samples/%s' % sample, shown, sample)
            self.assertIn("'%s'" % sample, test_source, sample)
            with open(os.path.join(SAMPLES, sample)) as text:
                json.load(text)


class StructureDifferencesTest(testtools.TestCase):
    """The comparison the samples are checked with."""

    def test_same_keys_at_every_level_match(self):
        self.assertEqual([], structure_differences(
            {'a': 1, 'b': [{'c': 'x'}]}, {'a': 2, 'b': [{'c': 'y'}]}))

    def test_scalar_types_are_compared(self):
        self.assertEqual(
            ['$.a: a int in the sample, a str live',
             '$.b: a bool in the sample, a int live',
             '$.c: a str in the sample, a bool live'],
            structure_differences({'a': 1, 'b': True, 'c': 'x'},
                                  {'a': '1', 'b': 1, 'c': False}))

    def test_null_only_where_documented(self):
        fields = documented_fields()
        # size may be null (parameters.yaml says so), name may not.
        self.assertEqual(
            ['$.name: null live, never null in the sample nor in '
             'parameters.yaml'],
            structure_differences({'name': 'x', 'size': 1},
                                  {'name': None, 'size': None},
                                  fields=fields))

    def test_null_in_the_sample_checks_the_documented_type(self):
        self.assertEqual(
            ['$.size: a str live, parameters.yaml says int'],
            structure_differences({'size': None}, {'size': '12'}))
        self.assertEqual([], structure_differences({'size': None},
                                                   {'size': 12}))

    def test_every_live_item_is_checked(self):
        self.assertEqual(
            ['$.l[2]: returned but not documented: z',
             '$.l[3].a: a int in the sample, a str live'],
            structure_differences(
                {'l': [{'a': 1}]},
                {'l': [{'a': 1}, {'a': 2}, {'a': 3, 'z': 0}, {'a': 'x'}]}))

    def test_error_sample_is_the_error_document(self):
        self.assertEqual({'code', 'title', 'message'},
                         set(load_sample('error-resp.json')['error']))

    def test_missing_and_extra_keys_are_reported(self):
        problems = structure_differences({'a': 1, 'b': {'c': 1}},
                                         {'a': 1, 'b': {'d': 1}})
        self.assertEqual(['$.b: documented but not returned: c',
                          '$.b: returned but not documented: d'], problems)

    def test_free_form_objects_are_not_compared(self):
        self.assertEqual([], structure_differences(
            {'options': {'path': 'x'}}, {'options': {'auth_url': 'y'}}))

    def test_documented_items_need_live_items(self):
        self.assertEqual(['$.l: the sample has items, the live list none'],
                         structure_differences({'l': [{'a': 1}]}, {'l': []}))
