#!/usr/bin/env python3
"""Benchmark: the Google Cloud import path, against the stand-ins.

For a random image and a half-zero one (random first half, zeros after)
of ``--size-mib`` MiB read from a file in the conductor's chunks, the
Google Cloud driver builds the gzip'd tar on the fly, uploads it to the
gcp-storage-emulator with its resumable upload (through a proxy that
counts the bytes on the wire), then makes the image in the compute fake
(which reads the whole tarball back from the emulator and hashes
``disk.raw``, as Compute Engine reads it). Reports, per image:

- seconds and MiB/s of the upload (raw bytes / time), and of the whole
  import (upload + images.insert and its operation);
- bytes sent on the wire against the image's non-zero bytes;
- the CPU seconds this process (the driver: tarball, hashing nothing,
  HTTP) spent during the upload, the bound the driver itself sets;
- peak RSS of this process (the driver's side; the emulator and the
  fake are other processes), sampled every 50 ms.

The emulator keeps objects in memory and copies the whole partial
object on every piece it receives: its own cost is part of the
seconds measured. No Keystone tokens are involved here.
"""

import argparse
import hashlib
import os
import sys
import tempfile
import threading
import time

import psutil

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from ciming.common import streams  # noqa: E402
from ciming.conf import CONF  # noqa: E402
from ciming.drivers import base  # noqa: E402
from ciming.drivers import gcp  # noqa: E402
from tests.functional import gcp_stand_ins  # noqa: E402

MiB = 1024 * 1024


class _Cleanups:
    """What gcp_stand_ins.StandIns expects of a test: addCleanup."""

    def __init__(self):
        self.calls = []

    def addCleanup(self, func, *args):
        self.calls.append((func, args))

    def run(self):
        for func, args in reversed(self.calls):
            try:
                func(*args)
            except Exception as exc:
                print('cleanup failed: %s' % exc, file=sys.stderr)


class PeakRSS(threading.Thread):
    """Peak resident memory of this process alone, sampled."""

    def __init__(self, interval=0.05):
        super().__init__(daemon=True)
        self.process = psutil.Process()
        self.interval = interval
        self.peak = self.process.memory_info().rss
        self._done = threading.Event()

    def run(self):
        while not self._done.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            self._done.wait(self.interval)

    def stop(self):
        self._done.set()
        self.join()
        return self.peak


def write_image(path, size, half_zero):
    """Random data (the first half only when ``half_zero``): its sha512."""
    digest = hashlib.sha512()
    random_part = size // 2 if half_zero else size
    with open(path, 'wb') as out:
        left = random_part
        while left:
            block = os.urandom(min(4 * MiB, left))
            out.write(block)
            digest.update(block)
            left -= len(block)
        zeros = bytes(4 * MiB)
        left = size - random_part
        while left:
            block = zeros[:min(len(zeros), left)]
            digest.update(block)
            left -= len(block)
        out.truncate(size)  # the zeros as a hole
    return digest.hexdigest(), random_part


def run_one(stand_ins, path, size, sha512, label):
    cloud = {'id': 'bench', 'name': 'gcp-bench', 'type': 'gcp',
             'options': stand_ins.cloud_body('gcp-bench')['options'],
             'project_id': 'bench'}
    driver = gcp.GCPDriver(cloud, stand_ins.key)
    image_id = '00000000-0000-4000-8000-%012x' % int(time.time() * 1000)
    meta = base.RemoteImage(remote_id=image_id, name=label, size=size)
    remote_id = driver.prepare_import(image_id, meta)
    before = stand_ins.proxy.bytes_up
    sampler = PeakRSS()
    sampler.start()
    cpu = psutil.Process().cpu_times()
    began = time.monotonic()
    with open(path, 'rb') as source:
        driver.write_import(remote_id, streams.read_chunks(
            source, CONF.transfer.chunk_size))
    uploaded = time.monotonic()
    cpu_after = psutil.Process().cpu_times()
    cpu_s = (cpu_after.user + cpu_after.system) - (cpu.user + cpu.system)
    sent = stand_ins.proxy.bytes_up - before
    expected = base.RemoteImage(remote_id=image_id, name=label, size=size,
                                os_hash_algo='sha512', os_hash_value=sha512)
    remote = driver.finalize_import(remote_id, expected)
    done = time.monotonic()
    peak = sampler.stop()
    source = stand_ins.sources()[-1]
    ok = (remote.status == 'active' and source['raw_sha512'] == sha512
          and source['first_member'] == 'disk.raw')
    driver.delete(remote_id)
    return {'upload_s': uploaded - began, 'total_s': done - began,
            'sent': sent, 'archive': int(source['archive_size']),
            'peak_rss': peak, 'cpu_s': cpu_s, 'ok': ok}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size-mib', type=int, default=1024)
    parser.add_argument('--workdir', default=None)
    args = parser.parse_args(argv)
    CONF([], project='ciming')
    size = args.size_mib * MiB
    cleanups = _Cleanups()
    workdir = tempfile.mkdtemp(prefix='ciming-gcp-bench-',
                               dir=args.workdir)
    try:
        stand_ins = gcp_stand_ins.StandIns(cleanups, workdir)
        rows = []
        for label, half_zero in (('random', False), ('half-zero', True)):
            path = os.path.join(workdir, label + '.raw')
            sha512, nonzero = write_image(path, size, half_zero)
            row = run_one(stand_ins, path, size, sha512, label)
            os.unlink(path)
            row.update(label=label, nonzero=nonzero)
            rows.append(row)
    finally:
        cleanups.run()
    print('gcp import of %d MiB, conductor chunks of %d MiB, upload '
          'pieces of 16 MiB; stand-ins: gcp-storage-emulator (in memory) '
          'and tests/fakes/gce_server.py' % (args.size_mib,
                                             CONF.transfer.chunk_size
                                             // MiB))
    print('%-10s %9s %8s %9s %9s %8s %12s %12s %9s %9s %s' % (
        'image', 'upload s', 'MiB/s', 'driver s', 'import s', 'MiB/s',
        'sent B', 'non-zero B', 'sent/nz', 'peak RSS', 'result'))
    for row in rows:
        print('%-10s %9.1f %8.1f %9.1f %9.1f %8.1f %12d %12d %9.3f %7.1f MB '
              '%s' % (
                  row['label'], row['upload_s'],
                  size / MiB / row['upload_s'], row['cpu_s'],
                  row['total_s'], size / MiB / row['total_s'], row['sent'],
                  row['nonzero'], row['sent'] / row['nonzero'],
                  row['peak_rss'] / 1e6, 'ok' if row['ok'] else 'WRONG'))
    return 0 if all(r['ok'] for r in rows) else 1


if __name__ == '__main__':
    sys.exit(main())
