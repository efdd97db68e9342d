"""An upload whose process died (issue 10) does not leave its image stuck.

The client streams part of the body, then holds the rest back; once the
staging area's partial file has grown, the process serving the upload is
SIGKILLed. Then:

* all-in-one: started again, it returns the image to ``queued`` and
  removes the partial file; a new upload succeeds;
* split deployment: with the API still dead, the conductor's sweep does
  the same once the upload's lease ended (a short lease here); the API
  started again accepts a new upload. A slow upload that outlives the
  lease, in a live API, is not mistaken for a dead one.
"""

import json
import os
import shutil
import socket
import tempfile
import threading

import requests
import sqlalchemy as sa
import testtools
from testtools import content

from tests.functional import base

MiB = base.MiB
SIZE = 32 * MiB
HELD_AFTER = 8 * MiB
RESET_TIMEOUT = 60
LEASE = 4


class HeldBody:
    """A body that sends ``held_after`` bytes, then waits for a gate."""

    def __init__(self, path, held_after, gate):
        self.data = open(path, 'rb')
        self.size = os.path.getsize(path)
        self.held_after = held_after
        self.gate = gate
        self.sent = 0

    def __len__(self):
        return self.size

    def read(self, size=-1):
        if self.sent >= self.held_after:
            self.gate.wait(300)
        chunk = self.data.read(min(size if size > 0 else MiB, MiB))
        self.sent += len(chunk)
        return chunk

    def close(self):
        self.data.close()


class TrickleBody(HeldBody):
    """After ``held_after`` bytes, 64 KiB every half second until the gate.

    A slow client, not a stalled one: the server drops a connection
    that sends nothing for its socket timeout.
    """

    def read(self, size=-1):
        if self.sent >= self.held_after and not self.gate.wait(0.5):
            size = 64 * 1024
        chunk = self.data.read(min(size if size > 0 else MiB, MiB))
        self.sent += len(chunk)
        return chunk


def start_held_upload(client, image_id, path, held_after, gate,
                      body_class=HeldBody):
    """PUT in a thread; returns (thread, result dict)."""
    result = {}
    body = body_class(path, held_after, gate)

    def put():
        try:
            resp = requests.put(
                '%s/v1/images/%s/file' % (client.endpoint, image_id),
                data=body, timeout=600, headers=client.headers(
                    {'Content-Type': 'application/octet-stream'}))
            result['status'] = resp.status_code
            result['body'] = resp.text
        except requests.RequestException as exc:
            result['error'] = repr(exc)
        finally:
            body.close()

    thread = threading.Thread(target=put)
    thread.start()
    return thread, result


def partial_size(staging_dir, image_id):
    try:
        return os.path.getsize(os.path.join(staging_dir, image_id + '.part'))
    except FileNotFoundError:
        return None


def wait_partial(staging_dir, image_id, at_least):
    """Until the upload's partial file holds ``at_least`` bytes."""
    return base.wait_for(
        lambda: (partial_size(staging_dir, image_id) or 0) >= at_least,
        120, interval=0.1,
        what='the partial file of %s to reach %d bytes'
             % (image_id, at_least))


class AllInOneUploadCrashTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp(prefix='ciming-aio-crash-')
        if not base.KEEP:
            self.addCleanup(shutil.rmtree, self.dir, True)
        self.service = base.AllInOne(self.dir)
        self.addCleanup(self.service.stop)
        self.addOnException(lambda exc_info: self.addDetail(
            'all-in-one-log', content.text_content(
                base.tail(self.service.log_path))))
        self.service.start()

    def test_sigkill_mid_upload_then_restart_queues_the_image(self):
        data = os.path.join(self.dir, 'image.raw')
        base.write_random_file(data, SIZE)
        client = base.Client(self.service.endpoint)
        image = client.post('/v1/images', {'name': 'crash',
                                           'targets': ['dev-a', 'dev-b']})
        gate = threading.Event()
        self.addCleanup(gate.set)
        thread, result = start_held_upload(client, image['id'], data,
                                           HELD_AFTER, gate)

        # The upload is under way: bytes reached the partial file.
        wait_partial(self.service.staging_dir, image['id'], HELD_AFTER // 2)
        self.assertEqual('uploading',
                         client.get('/v1/images/%s' % image['id'])['status'])
        self.service.kill()
        gate.set()
        thread.join(60)
        self.assertNotIn('status', result, result)
        # The crash left the partial file behind.
        self.assertIsNotNone(partial_size(self.service.staging_dir,
                                          image['id']))

        self.service.start()

        def queued():
            return client.get('/v1/images/%s' % image['id'])['status'] \
                == 'queued'

        base.wait_for(queued, RESET_TIMEOUT, interval=0.5,
                      what='image %s to be queued again' % image['id'])
        self.assertIsNone(partial_size(self.service.staging_dir,
                                       image['id']))
        self.assertEqual([], os.listdir(self.service.staging_dir))

        job = client.upload(image['id'], data).json()
        done = base.wait_for(
            lambda: (lambda j: j if j['state'] in (
                'succeeded', 'partial', 'failed') else None)(
                client.get('/v1/jobs/%s' % job['id'])),
            300, interval=0.5, what='the new upload job to end')
        self.assertEqual('succeeded', done['state'], done)
        for cloud in ('dev-a', 'dev-b'):
            self.assertTrue(base.files_identical(
                data, self.service.cloud_file(cloud, image['id'])))

    def test_stalled_client_gets_a_json_error_and_no_traceback(self):
        """A client that stops sending mid-body (cheroot's 10 s timeout).

        The answer is a 400 in JSON on a closed connection, not a drain
        of the socket that timed out (a traceback in the log); the image
        is ready for another upload.
        """
        client = base.Client(self.service.endpoint)
        image = client.post('/v1/images', {'name': 'stalled',
                                           'targets': ['dev-a']})
        headers = client.headers({
            'Host': 'ciming', 'Content-Type': 'application/octet-stream',
            'Content-Length': str(8 * MiB)})
        head = 'PUT /v1/images/%s/file HTTP/1.1\r\n%s\r\n\r\n' % (
            image['id'],
            '\r\n'.join('%s: %s' % item for item in headers.items()))
        host, port = self.service.endpoint.split('//')[1].split(':')
        with socket.create_connection((host, int(port))) as sock:
            sock.sendall(head.encode('ascii') + b'x' * MiB)
            sock.settimeout(60)
            answer = b''
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        head, _sep, body = answer.partition(b'\r\n\r\n')
        self.assertTrue(head.startswith(b'HTTP/1.1 400 '), answer)
        self.assertIn(b'Connection: close', head)
        self.assertEqual('unreadable_body',
                         json.loads(body)['error']['code'])
        self.assertEqual('queued',
                         client.get('/v1/images/%s' % image['id'])['status'])
        with open(self.service.log_path) as log:
            self.assertNotIn('Traceback', log.read())
        self.assertEqual([], os.listdir(self.service.staging_dir))


class LeaseMixin:
    """A split deployment with a short upload lease."""

    # A deployment of its own (its API is killed), with a short lease.
    deployment_config = {
        'api': {'upload_heartbeat_interval': 1,
                'upload_lease_timeout': LEASE},
    }

    def _image_row(self, image_id):
        engine = sa.create_engine(self.deployment.backend.url(
            self.deployment.database))
        try:
            with engine.connect() as connection:
                return connection.execute(sa.text(
                    'SELECT status, upload_host, upload_pid, '
                    'upload_heartbeat_at FROM images WHERE id = :id'),
                    {'id': image_id}).one()
        finally:
            engine.dispose()

    def test_slow_upload_outlives_the_lease(self):
        path, _sha512, _md5 = self.make_data_file(4 * MiB)
        cloud, directory = self.make_cloud()
        image = self.make_image([cloud['id']])
        gate = threading.Event()
        self.addCleanup(gate.set)
        thread, result = start_held_upload(self.client, image['id'], path,
                                           MiB, gate, TrickleBody)
        wait_partial(self.deployment.staging_dir, image['id'], MiB // 2)
        first = self._image_row(image['id'])[3]

        # Slow for several lease lengths (the conductor sweeps every half
        # lease meanwhile): the heartbeats keep it alive.
        def renewed_long():
            row = self._image_row(image['id'])
            self.assertEqual('uploading', row[0])
            return (row[3] - first).total_seconds() > 3 * LEASE

        base.wait_for(renewed_long, 60, interval=0.5,
                      what='the lease to be renewed for %ss' % (3 * LEASE))
        gate.set()
        thread.join(120)
        self.assertEqual(202, result.get('status'), result)
        job = self.wait_job(json.loads(result['body'])['id'])
        self.assertEqual('succeeded', job['state'], job)
        self.assertTrue(base.files_identical(
            path, os.path.join(directory, image['id'] + '.img')))

    def test_killed_api_upload_is_reset_when_its_lease_ends(self):
        path, _sha512, _md5 = self.make_data_file(SIZE)
        cloud, directory = self.make_cloud()
        image = self.make_image([cloud['id']])
        gate = threading.Event()
        self.addCleanup(gate.set)
        thread, result = start_held_upload(self.client, image['id'], path,
                                           HELD_AFTER, gate)
        wait_partial(self.deployment.staging_dir, image['id'],
                     HELD_AFTER // 2)
        status, host, pid, _at = self._image_row(image['id'])
        self.assertEqual(('uploading', self.deployment.host,
                          self.deployment.api.pid), (status, host, pid))

        self.deployment.api.kill()
        gate.set()
        thread.join(60)
        self.assertNotIn('status', result, result)

        # No API runs: only the conductor's sweep can reset it.
        base.wait_for(
            lambda: self._image_row(image['id'])[0] == 'queued',
            RESET_TIMEOUT, interval=0.5,
            what='the conductor to queue image %s again' % image['id'])
        self.assertIsNone(partial_size(self.deployment.staging_dir,
                                       image['id']))
        self.assertEqual(1, self.deployment._count(
            'Upload of image %s on %s sent no heartbeat'
            % (image['id'], self.deployment.host)))

        self.deployment.api = base.Process(
            'api', [base.find_command('ciming-api'), '--config-file',
                    self.deployment.config_file],
            self.deployment.log_path('api')).start()
        self.deployment._wait_running(self.deployment.api, None)
        job = self.client.upload(image['id'], path).json()
        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)
        self.assertTrue(base.files_identical(
            path, os.path.join(directory, image['id'] + '.img')))


class MariaDBLeaseTest(LeaseMixin, base.FunctionalTestCase):
    backend = 'mysql'


class PostgreSQLLeaseTest(LeaseMixin, base.FunctionalTestCase):
    backend = 'postgresql'
