"""The gzip'd tar of a raw image, built and read as a stream."""

import gzip
import hashlib
import io
import os
import tarfile

from ciming.drivers import gcp_tarball
from tests.unit import base

MiB = 1024 * 1024


def chunks(data, size=64 * 1024):
    return [data[i:i + size] for i in range(0, len(data), size)]


class BuildTestCase(base.TestCase):

    def build(self, data, size=None):
        return b''.join(gcp_tarball.build(chunks(data), len(data)
                                          if size is None else size))

    def test_stdlib_tar_reads_disk_raw_first(self):
        data = os.urandom(MiB + 17)
        with tarfile.open(fileobj=io.BytesIO(self.build(data)),
                          mode='r:gz') as tar:
            members = tar.getmembers()
            self.assertEqual(['disk.raw'], [m.name for m in members])
            self.assertEqual(data, tar.extractfile(members[0]).read())

    def test_archive_is_gzip_and_whole_blocks(self):
        archive = gzip.decompress(self.build(b'x' * 1000))
        self.assertEqual(0, len(archive) % tarfile.BLOCKSIZE)
        self.assertEqual(bytes(2 * tarfile.BLOCKSIZE),
                         archive[-2 * tarfile.BLOCKSIZE:])

    def test_zero_runs_cost_next_to_nothing(self):
        data = os.urandom(MiB) + bytes(32 * MiB)
        self.assertLess(len(self.build(data)), MiB + 256 * 1024)

    def test_sizes_past_8_gib_fit_the_header(self):
        header = gcp_tarball.header(9 * 1024 ** 3)
        info = tarfile.TarInfo.frombuf(header, 'utf-8', 'strict')
        self.assertEqual(9 * 1024 ** 3, info.size)

    def test_fewer_bytes_than_announced_is_an_error(self):
        self.assertRaises(gcp_tarball.TarballError, self.build, b'abc', 4)

    def test_more_bytes_than_announced_is_an_error(self):
        self.assertRaises(gcp_tarball.TarballError, self.build, b'abcde', 4)

    def test_memory_stays_per_chunk(self):
        # A generator: nothing is produced before it is asked for.
        produced = gcp_tarball.build(iter(()), 0)
        self.assertIsInstance(next(produced), bytes)


class DiskReaderTestCase(base.TestCase):

    def test_round_trip(self):
        data = os.urandom(3 * MiB + 5) + bytes(MiB)
        archive = b''.join(gcp_tarball.build(chunks(data), len(data)))
        reader = gcp_tarball.DiskReader(io.BytesIO(archive),
                                        read_size=7777)
        self.assertEqual(len(data), reader.size)
        out = hashlib.sha512()
        for block in iter(lambda: reader.read(65536), b''):
            out.update(block)
        self.assertEqual(hashlib.sha512(data).hexdigest(), out.hexdigest())

    def test_reads_tarballs_made_by_tar(self):
        data = os.urandom(10000)
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode='w:gz') as tar:
            info = tarfile.TarInfo('disk.raw')
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        reader = gcp_tarball.DiskReader(io.BytesIO(archive.getvalue()))
        self.assertEqual(data, reader.read())

    def test_refuses_another_first_member(self):
        archive = io.BytesIO()
        with tarfile.open(fileobj=archive, mode='w:gz') as tar:
            info = tarfile.TarInfo('README')
            info.size = 1
            tar.addfile(info, io.BytesIO(b'x'))
        self.assertRaises(gcp_tarball.TarballError, gcp_tarball.DiskReader,
                          io.BytesIO(archive.getvalue()))

    def test_refuses_what_is_not_gzip(self):
        self.assertRaises(gcp_tarball.TarballError, gcp_tarball.DiskReader,
                          io.BytesIO(b'plain text, not gzip' * 100))

    def test_truncated_archive_is_an_error(self):
        data = os.urandom(MiB)
        archive = b''.join(gcp_tarball.build(chunks(data), len(data)))
        reader = gcp_tarball.DiskReader(io.BytesIO(archive[:len(archive)
                                                           // 2]))
        self.assertRaises(gcp_tarball.TarballError, reader.read)
