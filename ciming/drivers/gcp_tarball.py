"""The gzip'd tar Compute Engine imports, built and read as a stream.

Compute Engine creates an image from a ``.tar.gz`` in Cloud Storage whose
first member is ``disk.raw``. The archive is made here on the fly from the
raw chunks as they arrive: no second copy of the image on disk, memory
bounded by one chunk. A tar header holds the member's size, so the raw
size must be known before the first byte (a converted image's virtual
size). Runs of zeros compress to almost nothing: a sparse image costs
little bandwidth though its holes are sent as data.
"""

import io
import tarfile
import zlib

from ciming.common import exception

MEMBER = 'disk.raw'
BLOCK = tarfile.BLOCKSIZE
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


def _padding(size):
    return bytes(-size % BLOCK)


def build(chunks, size, level=1):
    """Yield the gzip'd tar of the raw ``chunks`` (``size`` bytes in all).

    Raises TarballError when the chunks do not add up to ``size``: the
    header already promised it.
    """
    compressor = zlib.compressobj(level, zlib.DEFLATED, _GZIP)
    out = compressor.compress(header(size))
    if out:
        yield out
    seen = 0
    for chunk in chunks:
        seen += len(chunk)
        if seen > size:
            raise TarballError(reason='more than the %d bytes announced'
                               % size)
        out = compressor.compress(chunk)
        if out:
            yield out
    if seen != size:
        raise TarballError(reason='%d bytes, %d announced' % (seen, size))
    # End of archive: the data's padding, then two empty blocks.
    yield compressor.compress(_padding(size) + bytes(2 * BLOCK))
    yield compressor.flush()


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
