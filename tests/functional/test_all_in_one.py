"""The README promise: ``ciming-all-in-one``, then nothing but ``curl``.

The service runs as a subprocess with its own data directory and port
(sqlite, ``fake://`` messaging, noauth, shared local clouds ``dev-a`` and
``dev-b``); every API call below is a ``curl`` command line, as a user
following the quick start would type it.
"""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import testtools
from testtools import content

from tests.functional import base

MiB = base.MiB
UPLOAD_SIZE = 64 * MiB
ACTIVE_TIMEOUT = 120
STOP_TIMEOUT = 30


class AllInOneCurlTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        if shutil.which('curl') is None:
            self.fail('curl is not installed; the quick start needs it')
        self.dir = tempfile.mkdtemp(prefix='ciming-aio-')
        if not base.KEEP:
            self.addCleanup(shutil.rmtree, self.dir, True)
        self.data_dir = os.path.join(self.dir, 'data')
        self.port = base.free_port()
        self.endpoint = 'http://127.0.0.1:%s' % self.port
        self.config_file = os.path.join(self.dir, 'ciming.conf')
        base.write_config(self.config_file, {
            'DEFAULT': {'debug': base.DEBUG},
            'all_in_one': {'data_dir': self.data_dir},
            'api': {'port': self.port},
        })
        self.log = os.path.join(self.dir, 'all-in-one.log')
        self.service = base.Process(
            'all-in-one', [base.find_command('ciming-all-in-one'),
                           '--config-file', self.config_file],
            self.log)
        self.service.start()
        self.addCleanup(self.service.stop)
        self.addOnException(self._attach_log)
        self.curl_log = []

    def _attach_log(self, exc_info):
        self.addDetail('all-in-one-log', content.text_content(
            base.tail(self.log)))
        self.addDetail('curl', content.text_content(
            '\n'.join(self.curl_log[-40:])))

    def curl(self, *args, timeout=60):
        """Run curl; return (HTTP status, body text)."""
        argv = ['curl', '--silent', '--show-error', '--max-time',
                str(timeout), '--write-out', '\n%{http_code}'] + list(args)
        result = subprocess.run(argv, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, timeout=timeout + 10)
        out = result.stdout.decode('utf-8', 'replace')
        body, _sep, status = out.rpartition('\n')
        self.curl_log.append('$ %s\n-> rc=%s status=%s %s %s' % (
            ' '.join(argv), result.returncode, status, body[:500],
            result.stderr.decode('utf-8', 'replace')[:500]))
        if result.returncode:
            return None, body
        return int(status), body

    def curl_json(self, expect, *args, **kwargs):
        status, body = self.curl(*args, **kwargs)
        self.assertEqual(expect, status, body)
        return json.loads(body) if body else None

    def wait_until_up(self):
        def up():
            if not self.service.alive():
                self.fail('ciming-all-in-one exited with %s:\n%s'
                          % (self.service.proc.returncode,
                             base.tail(self.log)))
            return self.curl(self.endpoint + '/healthcheck',
                             timeout=5)[0] == 200

        base.wait_for(up, base.START_TIMEOUT, interval=0.2,
                      what='ciming-all-in-one to answer')

    def test_quick_start_with_curl(self):
        self.wait_until_up()
        data = os.path.join(self.dir, 'image.raw')
        sha512, md5 = base.write_random_file(data, UPLOAD_SIZE)

        clouds = self.curl_json(200, self.endpoint + '/v1/clouds')
        self.assertTrue({'dev-a', 'dev-b'} <= {
            c['name'] for c in clouds['clouds'] if c['shared']}, clouds)

        image = self.curl_json(
            201, '-X', 'POST', '-H', 'Content-Type: application/json',
            '-d', json.dumps({'name': 'quick-start', 'disk_format': 'raw',
                              'container_format': 'bare',
                              'targets': ['dev-a', 'dev-b']}),
            self.endpoint + '/v1/images')
        image_id = image['id']
        self.assertEqual('queued', image['status'])

        job = self.curl_json(
            202, '-T', data, '-H', 'Content-Type: application/octet-stream',
            self.endpoint + '/v1/images/%s/file' % image_id, timeout=300)
        self.assertEqual(image_id, job['image_id'])

        def active():
            image = self.curl_json(200, self.endpoint + '/v1/images/%s'
                                   % image_id)
            self.assertNotIn(image['status'], ('error', 'partial'), image)
            return image if image['status'] == 'active' else None

        image = base.wait_for(active, ACTIVE_TIMEOUT, interval=0.5,
                              what='image %s to be active' % image_id)
        self.assertEqual(
            [('dev-a', 'active'), ('dev-b', 'active')],
            sorted((loc['cloud_name'], loc['status'])
                   for loc in image['locations']))
        self.assertEqual(UPLOAD_SIZE, image['size'])
        self.assertEqual('sha512', image['os_hash_algo'])
        self.assertEqual(sha512, image['os_hash_value'])
        self.assertEqual(md5, image['checksum'])

        for cloud in ('dev-a', 'dev-b'):
            stored = os.path.join(self.data_dir, 'local-clouds', cloud,
                                  image_id + '.img')
            self.assertTrue(base.files_identical(data, stored), stored)
        self.assertEqual([], os.listdir(os.path.join(self.data_dir,
                                                     'staging')))

        status, body = self.curl(self.endpoint + '/v1/images/%s/file'
                                 % image_id)
        self.assertIn(status, (404, 405), body)

        job = self.curl_json(200, self.endpoint + '/v1/jobs/%s' % job['id'])
        self.assertEqual('succeeded', job['state'], job)

        # SIGTERM: a clean exit, in time.
        start = time.monotonic()
        self.service.proc.send_signal(signal.SIGTERM)
        try:
            code = self.service.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.fail('ciming-all-in-one still runs %ss after SIGTERM'
                      % STOP_TIMEOUT)
        self.assertEqual(0, code, base.tail(self.log))
        self.addDetail('stop-seconds', content.text_content(
            '%.2f' % (time.monotonic() - start)))
