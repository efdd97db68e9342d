"""Stream an upload from the WSGI input into the staging area.

The body is read in ``[api] upload_chunk_size`` chunks and fanned out to
the staging file and to the md5 and sha512 digests, each in its own
thread, so memory stays bounded whatever the image size. Nothing here
touches the database: the images controller decides what a finished (or
failed) upload means for the image.
"""

import base64
import binascii
import re

from oslo_log import log

from ciming.common import exception
from ciming.common import image_format
from ciming.common import staging
from ciming.common import streams
from ciming.conf import CONF

LOG = log.getLogger(__name__)

MD5_HEADER = 'Content-MD5'
HASH_HEADER = 'X-Image-Os-Hash-Value'

_HEX = re.compile(r'^[0-9a-fA-F]+$')


class Expected:
    """What the client announced: length and optional checksums."""

    def __init__(self, length, checksum=None, os_hash_value=None):
        self.length = length
        self.checksum = checksum
        self.os_hash_value = os_hash_value

    @classmethod
    def from_request(cls, request):
        """Check the announced size and checksums before reading a byte."""
        cap = CONF.api.image_size_cap
        length = request.content_length
        chunked = 'chunked' in request.headers.get(
            'Transfer-Encoding', '').lower()
        if length is None and not (
                chunked or request.environ.get('wsgi.input_terminated')):
            raise exception.LengthRequired()
        if length is not None and length > cap:
            raise exception.ImageTooLarge(cap=cap)
        return cls(length,
                   _md5_hex(request.headers.get(MD5_HEADER)),
                   _sha512_hex(request.headers.get(HASH_HEADER)))


def _md5_hex(value):
    """An md5 from Content-MD5: RFC 1864 base64, or 32 hex digits."""
    if value is None:
        return None
    value = value.strip()
    if len(value) == 32 and _HEX.match(value):
        return value.lower()
    try:
        digest = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        digest = b''
    if len(digest) != 16:
        raise exception.InvalidParameterValue(
            err='%s must be a base64 (RFC 1864) or hex md5 digest.'
                % MD5_HEADER)
    return digest.hex()


def _sha512_hex(value):
    if value is None:
        return None
    value = value.strip()
    if len(value) != 128 or not _HEX.match(value):
        raise exception.InvalidParameterValue(
            err='%s must be a hex sha512 digest.' % HASH_HEADER)
    return value.lower()


class _UwsgiChunkedBody:
    """A chunked request body under uwsgi, as a file object.

    uwsgi gives the application a chunked body (any upload Apache
    proxies with ``proxy-sendchunked``, as devstack does) through its
    ``chunked_read`` API only: ``wsgi.input`` reads nothing.
    """

    def __init__(self, uwsgi):
        self._uwsgi = uwsgi
        self._buffer = bytearray()
        self._ended = False

    def read(self, size):
        while len(self._buffer) < size and not self._ended:
            chunk = self._uwsgi.chunked_read()
            if chunk:
                self._buffer += chunk
            else:
                self._ended = True
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data


def request_body(request):
    """The body of an upload request as a file object to read from."""
    environ = request.environ
    chunked = 'chunked' in request.headers.get('Transfer-Encoding',
                                               '').lower()
    if chunked and 'uwsgi.version' in environ:
        import uwsgi  # only importable inside uwsgi
        return _UwsgiChunkedBody(uwsgi)
    return environ['wsgi.input']


def _body_chunks(stream, expected, image_id, stop):
    """Chunks of the body, refusing anything past the size cap.

    ``stop`` (an Event) ends the upload: its lease is lost.
    """
    cap = CONF.api.image_size_cap
    # Reading one byte past the cap tells a too large chunked body apart.
    limit = cap + 1 if expected.length is None else expected.length
    total = 0
    for chunk in streams.read_chunks(stream, CONF.api.upload_chunk_size,
                                     limit=limit):
        total += len(chunk)
        if total > cap:
            raise exception.ImageTooLarge(cap=cap)
        if stop is not None and stop.is_set():
            raise exception.UploadLeaseLost(image=image_id)
        yield chunk
    if expected.length is not None and total != expected.length:
        raise exception.IncompleteBody(received=total,
                                       expected=expected.length)


def _calling_once(chunks, threshold, call):
    """The chunks; ``call()`` once more than ``threshold`` bytes came."""
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if call is not None and total > threshold:
            call()
            call = None
        yield chunk


def stream_to_staging(image_id, wsgi_input, expected, disk_format,
                      stop=None, on_more_than_a_chunk=None):
    """Write the body to the staging area; return its Digests, inspector.

    The data is inspected as it flows (:mod:`ciming.common.image_format`):
    data that is not ``disk_format``, or that is unsafe, is refused. On
    any error the partial file is removed and the error raised; on
    success the data is committed (visible to the conductors). ``stop``
    (an Event) stops it with UploadLeaseLost. ``on_more_than_a_chunk()``
    is called once the body proved longer than one chunk (``[api]
    upload_chunk_size``), the first having passed the inspection: a job
    may read the partial file from then on.
    """
    area = staging.StagingArea()

    def write(chunks):
        with area.open_writer(image_id) as out:
            for chunk in chunks:
                out.write(chunk)

    fanout = streams.FanOut(CONF.transfer.queue_depth)
    fanout.add('staging', write)
    digests = streams.Digests()
    digests.attach(fanout)
    inspector = image_format.StreamInspector(disk_format)
    try:
        errors = fanout.run(_calling_once(
            inspector.inspect(_body_chunks(wsgi_input, expected, image_id,
                                           stop)),
            CONF.api.upload_chunk_size, on_more_than_a_chunk))
        failed = {name: err for name, err in errors.items() if err}
        if failed:
            for name, err in failed.items():
                LOG.error('Upload of image %s: %s failed: %s', image_id,
                          name, err)
            raise exception.CimingException(
                'Writing the upload of image %s failed.' % image_id)
        if digests.size == 0:
            raise exception.Invalid(reason='the upload is empty')
        if (expected.checksum is not None
                and expected.checksum != digests.checksum):
            raise exception.DataChecksumMismatch(header=MD5_HEADER)
        if (expected.os_hash_value is not None
                and expected.os_hash_value != digests.os_hash_value):
            raise exception.DataChecksumMismatch(header=HASH_HEADER)
        area.commit(image_id)
    except BaseException:
        discard(image_id)
        raise
    return digests, inspector


def discard(image_id):
    """Remove the staged data of an image, logging (not raising) errors."""
    try:
        staging.StagingArea().delete(image_id)
    except OSError as exc:
        LOG.error('Could not remove the staged data of image %s: %s',
                  image_id, exc)
