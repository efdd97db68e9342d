"""Importing from a URL: a real HTTP server on 127.0.0.1, local clouds."""

import datetime
import hashlib
import os
import socket
import ssl

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography import x509
from cryptography.x509.oid import NameOID
import fixtures

from ciming.common import exception
from ciming.common import states
from ciming.conductor.tasks import url_source
from tests import disk_images
from tests import local_http
from tests.unit.conductor import base as conductor_base

DATA = os.urandom(1024 * 1024 + 7)
SHA256 = hashlib.sha256(DATA).hexdigest()


class URLSourceTestCase(conductor_base.LocalCloudsTestCase):

    def setUp(self):
        super().setUp()
        self.http = self.useFixture(local_http.HTTPServerFixture())
        self.http.server.files['/d/img.raw'] = DATA
        self.config(allowed_networks=['127.0.0.1/32'], allowed_ports=[],
                    connect_retries=0, group='url_import')

    def _url_job(self, source, targets=None, disk_format='raw'):
        targets = targets or [self.cloud_a, self.cloud_b]
        image = self.dbapi.create_image(
            {'project_id': 'project-a', 'name': 'from-url',
             'disk_format': disk_format, 'container_format': 'bare',
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

    def _raw_only_and_qcow2(self):
        raw_only = self.create_local_cloud(
            'raw-only', options={'path': 'raw-only', 'disk_formats': ['raw']})
        data = disk_images.qcow2(os.urandom(300 * 1024),
                                 virtual_size=2 * 1024 * 1024)
        self.http.server.files['/d/img.qcow2'] = data
        return raw_only, data

    def test_a_qcow2_url_is_converted_for_a_raw_only_cloud(self):
        raw_only, data = self._raw_only_and_qcow2()
        job, image = self._url_job(
            {'url': self.http.url('/d/img.qcow2'),
             'checksum': 'sha256:' + hashlib.sha256(data).hexdigest()},
            targets=[self.cloud_a, raw_only], disk_format='qcow2')

        self.assertEqual(states.JOB_SUCCEEDED, job.state, job.error)
        with open(self._file(self.cloud_a, image.id, '.img'), 'rb') as f:
            self.assertEqual(data, f.read())
        with open(self._file(raw_only, image.id, '.img'), 'rb') as f:
            self.assertEqual(disk_images.convert_to_raw(data, 'qcow2'),
                             f.read())
        self.assertEqual(1, len(self.http.server.requests))

    def test_a_wrong_checksum_fails_before_a_conversion(self):
        raw_only, _data = self._raw_only_and_qcow2()
        job, _image = self._url_job(
            {'url': self.http.url('/d/img.qcow2'),
             'checksum': 'sha256:' + '0' * 64},
            targets=[self.cloud_a, raw_only], disk_format='qcow2')

        self.assertEqual(states.JOB_FAILED, job.state)
        self.assertIn('expected %s' % ('0' * 64), job.error)
        # Converting reads the URL before any target is prepared.
        for cloud in (self.cloud_a, raw_only):
            self.assertFalse(os.path.exists(self._cloud_dir(cloud)))

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


def _self_signed(directory, name):
    """A key and a self-signed certificate for ``name``: (cert, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject)
            .issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None),
                           critical=True)
            .sign(key, hashes.SHA256()))
    cert_path = os.path.join(directory, 'cert.pem')
    key_path = os.path.join(directory, 'key.pem')
    with open(cert_path, 'wb') as out:
        out.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, 'wb') as out:
        out.write(key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
    return cert_path, key_path


class HTTPSSourceTestCase(conductor_base.base.TestCase):
    """HTTPS to the checked address, verified against the URL's host."""

    def setUp(self):
        super().setUp()
        directory = self.useFixture(fixtures.TempDir()).path
        cert, key = _self_signed(directory, 'images.example')
        self.http = self.useFixture(local_http.HTTPServerFixture())
        self.http.server.files['/d/img.raw'] = DATA
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.http.server.socket = context.wrap_socket(
            self.http.server.socket, server_side=True)
        self.config(allowed_networks=['127.0.0.1/32'], allowed_ports=[],
                    connect_retries=0, ca_file=cert, group='url_import')
        real = socket.getaddrinfo

        def getaddrinfo(host, port, *args, **kwargs):
            if host.endswith('.example'):
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, '',
                         ('127.0.0.1', port))]
            return real(host, port, *args, **kwargs)
        self.useFixture(fixtures.MockPatch('socket.getaddrinfo',
                                           side_effect=getaddrinfo))

    def _read(self, host):
        source = {'type': 'url', 'checksum': 'sha256:' + SHA256,
                  'url': 'https://%s:%d/d/img.raw' % (host, self.http.port)}
        with url_source.open_source(source) as data:
            return b''.join(iter(lambda: data.read(65536), b''))

    def test_the_certificate_is_checked_against_the_url_host(self):
        self.assertEqual(DATA, self._read('images.example'))
        self.assertEqual([('/d/img.raw', 'images.example:%d'
                           % self.http.port)], self.http.server.requests)

    def test_a_certificate_for_another_host_fails(self):
        exc = self.assertRaises(exception.URLImportFailed, self._read,
                                'other.example')
        self.assertIn('cannot connect', exc.message)
        self.assertEqual([], self.http.server.requests)
