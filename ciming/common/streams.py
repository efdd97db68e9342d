"""Streaming helpers: read a source once, feed many consumers in parallel.

Memory stays bounded by chunk size x queue depth x consumers, whatever the
image size: the reader waits while a consumer's queue is full.
"""

import hashlib
import queue
import threading

from ciming.common import exception

HASH_ALGO = 'sha512'

_END = object()
_ABORT = object()
_PUT_POLL = 0.1


class TransferAborted(exception.CimingException):
    _msg_fmt = 'The transfer was aborted: %(reason)s'
    code = 'transfer_aborted'


def read_chunks(fileobj, chunk_size, limit=None):
    """Yield chunks of a binary file object until EOF or ``limit`` bytes."""
    remaining = limit
    while remaining is None or remaining > 0:
        size = chunk_size if remaining is None else min(chunk_size,
                                                        remaining)
        chunk = fileobj.read(size)
        if not chunk:
            return
        if remaining is not None:
            remaining -= len(chunk)
        yield chunk


def frames(chunks, size):
    """Cut chunks into pieces of at most ``size`` bytes, without copying.

    The pieces are memoryviews of the chunks: an HTTP client that sends
    each piece as one chunk of a chunked request controls how much the
    receiving server reads at a time.
    """
    for chunk in chunks:
        if len(chunk) <= size:
            yield chunk
            continue
        view = memoryview(chunk)
        for start in range(0, len(view), size):
            yield view[start:start + size]


class _Consumer:
    """One consumer thread, fed through its own bounded queue."""

    def __init__(self, name, consume, depth, essential):
        self.name = name
        self.essential = essential
        self.bytes = 0
        self.error = None
        self.reached_end = False
        self._consume = consume
        self._queue = queue.Queue(maxsize=depth)
        self._thread = threading.Thread(
            target=self._run, name='fanout-%s' % name, daemon=True)

    def start(self):
        self._thread.start()

    def _chunks(self):
        while True:
            item = self._queue.get()
            if item is _END:
                self.reached_end = True
                return
            if item is _ABORT:
                raise TransferAborted(reason='source stopped')
            self.bytes += len(item)
            yield item

    def _run(self):
        try:
            self._consume(self._chunks())
            if not self.reached_end:
                raise exception.TransferFailed(
                    reason='%s stopped before the end of the data'
                    % self.name)
        except Exception as exc:
            self.error = exc

    @property
    def alive(self):
        return self._thread.is_alive()

    def put(self, item):
        """Queue an item; False when the consumer is gone."""
        while self.alive:
            try:
                self._queue.put(item, timeout=_PUT_POLL)
                return True
            except queue.Full:
                continue
        return False

    def join(self):
        self._thread.join()


class FanOut:
    """Feed one iterable of chunks to named consumers in parallel.

    Each consumer is a callable taking an iterator of chunks; it runs in a
    thread of its own. A consumer that fails is dropped and the others go
    on; reading stops early once no essential consumer is left (hashers
    are not essential). ``run`` returns ``{name: exception or None}``.
    """

    def __init__(self, queue_depth, progress=None):
        self.queue_depth = queue_depth
        self.bytes_read = 0
        self._progress = progress
        self._consumers = {}

    def add(self, name, consume, essential=True):
        self._consumers[name] = _Consumer(name, consume, self.queue_depth,
                                          essential)

    def bytes_consumed(self):
        return {name: c.bytes for name, c in self._consumers.items()}

    def run(self, chunks):
        """Stream ``chunks`` to every consumer; re-raise a source error."""
        consumers = list(self._consumers.values())
        has_essential = any(c.essential for c in consumers)
        for consumer in consumers:
            consumer.start()
        total = 0
        try:
            for chunk in chunks:
                live = [c for c in consumers if c.put(chunk)]
                total += len(chunk)
                self.bytes_read = total
                if self._progress is not None:
                    self._progress(total, self)
                if has_essential and not any(c.essential for c in live):
                    break
        except BaseException:
            for consumer in consumers:
                consumer.put(_ABORT)
                consumer.join()
            raise
        for consumer in consumers:
            consumer.put(_END)
        for consumer in consumers:
            consumer.join()
        return {c.name: c.error for c in consumers}


class Digests:
    """md5 and sha512 of a stream, computed in parallel consumer threads."""

    def __init__(self):
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._sha = hashlib.new(HASH_ALGO)
        self.size = 0

    def attach(self, fanout):
        fanout.add('md5', self._feed(self._md5, count=True),
                   essential=False)
        fanout.add(HASH_ALGO, self._feed(self._sha), essential=False)

    def _feed(self, hasher, count=False):
        def consume(chunks):
            for chunk in chunks:
                hasher.update(chunk)
                if count:
                    self.size += len(chunk)
        return consume

    @property
    def checksum(self):
        return self._md5.hexdigest()

    @property
    def os_hash_value(self):
        return self._sha.hexdigest()
