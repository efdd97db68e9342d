"""FanOut: one read, many consumers, bounded memory, failures isolated."""

import hashlib
import io
import threading

from ciming.common import exception
from ciming.common import streams
from tests.unit import base


def _collector(into):
    def consume(chunks):
        for chunk in chunks:
            into.append(chunk)
    return consume


class FanOutTestCase(base.TestCase):

    def test_every_consumer_gets_every_chunk_in_order(self):
        chunks = [bytes([n]) * 10 for n in range(50)]
        got_a, got_b = [], []
        fanout = streams.FanOut(queue_depth=2)
        fanout.add('a', _collector(got_a))
        fanout.add('b', _collector(got_b))

        results = fanout.run(iter(chunks))

        self.assertEqual({'a': None, 'b': None}, results)
        self.assertEqual(chunks, got_a)
        self.assertEqual(chunks, got_b)
        self.assertEqual({'a': 500, 'b': 500}, fanout.bytes_consumed())

    def test_a_failing_consumer_is_dropped_and_the_others_finish(self):
        got = []

        def fail_after_one(chunks):
            next(chunks)
            raise IOError('disk full')

        fanout = streams.FanOut(queue_depth=1)
        fanout.add('bad', fail_after_one)
        fanout.add('good', _collector(got))
        results = fanout.run(iter([b'x'] * 20))

        self.assertIsInstance(results['bad'], IOError)
        self.assertIsNone(results['good'])
        self.assertEqual(20, len(got))

    def test_a_consumer_that_stops_early_is_an_error(self):
        fanout = streams.FanOut(queue_depth=1)
        fanout.add('lazy', lambda chunks: next(chunks))
        results = fanout.run(iter([b'x'] * 5))
        self.assertIsInstance(results['lazy'], exception.TransferFailed)

    def test_reading_stops_when_no_essential_consumer_is_left(self):
        read = []

        def source():
            for n in range(1000):
                read.append(n)
                yield b'x'

        fanout = streams.FanOut(queue_depth=1)
        fanout.add('target', lambda chunks: next(chunks) and 1 / 0)
        streams.Digests().attach(fanout)
        fanout.run(source())
        self.assertLess(len(read), 1000)

    def test_source_error_aborts_consumers_and_is_raised(self):
        aborted = threading.Event()

        def consume(chunks):
            try:
                for _chunk in chunks:
                    pass
            except streams.TransferAborted:
                aborted.set()
                raise

        def source():
            yield b'x'
            raise IOError('source gone')

        fanout = streams.FanOut(queue_depth=1)
        fanout.add('target', consume)
        self.assertRaises(IOError, fanout.run, source())
        self.assertTrue(aborted.is_set())

    def test_memory_is_bounded_by_queue_depth(self):
        # The reader may run ahead of a slow consumer by the queue depth
        # plus the chunk each side holds, never more.
        produced = []
        high_water = []

        def source():
            for n in range(30):
                produced.append(n)
                yield b'x'

        def slow(chunks):
            for n, _chunk in enumerate(chunks):
                high_water.append(len(produced) - n)

        fanout = streams.FanOut(queue_depth=3)
        fanout.add('slow', slow)
        fanout.run(source())
        self.assertLessEqual(max(high_water), 3 + 2)

    def test_digests_match_hashlib(self):
        data = bytes(range(256)) * 4099
        fanout = streams.FanOut(queue_depth=2)
        digests = streams.Digests()
        digests.attach(fanout)
        fanout.run(streams.read_chunks(io.BytesIO(data), 1000))
        self.assertEqual(len(data), digests.size)
        self.assertEqual(hashlib.md5(data).hexdigest(), digests.checksum)
        self.assertEqual(hashlib.sha512(data).hexdigest(),
                         digests.os_hash_value)

    def test_read_chunks_honours_the_limit(self):
        chunks = list(streams.read_chunks(io.BytesIO(b'a' * 10), 4, limit=9))
        self.assertEqual([b'aaaa', b'aaaa', b'a'], chunks)


class FramesTestCase(base.TestCase):

    def test_frames_cut_chunks_without_changing_the_bytes(self):
        chunks = [b'a' * 10, b'b' * 3, b'', b'c' * 8]
        pieces = list(streams.frames(chunks, 4))
        self.assertEqual(b''.join(chunks), b''.join(pieces))
        self.assertEqual([4, 4, 2, 3, 4, 4], [len(p) for p in pieces if p])

    def test_frames_are_views_of_the_chunks_not_copies(self):
        chunk = b'x' * 10
        pieces = list(streams.frames([chunk], 4))
        self.assertTrue(all(p.obj is chunk for p in pieces))
