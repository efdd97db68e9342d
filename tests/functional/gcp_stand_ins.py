"""Google Cloud stand-ins for the functional tests, on free ports.

Cloud Storage is the real ``gcp-storage-emulator``; Compute Engine is
:mod:`tests.fakes.gce_server`; between the driver and the emulator sits
a :class:`~tests.fakes.cutting_proxy.CuttingProxy` that counts what the
driver sends and can break the connection once. The service-account key
is a real RSA key made for the test; the fake's token endpoint accepts
its signed assertions.
"""

import json
import os
import sys
import urllib.request
import uuid

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives import serialization

from tests.fakes import cutting_proxy
from tests.functional import base

PROJECT = 'ciming-test'
BUCKET = 'ciming-staging-test'
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def service_account_key(token_uri, key_id=None):
    """A service-account key as the Cloud console makes them."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM,
                            serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return {'type': 'service_account', 'project_id': PROJECT,
            'private_key_id': key_id or uuid.uuid4().hex,
            'private_key': pem,
            'client_email': 'ciming@%s.iam.gserviceaccount.com' % PROJECT,
            'client_id': str(uuid.uuid4().int)[:21],
            'token_uri': token_uri}


class StandIns:
    """The emulator, the fake and the proxy of one test."""

    def __init__(self, test, log_dir):
        self.test = test
        self.storage_port = base.free_port()
        self.compute_port = base.free_port()
        self.storage_url = 'http://127.0.0.1:%d' % self.storage_port
        bindir = os.path.dirname(sys.executable)
        self.emulator = base.Process(
            'gcs-emulator', [os.path.join(bindir, 'gcp-storage-emulator'),
                             'start', '-H', '127.0.0.1', '--port',
                             str(self.storage_port), '--in-memory',
                             '--default-bucket', BUCKET],
            os.path.join(log_dir, 'gcs-emulator.log'))
        self.compute = base.Process(
            'fake-gce', [sys.executable, '-m', 'tests.fakes.gce_server',
                         '--port', str(self.compute_port),
                         '--storage', self.storage_url],
            os.path.join(log_dir, 'fake-gce.log'),
            env=dict(os.environ, PYTHONPATH=ROOT))
        for process, port in ((self.emulator, self.storage_port),
                              (self.compute, self.compute_port)):
            process.start()
            test.addCleanup(process.stop)
            base.wait_for(lambda p=port: base.port_open('127.0.0.1', p), 30,
                          what='%s to listen' % process.name)
        self.proxy = cutting_proxy.CuttingProxy('127.0.0.1',
                                                self.storage_port)
        test.addCleanup(self.proxy.close)
        self.compute_url = 'http://127.0.0.1:%d' % self.compute_port
        self.key = service_account_key(self.compute_url + '/token')

    def cloud_body(self, name=None):
        return {'name': name or base.unique_name('gcp-test-'),
                'type': 'gcp',
                'options': {'project': PROJECT, 'bucket': BUCKET,
                            'compute_endpoint':
                                self.compute_url + '/compute/v1/',
                            'storage_endpoint': self.proxy.url}}

    # Looking at what the stand-ins hold

    def _get(self, url):
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.load(response)

    def _post(self, url, body, headers=None):
        request = urllib.request.Request(
            url, data=body, method='POST',
            headers=dict({'Content-Type': 'application/json'},
                         **(headers or {})))
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)

    def objects(self):
        """Names of the objects in the staging bucket."""
        found = self._get('%s/storage/v1/b/%s/o' % (
            self.storage_url, BUCKET))
        return sorted(o['name'] for o in found.get('items', []))

    def put_object(self, name, data):
        return self._post('%s/upload/storage/v1/b/%s/o?uploadType=media&'
                          'name=%s' % (self.storage_url, BUCKET, name),
                          data, {'Content-Type': 'application/gzip'})

    def delete_object(self, name):
        request = urllib.request.Request(
            '%s/storage/v1/b/%s/o/%s' % (self.storage_url, BUCKET,
                                         urllib.request.quote(name,
                                                              safe='')),
            method='DELETE')
        urllib.request.urlopen(request, timeout=30).close()

    def sources(self):
        """What each images.insert read from Cloud Storage."""
        return self._get(self.compute_url + '/fake/sources')['sources']

    def fail_next_operation(self, code, message):
        self._post(self.compute_url + '/fake/fail-next',
                   json.dumps({'code': code, 'message': message}).encode())

    def token(self):
        return self._post(
            self.compute_url + '/token',
            b'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-'
            b'bearer&assertion=a.b.c',
            {'Content-Type': 'application/x-www-form-urlencoded'})[
                'access_token']

    def images(self):
        request = urllib.request.Request(
            '%s/compute/v1/projects/%s/global/images' % (self.compute_url,
                                                         PROJECT),
            headers={'Authorization': 'Bearer ' + self.token()})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response).get('items', [])

    def insert_image(self, name, object_name):
        """Make an image outside CIMinG from an object of the bucket."""
        operation = self._post(
            '%s/compute/v1/projects/%s/global/images' % (self.compute_url,
                                                         PROJECT),
            json.dumps({'name': name, 'rawDisk': {
                'source': 'https://storage.googleapis.com/%s/%s'
                          % (BUCKET, object_name)}}).encode(),
            {'Authorization': 'Bearer ' + self.token()})
        return self._post(
            '%s/compute/v1/projects/%s/global/operations/%s/wait'
            % (self.compute_url, PROJECT, operation['name']), b'',
            {'Authorization': 'Bearer ' + self.token()})
