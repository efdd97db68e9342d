"""Importing from a URL: a real HTTP server on 127.0.0.1, local clouds."""

import hashlib
import http.server
import os
import socket
import threading

import fixtures

from ciming.common import exception
from ciming.common import states
from ciming.conductor.tasks import url_source
from tests.unit.conductor import base as conductor_base

DATA = os.urandom(1024 * 1024 + 7)
SHA256 = hashlib.sha256(DATA).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``server.files`` and ``server.redirects``; records requests.

    ``files`` maps paths to bytes, ``redirects`` paths to a Location.
    """

    def do_GET(self):
        self.server.requests.append((self.path, self.headers.get('Host')))
        if self.path in self.server.redirects:
            self.send_response(302)
            self.send_header('Location', self.server.redirects[self.path])
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        data = self.server.files.get(self.path)
        if data is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class HTTPServerFixture(fixtures.Fixture):

    def _setUp(self):
        self.server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                      _Handler)
        self.server.files = {}
        self.server.redirects = {}
        self.server.requests = []
        self.port = self.server.server_address[1]
        thread = threading.Thread(target=self.server.serve_forever,
                                  daemon=True)
        thread.start()
        self.addCleanup(thread.join)
        self.addCleanup(self.server.server_close)
        self.addCleanup(self.server.shutdown)

    def url(self, path, host='127.0.0.1'):
        return 'http://%s:%d%s' % (host, self.port, path)


class URLSourceTestCase(conductor_base.LocalCloudsTestCase):

    def setUp(self):
        super().setUp()
        self.http = self.useFixture(HTTPServerFixture())
        self.http.server.files['/d/img.raw'] = DATA
        self.config(allowed_networks=['127.0.0.1/32'], allowed_ports=[],
                    connect_retries=0, group='url_import')

    def _url_job(self, source, targets=None):
        targets = targets or [self.cloud_a, self.cloud_b]
        image = self.dbapi.create_image(
            {'project_id': 'project-a', 'name': 'from-url',
             'disk_format': 'raw', 'container_format': 'bare',
             'status': states.IMAGE_QUEUED}, [c.id for c in targets])
        job = self.dbapi.create_job(
            {'project_id': 'project-a', 'image_id': image.id,
             'action': states.ACTION_IMPORT_URL,
             'source': dict(source, type='url'),
             'image_status': states.IMAGE_IMPORTING},
            [c.id for c in targets])
        return self._run(image, targets, job=job), image

    def _read(self, source):
        with url_source.open_source(dict(source, type='url')) as data:
            chunks = []
            while True:
                chunk = data.read(65536)
                if not chunk:
                    return b''.join(chunks)
                chunks.append(chunk)

    def test_right_checksum_reaches_every_target(self):
        job, image = self._url_job({'url': self.http.url('/d/img.raw'),
                                    'checksum': 'sha256:' + SHA256})

        self.assertEqual(states.JOB_SUCCEEDED, job.state, job.error)
        image = self.dbapi.get_image(image.id)
        self.assertEqual(states.IMAGE_ACTIVE, image.status)
        self.assertEqual(len(DATA), image.size)
        self.assertEqual(hashlib.sha512(DATA).hexdigest(),
                         image.os_hash_value)
        for cloud in (self.cloud_a, self.cloud_b):
            with open(self._file(cloud, image.id, '.img'), 'rb') as f:
                self.assertEqual(DATA, f.read())
        self.assertEqual(1, len(self.http.server.requests))

    def test_wrong_checksum_fails_the_job_and_leaves_no_target(self):
        job, image = self._url_job({'url': self.http.url('/d/img.raw'),
                                    'checksum': 'sha256:' + '0' * 64})

        self.assertEqual(states.JOB_FAILED, job.state)
        self.assertIn('sha256 %s, expected %s' % (SHA256, '0' * 64),
                      job.error)
        for cloud in (self.cloud_a, self.cloud_b):
            self.assertEqual([], os.listdir(self._cloud_dir(cloud)))
        image = self.dbapi.get_image(image.id)
        self.assertIsNone(image.os_hash_value)
        self.assertEqual([None, None],
                         [loc.remote_id for loc in image.locations])

    def test_checksum_from_a_sha256sums_file(self):
        self.http.server.files['/d/SHA256SUMS'] = (
            '%s *other.img\n%s  ./img.raw\r\n# comment\n'
            % ('1' * 64, SHA256)).encode()
        job, _image = self._url_job({
            'url': self.http.url('/d/img.raw'),
            'checksums_url': self.http.url('/d/SHA256SUMS')})
        self.assertEqual(states.JOB_SUCCEEDED, job.state, job.error)

    def test_a_sha256sums_file_without_the_file_fails_before_any_data(self):
        self.http.server.files['/d/SHA256SUMS'] = (
            '%s  other.img\n' % SHA256).encode()
        job, _image = self._url_job({
            'url': self.http.url('/d/img.raw'),
            'checksums_url': self.http.url('/d/SHA256SUMS')})
        self.assertEqual(states.JOB_FAILED, job.state)
        self.assertIn('no sha256 for img.raw', job.error)
        self.assertEqual(['/d/SHA256SUMS'],
                         [p for p, _h in self.http.server.requests])

    def test_a_url_denied_now_fails_before_any_request(self):
        self.config(allowed_networks=[], group='url_import')
        job, _image = self._url_job({'url': self.http.url('/d/img.raw'),
                                     'checksum': 'sha256:' + SHA256})
        self.assertEqual(states.JOB_FAILED, job.state)
        self.assertIn('not allowed', job.error)
        self.assertEqual([], self.http.server.requests)

    def test_the_connection_goes_to_the_checked_address(self):
        # A name whose lookup answers loopback once: connecting is pinned
        # to that answer; the name is only sent as Host.
        self.useFixture(fixtures.MockPatch(
            'socket.getaddrinfo', side_effect=lambda host, port, *args, **kw: [
                (socket.AF_INET, socket.SOCK_STREAM, 6, '',
                 ('127.0.0.1', port))]))
        data = self._read({'url': self.http.url('/d/img.raw',
                                                host='images.example'),
                           'checksum': 'sha256:' + SHA256})
        self.assertEqual(DATA, data)
        self.assertEqual([('/d/img.raw', 'images.example:%d'
                           % self.http.port)], self.http.server.requests)

    def test_a_redirect_is_checked_like_the_url(self):
        self.http.server.redirects['/moved'] = '/d/img.raw'
        self.http.server.redirects['/away'] = 'http://10.0.0.1/x'
        self.assertEqual(DATA, self._read({
            'url': self.http.url('/moved'),
            'checksum': 'sha256:' + SHA256}))
        exc = self.assertRaises(exception.URLNotAllowed, self._read, {
            'url': self.http.url('/away'), 'checksum': 'sha256:' + SHA256})
        self.assertIn('private', exc.message)

    def test_redirects_are_refused_when_none_are_allowed(self):
        self.config(max_redirects=0, group='url_import')
        self.http.server.redirects['/moved'] = '/d/img.raw'
        exc = self.assertRaises(
            exception.URLImportFailed, self._read,
            {'url': self.http.url('/moved'), 'checksum': 'sha256:' + SHA256})
        self.assertIn('redirect', exc.message)

    def test_an_error_answer_fails(self):
        exc = self.assertRaises(
            exception.URLImportFailed, self._read,
            {'url': self.http.url('/nothing'),
             'checksum': 'sha256:' + SHA256})
        self.assertIn('HTTP 404', exc.message)

    def test_data_larger_than_max_size_fails(self):
        self.config(max_size=1024, group='url_import')
        exc = self.assertRaises(
            exception.URLImportFailed, self._read,
            {'url': self.http.url('/d/img.raw'),
             'checksum': 'sha256:' + SHA256})
        self.assertIn('larger than the 1024 bytes', exc.message)

    def test_a_server_that_does_not_answer_fails_after_retries(self):
        self.config(connect_retries=1, group='url_import')
        with socket.socket() as unused:
            unused.bind(('127.0.0.1', 0))
            port = unused.getsockname()[1]
        exc = self.assertRaises(
            exception.URLImportFailed, self._read,
            {'url': 'http://127.0.0.1:%d/d/img.raw' % port,
             'checksum': 'sha256:' + SHA256})
        self.assertIn('cannot connect', exc.message)


class ParseChecksumsTest(conductor_base.base.TestCase):

    def test_gnu_and_bsd_lines(self):
        text = ('%s  a.img\n%s *b.img\nSHA256 (c.img) = %s\n'
                % ('a' * 64, 'B' * 64, 'c' * 64))
        self.assertEqual('a' * 64, url_source.parse_checksums(text, 'a.img'))
        self.assertEqual('b' * 64, url_source.parse_checksums(text, 'b.img'))
        self.assertEqual('c' * 64, url_source.parse_checksums(text, 'c.img'))

    def test_a_missing_name_fails(self):
        exc = self.assertRaises(exception.URLImportFailed,
                                url_source.parse_checksums,
                                '%s  a.img\n' % ('a' * 64), 'b c.img')
        self.assertIn('no sha256 for b%20c.img', exc.message)

    def test_two_different_hashes_for_the_name_fail(self):
        text = '%s  a.img\n%s  a.img\n' % ('a' * 64, 'b' * 64)
        self.assertRaises(exception.URLImportFailed,
                          url_source.parse_checksums, text, 'a.img')

    def test_garbage_lines_are_ignored(self):
        text = 'garbage\n\x00\n%s\n%s a.img\n%s  a.img\n' % (
            'a' * 64, 'b' * 63, 'd' * 64)
        self.assertEqual('d' * 64, url_source.parse_checksums(text, 'a.img'))

    def test_a_url_without_a_file_name_fails(self):
        self.assertRaises(exception.URLImportFailed,
                          url_source.parse_checksums, 'x', '')
