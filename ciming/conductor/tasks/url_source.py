"""Reading an image from a URL, for the transfer to fan out.

A job created from a URL records ``{"type": "url", "url", "checksum":
"sha256:<hex>"}`` or ``{"type": "url", "url", "checksums_url"}`` as its
source. The URL is checked by :mod:`ciming.common.url_filter` again here,
right before connecting, and the connection goes to the address that
check returned (the host name is only sent as ``Host`` and TLS server
name): a name resolving elsewhere now than when the API checked it
changes nothing. Redirects are checked the same way.

The data is hashed (sha256) as it is read; a mismatch, an oversize body or
a broken-off download raise at the end of the stream, before the targets
are told the data is complete, so no target keeps it.
"""

import hashlib
import re
import ssl
from urllib import parse

from oslo_log import log
import tenacity
import urllib3
from urllib3 import exceptions as urllib3_exc

from ciming.common import exception
from ciming.common import url_filter
from ciming.conf import CONF

LOG = log.getLogger(__name__)

SOURCE_TYPE = url_filter.SOURCE_TYPE
CHECKSUM_PREFIX = 'sha256:'

_REDIRECTS = (301, 302, 303, 307, 308)
_USER_AGENT = 'CIMinG-url-import'
# One line of GNU coreutils' sha256sum output, or of its --tag output.
_GNU_LINE = re.compile(r'^\\?([0-9a-fA-F]{64}) [ *](.+)$')
_BSD_LINE = re.compile(r'^SHA256 ?\((.+)\) ?= ?([0-9a-fA-F]{64})$')


class _Retryable(exception.URLImportFailed):
    """A failure worth connecting again for (no data was read yet)."""


def _failed(reason):
    return exception.URLImportFailed(reason=reason)


def open_source(source):
    """The data at ``source['url']``, verified against its sha256.

    Returns a file-like object (also a context manager) whose last
    ``read`` (the one returning ``b''``) raises
    :class:`~ciming.common.exception.URLImportFailed` when the data is
    not what was expected.
    """
    expected = expected_sha256(source)
    response = _open(source['url'], CONF.url_import.max_size)
    return _VerifiedData(response, expected, CONF.url_import.max_size)


def expected_sha256(source):
    """The sha256 (hex) the data must have: given, or from a SHA256SUMS."""
    checksum = source.get('checksum')
    if checksum:
        return checksum[len(CHECKSUM_PREFIX):].lower()
    url = source['checksums_url']
    limit = CONF.url_import.max_checksums_size
    with _open(url, limit) as response:
        data = _read_all(response, limit)
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError:
        raise _failed('the checksums file is not UTF-8 text')
    try:
        name = url_filter.file_name(source['url'])
    except UnicodeDecodeError:
        name = ''
    return parse_checksums(text, name)


def parse_checksums(text, name):
    """The sha256 of file ``name`` in a ``sha256sum`` output ``text``.

    Both ``<hex>  name`` (or ``<hex> *name``) and ``SHA256 (name) = <hex>``
    lines are read; ``./name`` is ``name``. Two different hashes for the
    name, or none, are an error.
    """
    if not name:
        raise _failed('the URL names no file to look up in the checksums '
                      'file')
    found = set()
    for line in text.splitlines():
        line = line.strip()
        gnu = _GNU_LINE.match(line)
        bsd = _BSD_LINE.match(line)
        if gnu:
            digest, listed = gnu.group(1), gnu.group(2)
        elif bsd:
            listed, digest = bsd.group(1), bsd.group(2)
        else:
            continue
        if listed.startswith('./'):
            listed = listed[2:]
        if listed == name:
            found.add(digest.lower())
    quoted = parse.quote(name)
    if not found:
        raise _failed('the checksums file has no sha256 for %s' % quoted)
    if len(found) > 1:
        raise _failed('the checksums file has different sha256 values for '
                      '%s' % quoted)
    return found.pop()


def _read_all(response, limit):
    data = bytearray()
    while True:
        chunk = response.read(64 * 1024)
        if not chunk:
            return bytes(data)
        data += chunk
        if len(data) > limit:
            raise _failed('the checksums file is larger than %d bytes'
                          % limit)


def _open(url, limit):
    """A 200 answer for ``url``; retried on 5xx or no connection."""
    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(CONF.url_import.connect_retries
                                         + 1),
        wait=tenacity.wait_exponential(multiplier=0.5, max=5),
        retry=tenacity.retry_if_exception_type(_Retryable),
        reraise=True)
    return retrying(_open_once, url, limit)


def _open_once(url, limit):
    """Follow redirects (each one checked) to a 200 answer."""
    for _hop in range(CONF.url_import.max_redirects + 1):
        target = url_filter.check_url(url)
        response = _Response(target)
        status = response.status
        if status in _REDIRECTS:
            location = response.headers.get('Location')
            response.close()
            if not location or CONF.url_import.max_redirects == 0:
                raise _failed('the server answered a redirect (HTTP %d)'
                              % status)
            url = parse.urljoin(url, location)
            continue
        if status >= 500:
            response.close()
            raise _Retryable(reason='the server answered HTTP %d' % status)
        if status != 200:
            response.close()
            raise _failed('the server answered HTTP %d' % status)
        length = response.headers.get('Content-Length')
        if length and length.isdigit() and int(length) > limit:
            response.close()
            raise _failed('the data is larger than the %d bytes allowed'
                          % limit)
        return response
    raise _failed('more than %d redirects' % CONF.url_import.max_redirects)


class _Response:
    """A GET answer from the checked address of a :class:`Target`."""

    def __init__(self, target):
        conf = CONF.url_import
        address = target.addresses[0]
        kwargs = {'timeout': urllib3.Timeout(connect=conf.connect_timeout,
                                             read=conf.read_timeout),
                  'retries': False, 'maxsize': 1}
        if target.scheme == 'https':
            context = ssl.create_default_context(cafile=conf.ca_file)
            self._pool = urllib3.HTTPSConnectionPool(
                address, target.port, ssl_context=context,
                server_hostname=target.host, assert_hostname=target.host,
                **kwargs)
        else:
            self._pool = urllib3.HTTPConnectionPool(address, target.port,
                                                    **kwargs)
        try:
            self._response = self._pool.urlopen(
                'GET', target.request_path,
                headers={'Host': target.host_header,
                         'User-Agent': _USER_AGENT,
                         'Accept-Encoding': 'identity'},
                redirect=False, retries=False, preload_content=False,
                decode_content=False, assert_same_host=False)
        except (urllib3_exc.HTTPError, OSError) as exc:
            self._pool.close()
            LOG.info('Cannot reach %(host)s at %(address)s: %(error)s',
                     {'host': target.host, 'address': address,
                      'error': exc})
            raise _Retryable(reason='cannot connect to the server (%s)'
                             % type(exc).__name__)
        self.status = self._response.status
        self.headers = self._response.headers

    def read(self, size):
        try:
            return self._response.read(size, decode_content=False)
        except (urllib3_exc.HTTPError, OSError) as exc:
            raise _failed('the download broke off (%s)'
                          % type(exc).__name__)

    def close(self):
        self._response.release_conn()
        self._response.close()
        self._pool.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _VerifiedData:
    """The body of a URL, hashed as read; checked when it ends."""

    def __init__(self, response, expected_sha256, limit):
        self._response = response
        self._expected = expected_sha256
        self._limit = limit
        self._sha256 = hashlib.sha256()
        self._size = 0

    def read(self, size=-1):
        chunk = self._response.read(None if size < 0 else size)
        if chunk:
            self._size += len(chunk)
            if self._size > self._limit:
                raise _failed('the data is larger than the %d bytes '
                              'allowed' % self._limit)
            self._sha256.update(chunk)
            return chunk
        actual = self._sha256.hexdigest()
        if actual != self._expected:
            raise _failed('the data has sha256 %s, expected %s'
                          % (actual, self._expected))
        return b''

    def close(self):
        self._response.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
