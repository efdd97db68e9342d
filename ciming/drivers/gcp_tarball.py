"""The gzip'd tar Compute Engine imports, built and read as a stream.

Compute Engine creates an image from a ``.tar.gz`` in Cloud Storage whose
first member is ``disk.raw``. The archive is made here on the fly from the
raw chunks as they arrive: no second copy of the image on disk, memory
bounded by one chunk. A tar header holds the member's size, so the raw
size must be known before the first byte (a converted image's virtual
size).

The gzip stream is written block by block (RFC 1951): runs of zeros
(32 KiB granules) become deflated blocks computed once per run length
and reused, so a sparse image's holes cost neither bandwidth nor CPU;
data goes in stored blocks (``level`` 0, the default: the conductor's
CPU, not the network, is the limit for data that rarely compresses) or
deflated at ``level``. Any gzip reader sees one ordinary stream.
"""

import functools
import io
import struct
import tarfile
import zlib

from ciming.common import exception

MEMBER = 'disk.raw'
BLOCK = tarfile.BLOCKSIZE
GRANULE = 32 * 1024
_STORED_MAX = 65535
# Chunks up to this size are compared with zeros in one go first.
_WHOLE_MAX = 16 * 1024 * 1024
# A gzip header: deflate, no name, no time, unknown OS.
_GZIP_HEADER = b'\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff'
# An empty stored block with BFINAL set: the end of the deflate stream.
_FINAL_BLOCK = b'\x01\x00\x00\xff\xff'
# zlib's window bits for a gzip wrapper (header and crc32 trailer).
_GZIP = 16 + zlib.MAX_WBITS


class TarballError(exception.CimingException):
    _msg_fmt = 'Not an image tarball: %(reason)s'
    code = 'bad_image_tarball'


def header(size, mtime=0):
    """The tar header block(s) of ``disk.raw`` holding ``size`` bytes."""
    info = tarfile.TarInfo(MEMBER)
    info.size = size
    info.mode = 0o644
    info.mtime = mtime
    # GNU format: sizes past 8 GiB are written in base-256, as GNU tar does.
    return info.tobuf(format=tarfile.GNU_FORMAT)


@functools.lru_cache(maxsize=8)
def _zeros(length):
    return bytes(length)


@functools.lru_cache(maxsize=64)
def _deflated_zeros(length):
    """Deflate blocks of ``length`` zeros, ending on a byte boundary."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(_zeros(length)) + compressor.flush(
        zlib.Z_SYNC_FLUSH)


def _stored(data):
    """``data`` as stored (uncompressed) deflate blocks."""
    view = memoryview(data)
    parts = []
    for start in range(0, len(view), _STORED_MAX):
        piece = view[start:start + _STORED_MAX]
        parts.append(struct.pack('<BHH', 0, len(piece),
                                 len(piece) ^ 0xFFFF))
        parts.append(piece)
    return b''.join(parts)


def _runs(chunk):
    """``(is_zero, start, end)`` runs of a chunk, by granules."""
    if len(chunk) <= _WHOLE_MAX and chunk == _zeros(len(chunk)):
        yield True, 0, len(chunk)  # the common hole: one comparison
        return
    run_start, run_zero = 0, None
    for start in range(0, len(chunk), GRANULE):
        end = min(start + GRANULE, len(chunk))
        zero = chunk[start:end] == _zeros(end - start)
        if zero != run_zero and run_zero is not None:
            yield run_zero, run_start, start
            run_start = start
        run_zero = zero
    if run_zero is not None:
        yield run_zero, run_start, len(chunk)


class _Deflater:
    """Deflate blocks of chunks: zero runs reused, data stored or deflated."""

    def __init__(self, level):
        self.level = level
        self.crc = 0
        self.size = 0

    def blocks(self, chunk):
        chunk = bytes(chunk) if isinstance(chunk, memoryview) else chunk
        self.crc = zlib.crc32(chunk, self.crc)
        self.size += len(chunk)
        parts = []
        for zero, start, end in _runs(chunk):
            if zero:
                parts.append(_deflated_zeros(end - start))
            elif self.level:
                compressor = zlib.compressobj(self.level, zlib.DEFLATED,
                                              -zlib.MAX_WBITS)
                parts.append(compressor.compress(chunk[start:end]))
                parts.append(compressor.flush(zlib.Z_SYNC_FLUSH))
            else:
                parts.append(_stored(chunk[start:end]))
        return b''.join(parts)

    def trailer(self):
        return _FINAL_BLOCK + struct.pack('<II', self.crc & 0xFFFFFFFF,
                                          self.size & 0xFFFFFFFF)


def build(chunks, size, level=0):
    """Yield the gzip'd tar of the raw ``chunks`` (``size`` bytes in all).

    Raises TarballError when the chunks do not add up to ``size``: the
    header already promised it.
    """
    deflater = _Deflater(level)
    yield _GZIP_HEADER + deflater.blocks(header(size))
    seen = 0
    for chunk in chunks:
        seen += len(chunk)
        if seen > size:
            raise TarballError(reason='more than the %d bytes announced'
                               % size)
        if chunk:
            yield deflater.blocks(chunk)
    if seen != size:
        raise TarballError(reason='%d bytes, %d announced' % (seen, size))
    # End of archive: the data's padding, then two empty blocks.
    yield deflater.blocks(bytes(-size % BLOCK + 2 * BLOCK))
    yield deflater.trailer()


class DiskReader(io.RawIOBase):
    """``disk.raw``'s bytes, read out of a gzip'd tar stream.

    ``source`` is a readable binary stream of the archive; it must hold
    ``disk.raw`` as its first member (what Compute Engine demands too).
    """

    def __init__(self, source, read_size=1024 * 1024):
        super().__init__()
        self._source = source
        self._read_size = read_size
        self._inflater = zlib.decompressobj(_GZIP)
        self._buffer = bytearray()
        self._eof = False
        self.size = self._read_header()
        self._left = self.size

    def _fill(self, wanted):
        while len(self._buffer) < wanted and not self._eof:
            data = self._source.read(self._read_size)
            if not data:
                self._eof = True
                self._buffer += self._inflater.flush()
                break
            try:
                self._buffer += self._inflater.decompress(data)
            except zlib.error as exc:
                raise TarballError(reason='not gzip data (%s)' % exc)

    def _take(self, size):
        self._fill(size)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def _read_header(self):
        block = self._take(BLOCK)
        try:
            info = tarfile.TarInfo.frombuf(block, 'utf-8', 'surrogateescape')
        except tarfile.HeaderError as exc:
            raise TarballError(reason=str(exc))
        if info.type in (tarfile.GNUTYPE_LONGNAME, tarfile.XHDTYPE,
                         tarfile.XGLTYPE):
            raise TarballError(reason='extended headers are not supported')
        if info.name != MEMBER or not info.isreg():
            raise TarballError(reason='the first member is %r, not %s'
                               % (info.name, MEMBER))
        return info.size

    def readable(self):
        return True

    def readinto(self, buffer):
        if self._left <= 0:
            return 0
        want = min(len(buffer), self._left)
        data = self._take(want)
        if not data:
            raise TarballError(reason='the archive ends %d bytes early'
                               % self._left)
        buffer[:len(data)] = data
        self._left -= len(data)
        return len(data)

    def close(self):
        try:
            close = getattr(self._source, 'close', None)
            if close is not None:
                close()
        finally:
            super().close()
