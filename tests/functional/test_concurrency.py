"""Many uploads at once (issue 10): the database holds, every job succeeds.

Each test uploads N distinct 32 MiB images at the same time (threads,
each streaming a variant of one random file written once) to two local
clouds, then checks that every upload was accepted (202), every job
succeeded, and every copy is byte-identical to what was sent. N is 30
for the all-in-one (sqlite, in-process messaging) and 50 for a split
deployment (``ciming-api`` and ``ciming-conductor`` on MariaDB or
PostgreSQL). The time taken and the retries the services logged are
attached as details (``figures``).
"""

import json
import os
import shutil
import tempfile
import time

import testtools
from testtools import content

from tests.functional import base

MiB = base.MiB
SIZE = 32 * MiB
RETRY_LOG = 'Database contention'


def check_all_done(test, client, uploads, clouds_of):
    """Every upload 202, every job succeeded, every copy identical."""
    refused = {i: r[:2] for i, r in uploads.items() if r[0] != 202}
    test.assertEqual({}, refused)
    jobs = {i: json.loads(r[1])['id'] for i, r in uploads.items()}
    states = {}
    deadline = time.monotonic() + 900
    pending = dict(jobs)
    while pending and time.monotonic() < deadline:
        for image_id, job_id in list(pending.items()):
            job = client.get('/v1/jobs/%s' % job_id)
            if job['state'] in ('succeeded', 'partial', 'failed',
                                'cancelled'):
                states[image_id] = (job['state'], job.get('error'))
                del pending[image_id]
        time.sleep(1)
    test.assertEqual({}, pending, 'jobs still running')
    test.assertEqual({i: ('succeeded', None) for i in jobs}, states)
    return jobs


class AllInOneConcurrencyTest(testtools.TestCase):
    """30 uploads at once into the embedded default."""

    uploads = 30

    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp(prefix='ciming-aio-load-')
        if not base.KEEP:
            self.addCleanup(shutil.rmtree, self.dir, True)
        # Enough server threads that every upload streams at once.
        self.service = base.AllInOne(self.dir, {
            'api': {'workers': self.uploads + 2}})
        self.addCleanup(self.service.stop)
        self.addOnException(lambda exc_info: self.addDetail(
            'all-in-one-log', content.text_content(
                base.tail(self.service.log_path))))
        self.service.start()

    def test_concurrent_uploads_all_succeed(self):
        data = os.path.join(self.dir, 'base.raw')
        base.write_random_file(data, SIZE)
        client = base.Client(self.service.endpoint)
        image_ids = [client.post('/v1/images', {
            'name': 'load-%d' % n, 'targets': ['dev-a', 'dev-b']})['id']
            for n in range(self.uploads)]

        began = time.monotonic()
        uploads = base.upload_many(client, image_ids, data)
        uploaded = time.monotonic() - began
        check_all_done(self, client, uploads, None)
        finished = time.monotonic() - began

        for n, image_id in enumerate(image_ids):
            variant = base.VariantData(data, n)
            for cloud in ('dev-a', 'dev-b'):
                path = self.service.cloud_file(cloud, image_id)
                self.assertTrue(variant.identical_to(path), path)
        self.assertEqual([], os.listdir(self.service.staging_dir))
        figures = ('%d uploads of %d MiB to 2 local clouds: all uploads '
                   'answered in %.1fs (slowest %.1fs), all jobs done in '
                   '%.1fs; retries logged: %d' % (
                       self.uploads, SIZE // MiB, uploaded,
                       max(r[2] for r in uploads.values()), finished,
                       self.service.count_in_log(RETRY_LOG)))
        self.addDetail('figures', content.text_content(figures))


class SplitConcurrencyMixin:
    """50 uploads at once into ``ciming-api`` and ``ciming-conductor``."""

    uploads = 50
    deployment_config = {
        'api': {'workers': 52},
        'conductor': {'workers': 8, 'progress_interval': 1.0},
    }

    def test_concurrent_uploads_all_succeed(self):
        directory = self.make_temp_dir()
        data = os.path.join(directory, 'base.raw')
        base.write_random_file(data, SIZE)
        clouds = [self.make_cloud() for _ in range(2)]
        image_ids = [self.make_image([c['id'] for c, _ in clouds])['id']
                     for _ in range(self.uploads)]
        logs = self.deployment.logs()
        retries_before = sum(self.deployment._count(RETRY_LOG, path)
                             for path in logs.values())

        began = time.monotonic()
        uploads = base.upload_many(self.client, image_ids, data)
        uploaded = time.monotonic() - began
        check_all_done(self, self.client, uploads, None)
        finished = time.monotonic() - began

        for n, image_id in enumerate(image_ids):
            variant = base.VariantData(data, n)
            for _cloud, path in clouds:
                copy = os.path.join(path, image_id + '.img')
                self.assertTrue(variant.identical_to(copy), copy)
            self.assertEqual([], self.staged_files(image_id))
        retries = sum(self.deployment._count(RETRY_LOG, path)
                      for path in logs.values()) - retries_before
        self.addDetail('figures', content.text_content(
            '%s: %d uploads of %d MiB to 2 local clouds: all uploads '
            'answered in %.1fs (slowest %.1fs), all jobs done in %.1fs; '
            'retries logged: %d' % (
                self.deployment.backend.label, self.uploads, SIZE // MiB,
                uploaded, max(r[2] for r in uploads.values()), finished,
                retries)))


class MariaDBConcurrencyTest(SplitConcurrencyMixin,
                             base.FunctionalTestCase):
    backend = 'mysql'


class PostgreSQLConcurrencyTest(SplitConcurrencyMixin,
                                base.FunctionalTestCase):
    backend = 'postgresql'
