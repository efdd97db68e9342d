"""A small Compute Engine (compute v1) stand-in for the functional tests.

No emulator of the Compute API exists. This one is written from the
compute v1 discovery document that google-api-python-client ships, for
the calls CIMinG makes: ``projects.get``, ``images.insert/get/list/
delete/patch/setLabels/deprecate`` and ``globalOperations.get/wait``,
plus the OAuth token endpoint a service-account key names
(``token_uri``).

Like Compute Engine, ``images.insert`` answers with a running operation
and makes the image from ``rawDisk.source`` in the background, reading
the object from the Cloud Storage emulator: the operation ends in error,
and no image remains, when the object is missing or is not a gzip'd tar
whose first member is ``disk.raw``. A name already taken answers 409.

Run: ``python -m tests.fakes.gce_server --port P --storage URL``. Tests
may ask that the next operation fail (``POST /fake/fail-next``).
"""

import argparse
import hashlib
import http.server
import itertools
import json
import math
import re
import tarfile
import threading
import time
from urllib import parse
from urllib import request as urlrequest
import uuid

GiB = 1024 ** 3
BASE = '/compute/v1/projects/'
_LABEL = re.compile(r'labels\.([a-z0-9_-]+)\s*=\s*"([^"]*)"')
_PATCHABLE = ('family', 'description', 'deprecated')
# DeprecationStatus of the compute v1 discovery document.
_DEPRECATION_STATES = ('ACTIVE', 'DELETED', 'DEPRECATED', 'OBSOLETE')
_DEPRECATION_FIELDS = frozenset(('state', 'deprecated', 'obsolete',
                                 'deleted', 'replacement'))
_RFC3339 = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?'
                      r'(Z|[+-]\d\d:\d\d)\Z')


class State:
    def __init__(self, storage):
        self.storage = storage.rstrip('/')
        self.lock = threading.Condition()
        self.images = {}       # (project, name) -> image
        self.operations = {}   # (project, name) -> operation
        self.tokens = set()
        self.fail_next = None
        # What each insert read from Cloud Storage (tests inspect it).
        self.sources = []
        self.ids = itertools.count(1000)


def _error(code, message, reason='invalid'):
    return code, {'error': {'code': code, 'message': message,
                            'errors': [{'reason': reason,
                                        'message': message}]}}


def _now():
    return time.strftime('%Y-%m-%dT%H:%M:%S.000-00:00', time.gmtime())


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    state = None

    def log_message(self, fmt, *args):
        pass

    # Plumbing

    def _body(self):
        length = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(length) if length else b''

    def _send(self, code, document):
        data = json.dumps(document).encode()
        self.send_response(code)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self):
        auth = self.headers.get('Authorization', '')
        return auth.startswith('Bearer ') and auth[7:] in self.state.tokens

    def _dispatch(self, method):
        url = parse.urlsplit(self.path)
        query = parse.parse_qs(url.query)
        body = self._body()
        if url.path == '/token' and method == 'POST':
            return self._send(*self.token(body))
        if url.path == '/fake/sources' and method == 'GET':
            with self.state.lock:
                return self._send(200, {'sources': self.state.sources})
        if url.path == '/fake/fail-next' and method == 'POST':
            with self.state.lock:
                self.state.fail_next = json.loads(body or b'{}')
            return self._send(200, {})
        if not url.path.startswith(BASE):
            return self._send(*_error(404, 'no such path', 'notFound'))
        if not self._authorized():
            return self._send(*_error(401, 'Request had invalid '
                                      'authentication credentials.',
                                      'authError'))
        parts = [parse.unquote(p) for p in url.path[len(BASE):].split('/')]
        project, rest = parts[0], parts[1:]
        routes = {
            ('GET', ()): self.get_project,
            ('GET', ('global', 'images')): self.list_images,
            ('POST', ('global', 'images')): self.insert_image,
            ('GET', ('global', 'images', None)): self.get_image,
            ('DELETE', ('global', 'images', None)): self.delete_image,
            ('POST', ('global', 'images', None, 'setLabels')):
                self.set_labels,
            ('POST', ('global', 'images', None, 'deprecate')):
                self.deprecate_image,
            ('PATCH', ('global', 'images', None)): self.patch_image,
            ('GET', ('global', 'operations', None)): self.get_operation,
            ('POST', ('global', 'operations', None, 'wait')):
                self.wait_operation,
        }
        for (verb, shape), handler in routes.items():
            if verb == method and len(shape) == len(rest) and all(
                    s is None or s == r for s, r in zip(shape, rest)):
                args = [r for s, r in zip(shape, rest) if s is None]
                try:
                    document = json.loads(body) if body else {}
                except ValueError:
                    return self._send(*_error(400, 'Invalid JSON payload'))
                return self._send(*handler(project, query, document, *args))
        return self._send(*_error(404, 'no such method', 'notFound'))

    def do_GET(self):
        self._dispatch('GET')

    def do_POST(self):
        self._dispatch('POST')

    def do_DELETE(self):
        self._dispatch('DELETE')

    def do_PATCH(self):
        self._dispatch('PATCH')

    # OAuth 2.0: the JWT-bearer grant of a service account

    def token(self, body):
        form = parse.parse_qs(body.decode())
        assertion = (form.get('assertion') or [''])[0]
        if (form.get('grant_type') != [
                'urn:ietf:params:oauth:grant-type:jwt-bearer']
                or assertion.count('.') != 2):
            return 400, {'error': 'invalid_grant'}
        token = 'ya29.fake-%s' % uuid.uuid4().hex
        with self.state.lock:
            self.state.tokens.add(token)
        return 200, {'access_token': token, 'expires_in': 3600,
                     'token_type': 'Bearer'}

    # Projects

    def get_project(self, project, query, body):
        return 200, {'kind': 'compute#project', 'name': project,
                     'id': str(abs(hash(project)))}

    # Images

    def _self_link(self, project, kind, name):
        return 'http://%s%s%s/global/%s/%s' % (
            self.headers.get('Host'), BASE, project, kind, name)

    def list_images(self, project, query, body):
        wanted = dict(_LABEL.findall((query.get('filter') or [''])[0]))
        size = int((query.get('maxResults') or ['500'])[0])
        start = int((query.get('pageToken') or ['0'])[0])
        with self.state.lock:
            found = sorted(
                (i for (p, _), i in self.state.images.items()
                 if p == project and all(
                     i.get('labels', {}).get(k) == v
                     for k, v in wanted.items())),
                key=lambda i: i['name'])
        page = {'kind': 'compute#imageList',
                'items': found[start:start + size]}
        if start + size < len(found):
            page['nextPageToken'] = str(start + size)
        return 200, page

    def get_image(self, project, query, body, name):
        with self.state.lock:
            image = self.state.images.get((project, name))
        if image is None:
            return _error(404, "The resource 'projects/%s/global/images/%s'"
                          " was not found" % (project, name), 'notFound')
        return 200, image

    def insert_image(self, project, query, body):
        name = body.get('name')
        if not isinstance(name, str) or not re.match(
                r'^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$', name):
            return _error(400, "Invalid value for field 'resource.name'")
        source = (body.get('rawDisk') or {}).get('source')
        if not isinstance(source, str):
            return _error(400, "Required field 'rawDisk.source' not set")
        with self.state.lock:
            if (project, name) in self.state.images:
                return _error(409, "The resource 'projects/%s/global/images"
                              "/%s' already exists" % (project, name),
                              'alreadyExists')
            image = dict(body, kind='compute#image', status='PENDING',
                         id=str(next(self.state.ids)),
                         creationTimestamp=_now(),
                         selfLink=self._self_link(project, 'images', name),
                         labelFingerprint=uuid.uuid4().hex[:12])
            image.setdefault('labels', {})
            self.state.images[(project, name)] = image
            operation = self._operation(project, 'insert', name)
            fail, self.state.fail_next = self.state.fail_next, None
        threading.Thread(target=self._make_image, daemon=True,
                         args=(project, name, source, operation,
                               fail)).start()
        return 200, operation

    def _operation(self, project, kind, target):
        operation = {
            'kind': 'compute#operation', 'id': str(next(self.state.ids)),
            'name': 'operation-%s' % uuid.uuid4().hex,
            'operationType': kind, 'status': 'RUNNING', 'progress': 0,
            'targetLink': self._self_link(project, 'images', target),
            'insertTime': _now(), 'startTime': _now(),
            'selfLink': ''}
        operation['selfLink'] = self._self_link(project, 'operations',
                                                operation['name'])
        self.state.operations[(project, operation['name'])] = operation
        return dict(operation)

    def _finish(self, project, operation, error=None):
        with self.state.lock:
            stored = self.state.operations[(project, operation['name'])]
            stored.update(status='DONE', progress=100, endTime=_now())
            if error:
                stored['error'] = {'errors': [error]}
                stored['httpErrorStatusCode'] = 400
            self.state.lock.notify_all()

    def _make_image(self, project, name, source, operation, fail):
        try:
            raw_size, archive = self._read_source(source)
        except ValueError as exc:
            error = {'code': 'INVALID_IMAGE_FILE', 'message': str(exc)}
        else:
            error = fail
        with self.state.lock:
            if error:
                self.state.images.pop((project, name), None)
            else:
                self.state.images[(project, name)].update(
                    status='READY', archiveSizeBytes=str(archive),
                    diskSizeGb=str(max(1, math.ceil(raw_size / GiB))))
        self._finish(project, operation, error)

    def _read_source(self, source):
        """``(raw size, archive size)`` of a valid tarball; else ValueError."""
        prefix = 'https://storage.googleapis.com/'
        if not source.startswith(prefix):
            raise ValueError('rawDisk.source must be a Cloud Storage URL')
        bucket, _, name = source[len(prefix):].partition('/')
        url = '%s/storage/v1/b/%s/o/%s?alt=media' % (
            self.state.storage, parse.quote(bucket, safe=''),
            parse.quote(name, safe=''))
        try:
            response = urlrequest.urlopen(url, timeout=60)
        except OSError:
            raise ValueError('The source object %s does not exist or '
                             'cannot be read' % source)
        counted = _Counting(response)
        try:
            with tarfile.open(fileobj=counted, mode='r|gz') as tar:
                member = tar.next()
                if member is None or member.name != 'disk.raw' or \
                        not member.isreg():
                    raise ValueError('The first member of the tar archive '
                                     'must be disk.raw')
                data = tar.extractfile(member)
                digest = hashlib.sha512()
                for block in iter(lambda: data.read(1024 * 1024), b''):
                    digest.update(block)
                raw_size = member.size
            while counted.read(1024 * 1024):
                pass
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise ValueError('The source is not a gzip\'d tar archive: %s'
                             % exc)
        finally:
            response.close()
        with self.state.lock:
            self.state.sources.append({
                'source': source, 'first_member': member.name,
                'raw_size': raw_size, 'raw_sha512': digest.hexdigest(),
                'archive_size': counted.count})
        return raw_size, counted.count

    def delete_image(self, project, query, body, name):
        with self.state.lock:
            if self.state.images.pop((project, name), None) is None:
                return _error(404, "The resource 'projects/%s/global/images"
                              "/%s' was not found" % (project, name),
                              'notFound')
            operation = self._operation(project, 'delete', name)
        self._finish(project, operation)
        return 200, self.state.operations[(project, operation['name'])]

    def set_labels(self, project, query, body, name):
        with self.state.lock:
            image = self.state.images.get((project, name))
            if image is None:
                return _error(404, 'not found', 'notFound')
            if body.get('labelFingerprint') != image['labelFingerprint']:
                return _error(412, 'Labels fingerprint either invalid or '
                              'resource labels have changed',
                              'conditionNotMet')
            image['labels'] = dict(body.get('labels') or {})
            image['labelFingerprint'] = uuid.uuid4().hex[:12]
            operation = self._operation(project, 'setLabels', name)
        self._finish(project, operation)
        return 200, self.state.operations[(project, operation['name'])]

    def patch_image(self, project, query, body, name):
        # "Only the following fields can be modified: family,
        # description, deprecation status."
        with self.state.lock:
            image = self.state.images.get((project, name))
            if image is None:
                return _error(404, "The resource 'projects/%s/global/images"
                              "/%s' was not found" % (project, name),
                              'notFound')
            fixed = sorted(k for k, v in body.items()
                           if k not in _PATCHABLE and image.get(k) != v)
            if fixed:
                return _error(400, 'Invalid value for field \'resource.%s\''
                              ': the field cannot be patched' % fixed[0])
            for field in _PATCHABLE:
                if field in body:
                    image[field] = body[field]
            operation = self._operation(project, 'patch', name)
        self._finish(project, operation)
        return 200, self.state.operations[(project, operation['name'])]

    def deprecate_image(self, project, query, body, name):
        # The body is a DeprecationStatus; ACTIVE clears the image's.
        state = body.get('state')
        if state not in _DEPRECATION_STATES:
            return _error(400, "Invalid value for field 'resource.state': "
                          "'%s'" % state)
        unknown = set(body) - _DEPRECATION_FIELDS
        if unknown:
            return _error(400, 'Invalid JSON payload received. Unknown '
                          'name "%s"' % sorted(unknown)[0])
        for field in ('deprecated', 'obsolete', 'deleted'):
            if field in body and not _RFC3339.match(str(body[field])):
                return _error(400, "Invalid value for field 'resource.%s': "
                              "'%s'. Must be an RFC3339 timestamp"
                              % (field, body[field]))
        with self.state.lock:
            image = self.state.images.get((project, name))
            if image is None:
                return _error(404, "The resource 'projects/%s/global/images"
                              "/%s' was not found" % (project, name),
                              'notFound')
            if state == 'ACTIVE':
                image.pop('deprecated', None)
            else:
                image['deprecated'] = dict(body)
            operation = self._operation(project, 'deprecate', name)
        self._finish(project, operation)
        return 200, self.state.operations[(project, operation['name'])]

    # Operations

    def get_operation(self, project, query, body, name):
        with self.state.lock:
            operation = self.state.operations.get((project, name))
        if operation is None:
            return _error(404, 'not found', 'notFound')
        return 200, dict(operation)

    def wait_operation(self, project, query, body, name):
        # Like Compute Engine: returns when DONE or after about 2 minutes.
        deadline = time.monotonic() + 120
        with self.state.lock:
            operation = self.state.operations.get((project, name))
            if operation is None:
                return _error(404, 'not found', 'notFound')
            while operation['status'] != 'DONE':
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.state.lock.wait(left)
            return 200, dict(operation)


class _Counting:
    def __init__(self, stream):
        self.stream = stream
        self.count = 0

    def read(self, size=-1):
        data = self.stream.read(size)
        self.count += len(data)
        return data


def serve(port, storage, host='127.0.0.1'):
    handler = type('BoundHandler', (Handler,), {'state': State(storage)})
    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--storage', required=True,
                        help='base URL of the Cloud Storage emulator')
    args = parser.parse_args()
    server = serve(args.port, args.storage, args.host)
    print('fake compute listening on %s:%d' % (args.host, args.port),
          flush=True)
    server.serve_forever()


if __name__ == '__main__':
    main()
