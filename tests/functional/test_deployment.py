"""CIMinG as deployed: API and conductor processes, RabbitMQ, a real DB.

Every test runs twice, on MariaDB and on PostgreSQL (one subclass per
backend of each mixin). The deployments are started once per process by
:func:`tests.functional.base.get_deployment`; each test works in its own
project with its own local clouds.
"""

import json
import os
import uuid

from tests.functional import base

MiB = base.MiB

# Small chunks through short queues: a transfer is seen mid-way.
SLOW_TRANSFER = {'transfer': {'chunk_size': 65536, 'queue_depth': 1}}
# The cancel test holds back its upload's last MiB until the job, which
# copies the upload as it arrives, is cancelled.
CANCEL_SIZE = 32 * MiB

SIZE_CAP = 1 * MiB
SMALL_CAP = {'api': {'image_size_cap': SIZE_CAP}}


class DataPathMixin:
    """Upload, partial failure and retry, cancel: the conductor pipeline."""

    deployment_config = SLOW_TRANSFER

    def _upload_to_two_clouds(self, size):
        cloud_a, dir_a = self.make_cloud()
        cloud_b, dir_b = self.make_cloud()
        path, sha512, md5 = self.make_data_file(size)
        image = self.make_image([cloud_a['name'], cloud_b['id']])
        self.assertEqual('queued', image['status'])
        self.assertEqual({cloud_a['id'], cloud_b['id']},
                         {loc['cloud_id'] for loc in image['locations']})
        self.assertEqual({'pending'},
                         {loc['status'] for loc in image['locations']})
        return (cloud_a, dir_a, cloud_b, dir_b, path, sha512, md5, image)

    def test_upload_to_two_clouds(self):
        (cloud_a, dir_a, cloud_b, dir_b, path, sha512, md5,
         image) = self._upload_to_two_clouds(8 * MiB)
        image_id = image['id']

        resp = self.client.upload(image_id, path, headers={
            'Content-MD5': base.content_md5(md5)})
        job = resp.json()
        self.assertEqual(image_id, job['image_id'])
        self.assertIn(job['state'], ('pending', 'running', 'succeeded'))
        self.assertEqual({cloud_a['id'], cloud_b['id']},
                         {t['cloud_id'] for t in job['targets']})
        self.assertTrue(resp.headers['Location'].endswith(
            '/v1/jobs/%s' % job['id']), resp.headers)

        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)
        for target in job['targets']:
            self.assertEqual('active', target['state'], job)
            self.assertEqual(8 * MiB, target['bytes_done'], job)
            self.assertIsNone(target['error'], job)

        image = self.client.get('/v1/images/%s' % image_id)
        self.assertEqual('active', image['status'], image)
        self.assertEqual(8 * MiB, image['size'])
        self.assertEqual(md5, image['checksum'])
        self.assertEqual('sha512', image['os_hash_algo'])
        self.assertEqual(sha512, image['os_hash_value'])
        self.assertEqual(
            {(cloud_a['name'], 'active'), (cloud_b['name'], 'active')},
            {(loc['cloud_name'], loc['status'])
             for loc in image['locations']})

        for directory in (dir_a, dir_b):
            stored = os.path.join(directory, image_id + '.img')
            self.assertTrue(base.files_identical(path, stored), stored)
            self.assertEqual([image_id + '.img', image_id + '.json'],
                             self.cloud_files(directory, image_id))
            with open(os.path.join(directory, image_id + '.json')) as meta:
                self.assertEqual(sha512, json.load(meta)['os_hash_value'])
        self.assertEqual([], self.staged_files(image_id))

        resp = self.client.request('GET', '/v1/images/%s/file' % image_id)
        self.assertIn(resp.status_code, (404, 405))
        self.assertNotIn(b'\0', resp.content[:64])

        # The filters see where the image is.
        found = self.client.get('/v1/images?available_in=%s'
                                % cloud_a['name'])['images']
        self.assertEqual([image_id], [i['id'] for i in found])
        found = self.client.get('/v1/images?missing_in=%s'
                                % cloud_b['id'])['images']
        self.assertEqual([], found)

    def test_failed_target_then_sync(self):
        (cloud_a, dir_a, cloud_b, dir_b, path, sha512, md5,
         image) = self._upload_to_two_clouds(8 * MiB)
        image_id = image['id']
        self.break_cloud(dir_b)

        job = self.wait_job(self.client.upload(image_id, path).json()['id'])
        self.assertEqual('partial', job['state'], job)
        targets = {t['cloud_id']: t for t in job['targets']}
        self.assertEqual('active', targets[cloud_a['id']]['state'], job)
        self.assertIsNone(targets[cloud_a['id']]['error'], job)
        self.assertEqual('failed', targets[cloud_b['id']]['state'], job)
        error = targets[cloud_b['id']]['error']
        self.assertIsInstance(error, str, job)
        self.assertTrue(error.strip(), job)
        self.assertNotIn('Traceback', json.dumps(job))

        image = self.client.get('/v1/images/%s' % image_id)
        self.assertEqual('partial', image['status'], image)
        locations = {loc['cloud_id']: loc for loc in image['locations']}
        self.assertEqual('active', locations[cloud_a['id']]['status'])
        self.assertNotEqual('active', locations[cloud_b['id']]['status'])
        self.assertTrue(locations[cloud_b['id']]['error'], image)
        self.assertTrue(base.files_identical(
            path, os.path.join(dir_a, image_id + '.img')))
        # Kept for a retry without a new upload.
        self.assertEqual([image_id], self.staged_files(image_id))
        found = self.client.get('/v1/images?missing_in=%s'
                                % cloud_b['name'])['images']
        self.assertEqual([image_id], [i['id'] for i in found])

        self.fix_cloud(dir_b)
        resp = self.client.request('POST', '/v1/images/%s/sync' % image_id,
                                   202, json_body={})
        job = resp.json()
        self.assertEqual('sync', job['action'], job)
        # Only what is missing is copied again.
        self.assertEqual([cloud_b['id']],
                         [t['cloud_id'] for t in job['targets']])
        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)

        image = self.client.get('/v1/images/%s' % image_id)
        self.assertEqual('active', image['status'], image)
        self.assertEqual({'active'},
                         {loc['status'] for loc in image['locations']})
        self.assertEqual(sha512, image['os_hash_value'])
        for directory in (dir_a, dir_b):
            self.assertTrue(base.files_identical(
                path, os.path.join(directory, image_id + '.img')))
        self.assertEqual([], self.staged_files(image_id))

    def test_cancel_mid_transfer(self):
        (cloud_a, dir_a, cloud_b, dir_b, path, sha512, md5,
         image) = self._upload_to_two_clouds(CANCEL_SIZE)
        image_id = image['id']
        seen = {}

        def transferring():
            jobs = self.client.get('/v1/jobs?image_id=%s' % image_id)['jobs']
            if not jobs:
                return False
            seen['job'] = job_now = jobs[0]
            if job_now['state'] not in ('pending', 'running'):
                self.fail('the job ended before its upload: %s' % job_now)
            return (job_now['state'] == 'running'
                    and any(t['bytes_done'] for t in job_now['targets']))

        def cancel_mid_transfer():
            base.wait_for(transferring, 60, interval=0.05,
                          what='the job of image %s to transfer data'
                          % image_id)
            self.assertLess(
                max(t['bytes_done'] for t in seen['job']['targets']),
                CANCEL_SIZE, seen['job'])
            cancelled = self.client.request(
                'POST', '/v1/jobs/%s/cancel' % seen['job']['id'],
                202).json()
            self.assertIn(cancelled['state'], ('cancelling', 'cancelled'),
                          cancelled)
            seen['ended'] = self.wait_job(seen['job']['id'], timeout=60)

        def body():
            # The job cannot end before the last MiB is sent.
            with open(path, 'rb') as data:
                yield data.read(CANCEL_SIZE - MiB)
                cancel_mid_transfer()
                yield data.read()

        job = self.client.request('PUT', '/v1/images/%s/file' % image_id,
                                  202, data=body(), timeout=300, headers={
                                      'Content-Type':
                                      'application/octet-stream'}).json()
        self.assertEqual(seen['job']['id'], job['id'])
        self.assertEqual('cancelled', seen['ended']['state'], seen['ended'])
        job = self.wait_job(job['id'], timeout=60)
        self.assertEqual('cancelled', job['state'], job)
        for target in job['targets']:
            self.assertNotEqual('active', target['state'], job)
        for directory in (dir_a, dir_b):
            self.assertEqual([], self.cloud_files(directory, image_id),
                             directory)

        image = self.client.get('/v1/images/%s' % image_id)
        for loc in image['locations']:
            self.assertNotEqual('active', loc['status'], image)
        self.assertNotEqual('active', image['status'], image)
        # A second cancel of a finished job changes nothing.
        resp = self.client.request('POST', '/v1/jobs/%s/cancel' % job['id'])
        self.assertIn(resp.status_code, (202, 409), resp.text)
        self.assertEqual('cancelled',
                         self.client.get('/v1/jobs/%s' % job['id'])['state'])


def describe_changes(before, after):
    """The differences between two snapshots, field by field."""
    changes = []
    for kind in sorted(set(before) | set(after)):
        old = {r['id']: r for r in before.get(kind, [])}
        new = {r['id']: r for r in after.get(kind, [])}
        for rid in sorted(set(old) - set(new)):
            changes.append('%s %s removed' % (kind, rid))
        for rid in sorted(set(new) - set(old)):
            changes.append('%s %s created: %s' % (kind, rid, new[rid]))
        for rid in sorted(set(old) & set(new)):
            for key in sorted(set(old[rid]) | set(new[rid])):
                if old[rid].get(key) != new[rid].get(key):
                    changes.append('%s %s %s: %r -> %r' % (
                        kind, rid, key, old[rid].get(key),
                        new[rid].get(key)))
    return '; '.join(changes)


class BadInputMixin:
    """Refused requests, each a 4xx JSON error that changes nothing."""

    deployment_config = SMALL_CAP

    # An upload refused while streaming (size cap passed, checksum wrong)
    # moved the image to uploading and back to queued: every field is as
    # before but its updated_at, which tests of such refusals ignore.
    ignore_image_updated_at = False

    def snapshot(self, client=None):
        client = client or self.client
        images = client.get('/v1/images')['images']
        if self.ignore_image_updated_at:
            for image in images:
                image.pop('updated_at')
        return {
            'clouds': client.get('/v1/clouds')['clouds'],
            'images': images,
            'jobs': client.get('/v1/jobs')['jobs'],
        }

    def assertRefused(self, status, method, path, before, client=None,
                      code=None, **kwargs):
        client = client or self.client
        resp = client.request(method, path, **kwargs)
        error = base.check_error(self, resp, status)
        if code is not None:
            self.assertEqual(code, error['code'], error)
        after = self.snapshot(client)
        if after != before:
            self.fail('%s %s (%s) changed something: %s'
                      % (method, path, status, describe_changes(before,
                                                                after)))
        return error

    def _queued_image(self):
        cloud, directory = self.make_cloud()
        image = self.make_image([cloud['name']])
        return cloud, directory, image

    def test_bad_bodies(self):
        cloud, _dir = self.make_cloud()
        before = self.snapshot()

        for body in (b'{"name": ', b'not json', b'[1, 2', b'\xff\xfe'):
            self.assertRefused(400, 'POST', '/v1/clouds', before,
                               data=body, headers={
                                   'Content-Type': 'application/json'})
            self.assertRefused(400, 'POST', '/v1/images', before,
                               data=body, headers={
                                   'Content-Type': 'application/json'})
        image_body = {'name': 'x', 'disk_format': 'raw',
                      'targets': [cloud['name']]}
        for bad in ({'bogus': 1}, {'name': 12}, {'targets': 'x'},
                    {'targets': []}, {'disk_format': 'floppy'},
                    {'container_format': 3}):
            self.assertRefused(400, 'POST', '/v1/images', before,
                               json_body=dict(image_body, **bad))
        self.assertRefused(400, 'POST', '/v1/images', before,
                           json_body={'name': 'no targets'})
        cloud_body = {'name': base.unique_name('c-'), 'type': 'local',
                      'options': {'path': base.unique_name('p-')}}
        for bad in ({'bogus': True}, {'name': ['x']}, {'options': 'x'},
                    {'type': 'no-such-driver'}, {'name': ''},
                    {'options': {'path': 'x', 'bogus': 1}}):
            self.assertRefused(400, 'POST', '/v1/clouds', before,
                               json_body=dict(cloud_body, **bad))
        # An array is not an object.
        self.assertRefused(400, 'POST', '/v1/clouds', before,
                           json_body=[cloud_body])

    def test_unknown_cloud(self):
        cloud, _dir = self.make_cloud()
        other = base.Client(self.deployment.endpoint)
        theirs, _their_dir = self.make_cloud(client=other)
        before = self.snapshot()
        for targets in (['no-such-cloud'], [cloud['name'], 'no-such-cloud'],
                        [str(uuid.uuid4())], [theirs['name']],
                        [theirs['id']]):
            self.assertRefused(400, 'POST', '/v1/images', before,
                               json_body={'name': 'x', 'targets': targets})
        self.assertRefused(404, 'GET', '/v1/clouds/%s' % theirs['id'],
                           before)

    def test_duplicate_cloud_name(self):
        cloud, _dir = self.make_cloud()
        before = self.snapshot()
        self.assertRefused(409, 'POST', '/v1/clouds', before, json_body={
            'name': cloud['name'], 'type': 'local',
            'options': {'path': base.unique_name('p-')}})
        # Names are unique per project only.
        other = base.Client(self.deployment.endpoint)
        self.make_cloud(name=cloud['name'], client=other)
        self.assertEqual(before, self.snapshot())

    def test_local_path_outside_root(self):
        before = self.snapshot()
        root = self.deployment.clouds_root
        for path in ('../escape', '/etc', 'a/../../b', '.', '',
                     os.path.dirname(root)):
            self.assertRefused(400, 'POST', '/v1/clouds', before, json_body={
                'name': base.unique_name('c-'), 'type': 'local',
                'options': {'path': path}})
        # A symlink inside the project's directory that points outside.
        mine = os.path.join(root, 'projects', self.project_id)
        os.makedirs(mine, exist_ok=True)
        link = os.path.join(mine, base.unique_name('link-'))
        os.symlink('/tmp', link)
        self.addCleanup(os.unlink, link)
        self.assertRefused(400, 'POST', '/v1/clouds', before, json_body={
            'name': base.unique_name('c-'), 'type': 'local',
            'options': {'path': os.path.basename(link)}})
        self.assertFalse(os.path.exists(os.path.join(
            os.path.dirname(root), 'escape')))

    def test_other_projects_image(self):
        cloud, directory, image = self._queued_image()
        other = base.Client(self.deployment.endpoint)
        other_before = self.snapshot(other)
        mine_before = self.snapshot()
        path = '/v1/images/%s' % image['id']
        for method, sub, kwargs in (
                ('GET', '', {}),
                ('DELETE', '', {}),
                ('PATCH', '', {'json_body': {'name': 'mine now'}}),
                ('PUT', '/file', {'data': b'x' * 1024, 'headers': {
                    'Content-Type': 'application/octet-stream'}}),
                ('POST', '/sync', {'json_body': {}}),
                ('GET', '/locations', {})):
            self.assertRefused(404, method, path + sub, other_before,
                               client=other, **kwargs)
        self.assertEqual(mine_before, self.snapshot())
        self.assertEqual('queued', self.client.get(path)['status'])
        self.assertEqual([], self.staged_files(image['id']))
        # Not in the other project's lists either.
        self.assertEqual([], other.get('/v1/images?name=%s'
                                       % image['name'])['images'])

    def test_upload_to_image_not_queued(self):
        cloud, directory, image = self._queued_image()
        data = os.urandom(64 * 1024)
        job = self.wait_job(self.client.upload(image['id'], data)
                            .json()['id'])
        self.assertEqual('succeeded', job['state'], job)
        before = self.snapshot()
        image_before = self.client.get('/v1/images/%s' % image['id'])
        self.assertEqual('active', image_before['status'])
        self.assertRefused(409, 'PUT', '/v1/images/%s/file' % image['id'],
                           before, data=os.urandom(1024), headers={
                               'Content-Type': 'application/octet-stream'})
        self.assertEqual(image_before,
                         self.client.get('/v1/images/%s' % image['id']))
        with open(os.path.join(directory, image['id'] + '.img'), 'rb') as f:
            self.assertEqual(data, f.read())
        self.assertEqual([], self.staged_files(image['id']))

    def _assert_still_queued(self, image, before):
        after = self.snapshot()
        if after != before:
            self.fail('changed: %s' % describe_changes(before, after))
        now = self.client.get('/v1/images/%s' % image['id'])
        self.assertEqual('queued', now['status'], now)
        self.assertIsNone(now['size'], now)
        self.assertIsNone(now['os_hash_value'], now)
        self.assertEqual([], self.staged_files(image['id']))

    def test_upload_over_size_cap(self):
        self.ignore_image_updated_at = True
        cloud, directory, image = self._queued_image()
        before = self.snapshot()
        path = '/v1/images/%s/file' % image['id']
        # Announced by Content-Length: refused before reading the body.
        self.assertRefused(413, 'PUT', path, before,
                           data=os.urandom(SIZE_CAP + 1), headers={
                               'Content-Type': 'application/octet-stream'})
        self._assert_still_queued(image, before)

        # Chunked: refused once the cap is passed while streaming.
        def chunks():
            for _ in range(2 * SIZE_CAP // 65536):
                yield os.urandom(65536)

        self.assertRefused(413, 'PUT', path, before, data=chunks(),
                           headers={
                               'Content-Type': 'application/octet-stream'})
        self._assert_still_queued(image, before)

        # Exactly the cap is fine.
        job = self.wait_job(self.client.upload(
            image['id'], os.urandom(SIZE_CAP)).json()['id'])
        self.assertEqual('succeeded', job['state'], job)

    def test_upload_checksum_mismatch(self):
        self.ignore_image_updated_at = True
        cloud, directory, image = self._queued_image()
        before = self.snapshot()
        data = os.urandom(256 * 1024)
        wrong = base.content_md5(base.hashlib.md5(b'other').hexdigest())
        path = '/v1/images/%s/file' % image['id']
        self.assertRefused(400, 'PUT', path, before, data=data, headers={
            'Content-Type': 'application/octet-stream',
            'Content-MD5': wrong})
        self._assert_still_queued(image, before)
        # Not a digest at all.
        self.assertRefused(400, 'PUT', path, before, data=data, headers={
            'Content-Type': 'application/octet-stream',
            'Content-MD5': 'not-an-md5'})
        self._assert_still_queued(image, before)
        # The documented sha512 header, wrong.
        self.assertRefused(400, 'PUT', path, before, data=data, headers={
            'Content-Type': 'application/octet-stream',
            'X-Image-Os-Hash-Value': base.hashlib.sha512(
                b'other').hexdigest()})
        self._assert_still_queued(image, before)
        self.assertEqual([], self.cloud_files(directory, image['id']))

        # The image still takes the right data with the right checksums.
        md5 = base.hashlib.md5(data).hexdigest()
        job = self.wait_job(self.client.upload(image['id'], data, headers={
            'Content-MD5': base.content_md5(md5),
            'X-Image-Os-Hash-Value': base.hashlib.sha512(data).hexdigest(),
        }).json()['id'])
        self.assertEqual('succeeded', job['state'], job)
        self.assertEqual(md5, self.client.get('/v1/images/%s'
                                              % image['id'])['checksum'])

    def test_errors_are_json_everywhere(self):
        before = self.snapshot()
        for method, path, status in (
                ('GET', '/v1/images/%s' % uuid.uuid4(), 404),
                ('GET', '/v1/images/not-a-uuid', 404),
                ('GET', '/v1/jobs/%s' % uuid.uuid4(), 404),
                ('POST', '/v1/jobs/%s/cancel' % uuid.uuid4(), 404),
                ('GET', '/v1/clouds/%s' % uuid.uuid4(), 404),
                ('GET', '/v1/no-such-thing', 404),
                ('GET', '/v1/images?limit=-1', 400),
                ('GET', '/v1/images?available_in=no-such-cloud', 400),
                ('DELETE', '/v1/clouds/%s' % uuid.uuid4(), 404)):
            resp = self.client.request(method, path)
            self.assertEqual(status, resp.status_code, path)
            base.check_error(self, resp, status)
        self.assertEqual(before, self.snapshot())
        # A reader cannot write.
        reader = base.Client(self.deployment.endpoint,
                             project_id=self.project_id, roles='reader')
        self.assertRefused(403, 'POST', '/v1/clouds', before, client=reader,
                           json_body={'name': 'r', 'type': 'local',
                                      'options': {'path': 'r'}})


class MariaDBDataPathTest(DataPathMixin, base.FunctionalTestCase):
    backend = 'mysql'


class PostgreSQLDataPathTest(DataPathMixin, base.FunctionalTestCase):
    backend = 'postgresql'


class MariaDBBadInputTest(BadInputMixin, base.FunctionalTestCase):
    backend = 'mysql'


class PostgreSQLBadInputTest(BadInputMixin, base.FunctionalTestCase):
    backend = 'postgresql'
