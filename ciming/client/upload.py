"""Image data as a streamed request body, never read whole in memory.

:class:`UploadBody` is what the client hands to requests for ``PUT
/v1/images/{id}/file``: an iterable of chunks read from a file as they are
sent. When the size is known (a path, a regular file) it has a length, so
requests sends a ``Content-Length``; otherwise (a pipe, a socket) requests
sends it chunked. A progress callback is told the bytes sent so far.
"""

import os

CHUNK_SIZE = 1024 * 1024


def _size_of(fileobj):
    """Bytes left to read in a regular file, or None."""
    try:
        fileno = fileobj.fileno()
    except (AttributeError, OSError, ValueError):
        fileno = None
    if fileno is not None:
        try:
            stat = os.fstat(fileno)
        except OSError:
            return None
        if not os.path.stat.S_ISREG(stat.st_mode):
            return None
        try:
            position = fileobj.tell()
        except (AttributeError, OSError):
            position = 0
        return max(stat.st_size - position, 0)
    try:
        position = fileobj.tell()
        end = fileobj.seek(0, os.SEEK_END)
        fileobj.seek(position)
        return end - position
    except (AttributeError, OSError, ValueError):
        return None


class UploadBody:
    """Chunks of ``fileobj`` for requests, with an optional progress call.

    :param fileobj: a binary file-like object (``read(n)``).
    :param size: bytes to send; found from the file when it can be.
    :param progress: ``progress(bytes_sent, total_or_None)``, called after
        every chunk.
    """

    def __init__(self, fileobj, size=None, progress=None,
                 chunk_size=CHUNK_SIZE):
        self.fileobj = fileobj
        self.size = _size_of(fileobj) if size is None else size
        self.progress = progress
        self.chunk_size = chunk_size
        self.sent = 0

    def __len__(self):
        # requests sends Content-Length when the body has a length; a
        # zero-length body of unknown size goes chunked instead.
        return self.size or 0

    def __bool__(self):
        return True

    def __iter__(self):
        while True:
            want = self.chunk_size
            if self.size is not None:
                want = min(want, self.size - self.sent)
                if want <= 0:
                    break
            chunk = self.fileobj.read(want)
            if not chunk:
                break
            self.sent += len(chunk)
            if self.progress is not None:
                self.progress(self.sent, self.size)
            yield chunk


def open_data(data):
    """A binary file object of a path or file-like, and whether we own it."""
    if isinstance(data, (str, os.PathLike)):
        return open(data, 'rb'), True
    if not hasattr(data, 'read'):
        raise TypeError('image data must be a path or a file-like object, '
                        'not %s' % type(data).__name__)
    return data, False
