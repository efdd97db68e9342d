"""Cloud Storage objects through the JSON API: resumable upload, read, delete.

The upload is a resumable session fed with a stream whose total size is
not known until its end (a gzip'd tarball built on the fly): every piece
but the last is a multiple of 256 KiB sent with ``Content-Range:
bytes a-b/*``. When a connection breaks, the session is asked how much it
committed (``bytes */*`` answers 308 with ``Range``) and the piece is sent
again from there; the pieces already committed are not sent twice. Only
the piece in flight is kept in memory.

google-auth's AuthorizedSession (requests) adds and renews the access
token; googleapiclient's media upload needs a seekable file, which a
stream built on the fly is not.
"""

import time
from urllib import parse

from oslo_log import log
import requests

from ciming.common import exception

LOG = log.getLogger(__name__)

QUANTUM = 256 * 1024
_RESUME_INCOMPLETE = 308
_RETRIABLE = (requests.ConnectionError, requests.Timeout)
_RETRY_STATUS = (429, 500, 502, 503, 504)


class Bucket:
    """One bucket, through one authorized session.

    ``endpoint`` is the storage service's base URL (the real one unless
    a stand-in is configured).
    """

    def __init__(self, session, endpoint, bucket, cloud_name,
                 piece_size=16 * 1024 * 1024, attempts=5, backoff=1.0):
        self.session = session
        self.endpoint = endpoint.rstrip('/')
        self.bucket = bucket
        self.cloud_name = cloud_name
        self.piece_size = max(QUANTUM, piece_size - piece_size % QUANTUM)
        self.attempts = attempts
        self.backoff = backoff
        # Byte counts of the last upload: what went on the wire, and how
        # often a broken connection was resumed (benchmarks, tests).
        self.bytes_sent = 0
        self.resumes = 0

    def _error(self, what, detail):
        return exception.DriverError(cloud=self.cloud_name,
                                     reason='%s: %s' % (what, detail))

    def _object_url(self, name, upload=False):
        base = self.endpoint + ('/upload' if upload else '')
        if upload:
            return '%s/storage/v1/b/%s/o' % (base, parse.quote(
                self.bucket, safe=''))
        return '%s/storage/v1/b/%s/o/%s' % (
            base, parse.quote(self.bucket, safe=''),
            parse.quote(name, safe=''))

    def _request(self, what, method, url, ok=(200,), **kwargs):
        try:
            response = self.session.request(method, url, timeout=300,
                                            **kwargs)
        except requests.RequestException as exc:
            raise self._error(what, exc.__class__.__name__)
        if response.status_code not in ok:
            if response.status_code in (401, 403):
                raise exception.CloudAuthFailed(
                    cloud=self.cloud_name,
                    reason='%s: %d' % (what, response.status_code))
            raise self._error(what, '%d %s' % (response.status_code,
                                               response.text[:200]))
        return response

    # Reading and deleting

    def get_bucket(self):
        return self._request('read bucket %s' % self.bucket, 'GET',
                             '%s/storage/v1/b/%s' % (
                                 self.endpoint,
                                 parse.quote(self.bucket, safe=''))).json()

    def test_permissions(self, permissions):
        """Raise CloudAuthFailed unless the caller holds ``permissions``."""
        response = self._request(
            'check permissions on bucket %s' % self.bucket, 'GET',
            '%s/storage/v1/b/%s/iam/testPermissions' % (
                self.endpoint, parse.quote(self.bucket, safe='')),
            params={'permissions': list(permissions)})
        missing = set(permissions) - set(
            response.json().get('permissions') or ())
        if missing:
            raise exception.CloudAuthFailed(
                cloud=self.cloud_name, reason='missing %s on bucket %s' % (
                    ', '.join(sorted(missing)), self.bucket))

    def put(self, name, data):
        """Store a small object in one request."""
        self._request('write object %s' % name, 'POST',
                      self._object_url(name, upload=True),
                      params={'uploadType': 'media', 'name': name},
                      data=data,
                      headers={'Content-Type': 'application/octet-stream'})

    def stat(self, name):
        """The object's metadata, or None when it does not exist."""
        response = self._request('read object %s' % name, 'GET',
                                 self._object_url(name), ok=(200, 404))
        return response.json() if response.status_code == 200 else None

    def open(self, name):
        """A readable binary stream of the object's data."""
        response = self._request('read object %s' % name, 'GET',
                                 self._object_url(name),
                                 params={'alt': 'media'}, stream=True)
        response.raw.decode_content = False
        return response.raw

    def delete(self, name):
        """Delete the object; no error when it is already gone."""
        self._request('delete object %s' % name, 'DELETE',
                      self._object_url(name), ok=(200, 204, 404))

    # Uploading

    def _session_url(self, name):
        response = self._request(
            'start upload of %s' % name, 'POST',
            self._object_url(name, upload=True),
            params={'uploadType': 'resumable', 'name': name},
            json={'name': name, 'contentType': 'application/gzip'},
            headers={'X-Upload-Content-Type': 'application/gzip'})
        location = response.headers.get('Location')
        if not location:
            raise self._error('start upload of %s' % name,
                              'no session URL in the answer')
        # A stand-in may answer with its public name; keep talking to the
        # endpoint configured.
        found, ours = parse.urlsplit(location), parse.urlsplit(self.endpoint)
        return parse.urlunsplit((ours.scheme, ours.netloc) + found[2:])

    def upload(self, name, chunks):
        """Upload the byte ``chunks`` as object ``name``; its size.

        The stream's total is learnt at its end; a broken connection is
        resumed from what the session committed.
        """
        self.bytes_sent = 0
        self.resumes = 0
        url = self._session_url(name)
        committed = 0
        piece = bytearray()
        for chunk in chunks:
            piece += chunk
            while len(piece) >= self.piece_size + QUANTUM:
                # Keep a remainder back: the last piece must carry the
                # total, and may be empty only if something precedes it.
                size = self.piece_size
                committed = self._send(url, piece, size, committed, None)
                del piece[:size]
        total = committed + len(piece)
        self._send(url, piece, len(piece), committed, total)
        return total

    def _send(self, url, piece, size, start, total):
        """Send ``piece[:size]`` at offset ``start``; the new committed end.

        The session may commit less than was sent (a broken connection,
        or a server that keeps whole quanta only): the rest is sent
        again, from the offset it reports.
        """
        end = start + size
        offset = start
        failures = 0
        while True:
            # A copy, not a view: a view kept alive by a traceback would
            # forbid trimming the piece buffer afterwards.
            data = bytes(piece[offset - start:size])
            if size == 0 or offset == end:
                crange = 'bytes */%d' % total
            else:
                crange = 'bytes %d-%d/%s' % (
                    offset, end - 1, '*' if total is None else total)
            # Counted as sent even when the connection breaks mid-way.
            self.bytes_sent += len(data)
            try:
                response = self.session.request(
                    'PUT', url, data=data,
                    headers={'Content-Range': crange}, timeout=300)
            except _RETRIABLE as exc:
                failures += 1
                if failures >= self.attempts:
                    raise self._error('upload', exc.__class__.__name__)
                LOG.info('Upload to %(cloud)s broke at about %(offset)d '
                         'bytes (%(error)s); resuming',
                         {'cloud': self.cloud_name, 'offset': offset,
                          'error': exc.__class__.__name__})
                time.sleep(self.backoff * failures)
                offset = self._committed(url, start)
                self.resumes += 1
                continue
            status = response.status_code
            if status in (200, 201):
                return end
            if status == _RESUME_INCOMPLETE:
                reported = _range_end(response, start)
                if total is None and reported >= end:
                    return reported
                if reported < start or reported <= offset and (
                        failures + 1 >= self.attempts):
                    raise self._error('upload', 'the session committed '
                                      '%d bytes of %d' % (reported, end))
                if reported <= offset:
                    failures += 1
                offset = reported
                continue
            if status in _RETRY_STATUS and failures + 1 < self.attempts:
                failures += 1
                time.sleep(self.backoff * failures)
                offset = self._committed(url, start)
                continue
            raise self._error('upload', '%d %s' % (status,
                                                   response.text[:200]))

    def _committed(self, url, floor):
        """How many bytes the session holds; never below ``floor``."""
        last_error = None
        for attempt in range(self.attempts):
            try:
                response = self.session.request(
                    'PUT', url, data=b'',
                    headers={'Content-Range': 'bytes */*'}, timeout=60)
            except _RETRIABLE as exc:
                last_error = exc
                time.sleep(self.backoff * (attempt + 1))
                continue
            if response.status_code in (200, 201):
                raise self._error('upload', 'the session ended early')
            if response.status_code != _RESUME_INCOMPLETE:
                raise self._error('upload', 'session status %d'
                                  % response.status_code)
            offset = _range_end(response, 0)
            if offset < floor:
                # What was acknowledged is gone: the piece holding it
                # is no longer in memory.
                raise self._error('upload', 'the session lost committed '
                                  'data (%d < %d)' % (offset, floor))
            return offset
        raise self._error('upload', last_error.__class__.__name__)


def _range_end(response, default):
    """The end offset a 308 answer's ``Range: bytes=0-N`` reports."""
    value = response.headers.get('Range')
    if not value:
        return default
    try:
        return int(value.rsplit('-', 1)[1]) + 1
    except (IndexError, ValueError):
        return default
