"""The Glance driver's data path against a real HTTP server.

A small HTTP/1.1 server stands in for Glance's ``/v2/images/{id}/file``
so what goes over the wire is checked: one request per transfer, the
bytes unchanged, uploads in chunks of ``[glance] upload_frame_size``, one
keep-alive connection reused.
"""

import hashlib
from http import server
import json
import os
import threading
from unittest import mock

from keystoneauth1 import adapter
from keystoneauth1 import session as ks_session

from ciming.common import exception
from ciming.common import streams
from ciming.drivers import glance
from ciming.drivers import glance_data
from tests.unit import base

MiB = 1024 * 1024


class _FakeGlanceHandler(server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def _record(self):
        self.server.requests.append((self.command, self.path,
                                     self.client_address[1]))

    def _json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        self._record()
        length = int(self.headers['Content-Length'])
        self.server.imports.append(json.loads(self.rfile.read(length)))
        self._json(self.server.import_status, {})

    def do_GET(self):
        self._record()
        if self.path == '/v2/info/import':
            return self._json(200, {'import-methods': {
                'value': self.server.import_methods}})
        if self.path.endswith('/tasks'):
            return self._json(200, {'tasks': [
                {'status': status, 'created_at': '2026-01-01T00:00:0%d' % n,
                 'message': 'Task failed' if status == 'failure' else ''}
                for n, status in enumerate(self.server.import_tasks)]})
        image_id = self.path.split('/')[3]
        behaviour = self.server.downloads.get(image_id)
        if behaviour is None:
            self.send_response(404)
            self.send_header('Content-Length', '0')
            self.end_headers()
        elif behaviour == 'queued':
            self.send_response(204)
            self.end_headers()
        elif behaviour == 'truncated':
            self.send_response(200)
            self.send_header('Content-Length', str(MiB))
            self.end_headers()
            self.wfile.write(b'x' * 1000)
            self.wfile.flush()
            self.close_connection = True
        else:
            self.send_response(200)
            self.send_header('Content-Type', 'application/octet-stream')
            self.send_header('Content-Length', str(len(behaviour)))
            self.end_headers()
            self.wfile.write(behaviour)

    def do_PUT(self):
        self._record()
        assert self.headers['Transfer-Encoding'] == 'chunked'
        sizes, parts = [], []
        while True:
            size = int(self.rfile.readline().split(b';')[0], 16)
            if size == 0:
                self.rfile.readline()
                break
            parts.append(self.rfile.read(size))
            sizes.append(size)
            self.rfile.readline()
        self.server.uploads.append((b''.join(parts), sizes,
                                    self.headers['Content-Type']))
        status = self.server.upload_status
        self.send_response(status)
        self.send_header('Content-Length', '0')
        self.end_headers()


class GlanceDataPathTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.httpd = server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                _FakeGlanceHandler)
        self.httpd.requests = []
        self.httpd.downloads = {}
        self.httpd.uploads = []
        self.httpd.upload_status = 204
        self.httpd.imports = []
        self.httpd.import_methods = ['glance-direct', 'glance-download']
        self.httpd.import_status = 202
        self.httpd.import_tasks = ['processing']
        thread = threading.Thread(target=self.httpd.serve_forever,
                                  daemon=True)
        thread.start()
        self.addCleanup(self.httpd.server_close)
        self.addCleanup(self.httpd.shutdown)
        endpoint = 'http://127.0.0.1:%d/v2' % self.httpd.server_address[1]

        self.driver = self._driver('r2', 'RegionTwo', endpoint)

    @staticmethod
    def _driver(name, region, endpoint, **options):
        driver = glance.GlanceDriver(
            {'id': 'id-' + name, 'name': name, 'type': 'openstack',
             'region': region, 'options': options},
            credentials={'auth_plugin': 'the-jobs-trust'})
        client = driver._glance = type('Client', (), {})()
        client.http_client = adapter.Adapter(
            ks_session.Session(), service_type='image',
            endpoint_override=endpoint)
        return driver

    def test_download_is_one_get_of_the_data_with_the_same_bytes(self):
        data = os.urandom(3 * MiB + 5)
        self.httpd.downloads['img-1'] = data
        with self.driver.open_export('img-1') as stream:
            chunks = list(streams.read_chunks(stream, MiB))
        self.assertEqual(hashlib.sha512(data).digest(),
                         hashlib.sha512(b''.join(chunks)).digest())
        self.assertEqual([MiB, MiB, MiB, 5], [len(c) for c in chunks])
        self.assertEqual([('GET', '/v2/images/img-1/file')],
                         [r[:2] for r in self.httpd.requests])

    def test_download_of_an_image_without_data_says_it_is_not_active(self):
        self.httpd.downloads['img-1'] = 'queued'
        error = self.assertRaises(exception.DriverError,
                                  self.driver.open_export, 'img-1')
        self.assertIn('not active', str(error))

    def test_download_of_a_missing_image(self):
        self.assertRaises(exception.RemoteImageNotFound,
                          self.driver.open_export, 'gone')

    def test_download_broken_off_is_a_driver_error(self):
        self.httpd.downloads['img-1'] = 'truncated'
        with self.driver.open_export('img-1') as stream:
            error = self.assertRaises(exception.DriverError, list,
                                      streams.read_chunks(stream, MiB))
        self.assertIn('broke off', str(error))

    def test_upload_is_one_put_in_frames_of_the_configured_size(self):
        self.config(upload_frame_size=64 * 1024, group='glance')
        data = os.urandom(2 * MiB + 7)
        chunks = list(streams.read_chunks(_BytesFile(data), MiB))
        self.driver.write_import('img-2', iter(chunks))
        [(received, sizes, content_type)] = self.httpd.uploads
        self.assertEqual(hashlib.sha512(data).digest(),
                         hashlib.sha512(received).digest())
        self.assertEqual('application/octet-stream', content_type)
        self.assertEqual(64 * 1024, max(sizes))
        self.assertEqual(2 * 16 + 1, len(sizes))
        self.assertEqual([('PUT', '/v2/images/img-2/file')],
                         [r[:2] for r in self.httpd.requests])

    def test_uploads_reuse_one_keep_alive_connection(self):
        for _ in range(3):
            self.driver.write_import('img-2', iter([b'abc' * 1000]))
        ports = {r[2] for r in self.httpd.requests}
        self.assertEqual(3, len(self.httpd.requests))
        self.assertEqual(1, len(ports))

    def test_upload_refused_is_a_driver_error_with_the_status(self):
        self.httpd.upload_status = 413
        error = self.assertRaises(exception.DriverError,
                                  self.driver.write_import, 'img-2',
                                  iter([b'abc']))
        self.assertIn('413', str(error))

    # Server-side copy (glance-download)

    def _source(self, **options):
        return self._driver('r1', 'RegionOne', 'http://unused', **options)

    def _pull(self, source, states=('queued', 'importing', 'active')):
        images = [{'id': 'img-3', 'status': s} for s in states]
        self.config(server_side_copy=True, poll_interval=0.05,
                    group='glance')
        with mock.patch.object(self.driver, '_raw_image',
                               side_effect=images):
            return self.driver.pull_import('img-3', source, 'src-1')

    def test_pull_asks_the_target_to_glance_download_from_the_source(self):
        self.assertTrue(self._pull(self._source(interface='internal')))
        self.assertEqual([{'method': {
            'name': 'glance-download', 'glance_image_id': 'src-1',
            'glance_region': 'RegionOne',
            'glance_service_interface': 'internal'}}], self.httpd.imports)
        self.assertEqual([('GET', '/v2/info/import'),
                          ('POST', '/v2/images/img-3/import'),
                          # Only the queued image's tasks are read: an
                          # importing one is going on.
                          ('GET', '/v2/images/img-3/tasks')],
                         [r[:2] for r in self.httpd.requests])

    def test_an_importing_image_is_checked_every_half_interval_at_most(self):
        states = ['queued'] + ['importing'] * 8 + ['active']
        with mock.patch.object(glance_data.time, 'sleep') as sleep:
            self.assertTrue(self._pull(self._source(), states=states))
        waits = [c.args[0] for c in sleep.call_args_list]
        # [glance] poll_interval is 0.05 here: a quarter of it first,
        # growing by half to half of it.
        self.assertAlmostEqual(0.0125, waits[0])
        self.assertAlmostEqual(0.025, max(waits))
        self.assertEqual(sorted(waits), waits)

    def test_other_waits_grow_to_the_whole_interval(self):
        self.config(poll_interval=0.8, group='glance')
        delays = glance_data.poll_delays()
        self.assertEqual([0.2, 0.3, 0.45, 0.675, 0.8, 0.8],
                         [round(next(delays), 3) for _ in range(6)])

    def test_no_pull_when_the_option_is_off(self):
        self.config(server_side_copy=False, group='glance')
        self.assertFalse(self.driver.pull_import('img-3', self._source(),
                                                 'src-1'))
        self.assertEqual([], self.httpd.requests)

    def test_no_pull_when_the_target_does_not_offer_glance_download(self):
        self.httpd.import_methods = ['glance-direct', 'web-download']
        self.assertFalse(self._pull(self._source()))
        self.assertEqual([], self.httpd.imports)

    def test_no_pull_between_keystones_or_identities(self):
        other_keystone = self._source(auth_url='http://other:5000/v3')
        other_user = self._source()
        other_user.credentials = {'auth_plugin': 'another-trust'}
        same_region = self._driver('r1', 'RegionTwo', 'http://unused')
        for source in (other_keystone, other_user, same_region):
            self.assertFalse(self._pull(source))
        self.assertEqual([], self.httpd.requests)

    def test_a_refused_import_means_streaming(self):
        self.httpd.import_status = 409
        self.assertFalse(self._pull(self._source()))

    def test_an_import_task_that_failed_means_streaming(self):
        # A failed glance-download leaves the image queued, like one not
        # started yet: the image's last import task tells.
        self.httpd.import_tasks = ['failure', 'processing', 'failure']
        self.assertFalse(self._pull(self._source(),
                                    states=('queued', 'queued')))

    def test_a_failed_import_is_streamed_to_once_the_image_is_queued(self):
        # Glance marks the task failed before it puts the image back to
        # queued: an upload before that would be refused (409).
        self.httpd.import_tasks = ['failure']
        self.assertFalse(self._pull(self._source(), states=(
            'importing', 'importing', 'queued')))

    def test_an_image_that_stays_importing_after_a_failure_is_an_error(self):
        self.config(active_timeout=1, group='glance')
        self.httpd.import_tasks = ['failure']
        # Glance took the import: the target fails, nothing is streamed.
        self.assertRaises(exception.ServerSideCopyFailed, self._pull,
                          self._source(), states=['importing'] * 100)

    def test_a_queued_image_whose_import_runs_is_waited_for(self):
        self.httpd.import_tasks = ['failure', 'processing']
        self.assertTrue(self._pull(self._source(),
                                   states=('queued', 'queued', 'active')))

    def test_an_image_killed_during_the_pull_is_an_error(self):
        self.assertRaises(exception.ServerSideCopyFailed, self._pull,
                          self._source(), states=('importing', 'killed'))


class _BytesFile:
    def __init__(self, data):
        self._data = memoryview(data)
        self._pos = 0

    def read(self, size):
        piece = bytes(self._data[self._pos:self._pos + size])
        self._pos += len(piece)
        return piece
