"""Image data in EBS snapshots, through the EBS direct APIs.

A raw image is the blocks of a snapshot: written with ``start_snapshot``,
``put_snapshot_block`` and ``complete_snapshot``, read with
``list_snapshot_blocks`` and ``get_snapshot_block``. Blocks are 512 KiB,
each sent and checked with its SHA-256; blocks of zeros are neither sent
nor stored (a snapshot is sparse), and read back as zeros.

Both directions work in a bounded thread pool: at most ``workers`` calls
run and ``2 x workers`` blocks wait, whatever the image size.
"""

import base64
from concurrent import futures
import functools
import hashlib
import threading

from ciming.common import exception

BLOCK_SIZE = 512 * 1024
GiB = 1024 ** 3


@functools.lru_cache(maxsize=1)
def _zero_block():
    return bytes(BLOCK_SIZE)


def volume_size_gib(size):
    """The smallest volume, in GiB, that holds ``size`` bytes (1 at least)."""
    return max(1, -(-size // GiB))


def block_checksum(data):
    """SHA-256 of a block, base64-encoded as the EBS direct APIs want it."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode('ascii')


def aggregated_checksum(checksums):
    """The LINEAR aggregation of block checksums given in index order."""
    digest = hashlib.sha256()
    for checksum in checksums:
        digest.update(base64.b64decode(checksum))
    return base64.b64encode(digest.digest()).decode('ascii')


class _Window:
    """Calls in a thread pool with at most ``limit`` waiting or running."""

    def __init__(self, workers):
        self._pool = futures.ThreadPoolExecutor(
            workers, thread_name_prefix='ciming-ebs')
        self._slots = threading.BoundedSemaphore(2 * workers)

    def submit(self, func, *args):
        self._slots.acquire()
        try:
            future = self._pool.submit(func, *args)
        except BaseException:
            self._slots.release()
            raise
        future.add_done_callback(lambda _f: self._slots.release())
        return future

    def close(self, cancel=False):
        self._pool.shutdown(wait=True, cancel_futures=cancel)


class Blocks:
    """Cut a stream of chunks into whole blocks, the last padded with zeros.

    Yields ``(index, block)``; ``size`` is the number of bytes seen.
    """

    def __init__(self, chunks):
        self._chunks = chunks
        self.size = 0

    def __iter__(self):
        pending = bytearray()
        index = 0
        for chunk in self._chunks:
            self.size += len(chunk)
            if not pending and len(chunk) == BLOCK_SIZE:
                yield index, bytes(chunk)
                index += 1
                continue
            pending += chunk
            while len(pending) >= BLOCK_SIZE:
                yield index, bytes(pending[:BLOCK_SIZE])
                del pending[:BLOCK_SIZE]
                index += 1
        if pending:
            yield index, bytes(pending) + bytes(BLOCK_SIZE - len(pending))


class SnapshotWriter:
    """Put a stream of raw data into a pending snapshot.

    ``write()`` returns a :class:`Written`; the snapshot is then
    completed by :meth:`complete` with the aggregated checksum of the
    blocks sent.
    """

    def __init__(self, account, snapshot_id, volume_size, workers):
        self.account = account
        self.snapshot_id = snapshot_id
        self.max_blocks = volume_size * GiB // BLOCK_SIZE
        self.workers = workers

    def _put(self, index, block, checksum):
        ebs = self.account.client('ebs')
        self.account.call(
            'put block %d of snapshot %s' % (index, self.snapshot_id),
            ebs.put_snapshot_block, SnapshotId=self.snapshot_id,
            BlockIndex=index, BlockData=block, DataLength=BLOCK_SIZE,
            Checksum=checksum, ChecksumAlgorithm='SHA256')

    def write(self, chunks):
        blocks = Blocks(chunks)
        checksums = {}
        window = _Window(self.workers)
        pending = set()
        failed = None
        try:
            for index, block in blocks:
                if index >= self.max_blocks:
                    raise exception.DriverError(
                        cloud=self.account.cloud_name,
                        reason='the data is larger than snapshot %s'
                               % self.snapshot_id)
                if block == _zero_block():
                    continue  # a snapshot reads unwritten blocks as zeros
                checksum = block_checksum(block)
                checksums[index] = checksum
                pending.add(window.submit(self._put, index, block,
                                          checksum))
                # Fail early: a refused block ends the upload.
                done = {f for f in pending if f.done()}
                for future in done:
                    future.result()
                pending -= done
            for future in pending:
                future.result()
        except BaseException as exc:
            failed = exc
            raise
        finally:
            window.close(cancel=failed is not None)
        return Written(size=blocks.size, blocks_sent=len(checksums),
                       checksum=aggregated_checksum(
                           checksums[i] for i in sorted(checksums)))

    def complete(self, written):
        ebs = self.account.client('ebs')
        result = self.account.call(
            'complete snapshot %s' % self.snapshot_id,
            ebs.complete_snapshot, SnapshotId=self.snapshot_id,
            ChangedBlocksCount=written.blocks_sent,
            Checksum=written.checksum, ChecksumAlgorithm='SHA256',
            ChecksumAggregationMethod='LINEAR')
        if result.get('Status') == 'error':
            raise exception.DriverError(
                cloud=self.account.cloud_name,
                reason='snapshot %s failed to complete' % self.snapshot_id)


class Written:
    """What a SnapshotWriter sent: bytes, blocks, aggregated checksum."""

    def __init__(self, size, blocks_sent, checksum):
        self.size = size
        self.blocks_sent = blocks_sent
        self.checksum = checksum


def list_blocks(account, snapshot_id, page_size=10000):
    """``{block index: block token}`` of a snapshot's written blocks."""
    ebs = account.client('ebs')
    tokens = {}
    kwargs = {'SnapshotId': snapshot_id, 'MaxResults': page_size}
    while True:
        page = account.call('list blocks of snapshot %s' % snapshot_id,
                            ebs.list_snapshot_blocks, **kwargs)
        if page.get('BlockSize', BLOCK_SIZE) != BLOCK_SIZE:
            raise exception.DriverError(
                cloud=account.cloud_name, reason='snapshot %s has blocks '
                'of %s bytes' % (snapshot_id, page.get('BlockSize')))
        for block in page.get('Blocks') or ():
            tokens[block['BlockIndex']] = block['BlockToken']
        if not page.get('NextToken'):
            return tokens
        kwargs['NextToken'] = page['NextToken']


class SnapshotReader:
    """The first ``size`` bytes of a snapshot, read as a file.

    Blocks are fetched in order, ``workers`` at a time ahead of the
    reader; unwritten blocks read as zeros; a block whose SHA-256 is not
    the one the service sent fails the read.
    """

    def __init__(self, account, snapshot_id, size, workers):
        self.account = account
        self.snapshot_id = snapshot_id
        self.size = size
        self._tokens = list_blocks(account, snapshot_id)
        self._count = -(-size // BLOCK_SIZE)
        self._window = _Window(workers)
        self._ahead = []
        self._next = 0
        self._buffer = memoryview(b'')
        self._position = 0
        self._depth = 2 * workers - 1

    def _get(self, index):
        ebs = self.account.client('ebs')
        what = 'get block %d of snapshot %s' % (index, self.snapshot_id)
        answer = self.account.call(
            what, ebs.get_snapshot_block, SnapshotId=self.snapshot_id,
            BlockIndex=index, BlockToken=self._tokens[index])
        body = answer['BlockData']
        try:
            data = self.account.call(what, body.read)
        finally:
            body.close()
        if (answer.get('ChecksumAlgorithm', 'SHA256') != 'SHA256'
                or block_checksum(data) != answer.get('Checksum')
                or len(data) != BLOCK_SIZE):
            raise exception.DriverError(
                cloud=self.account.cloud_name,
                reason='%s: the checksum does not match' % what)
        return data

    def _fill(self):
        while self._next < self._count and len(self._ahead) < self._depth:
            index = self._next
            self._next += 1
            if index in self._tokens:
                self._ahead.append(self._window.submit(self._get, index))
            else:
                self._ahead.append(None)

    def _next_block(self):
        self._fill()
        if not self._ahead:
            return None
        future = self._ahead.pop(0)
        return _zero_block() if future is None else future.result()

    def read(self, size=-1):
        if not self._buffer:
            if self._position >= self.size:
                return b''
            block = self._next_block()
            if block is None:
                return b''
            left = self.size - self._position
            self._buffer = memoryview(block)[:min(BLOCK_SIZE, left)]
        if size is None or size < 0 or size >= len(self._buffer):
            data, self._buffer = self._buffer, memoryview(b'')
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        self._position += len(data)
        return bytes(data)

    def close(self):
        self._window.close(cancel=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
