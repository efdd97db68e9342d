#!/usr/bin/env python3
"""Benchmark uploads to an AWS cloud (moto's server) in the all-in-one.

What it does (see tools/bench/README.rst):

1. starts a moto server made faithful by tests/moto_fidelity.py (it logs
   every ``put_snapshot_block``) and ``ciming-all-in-one``, and registers
   the moto endpoint as a cloud of type ``aws``;
2. writes a random file of ``--size-mib`` MiB and a half-zero one (its
   odd 512 KiB blocks are zeros);
3. for each: create image + streamed upload + wait until ``active``
   (snapshot written, completed, AMI registered), sampling the
   all-in-one's RSS every 50 ms; then counts the blocks moto received;
4. baseline: the same non-zero blocks put by boto3 straight from the
   file into a snapshot, with as many threads as ``[aws] block_workers``
   (what the emulator can take, without CIMinG);
5. prints size, seconds, throughput, the baseline, one md5+sha512 pass
   for scale, blocks sent / non-zero blocks (goal 1.0) and peak RSS.

moto keeps every block in its memory (about the image size, per image);
it is reset between the runs. A benchmark, not a test: exit 0 whatever
the numbers.
"""

import argparse
import base64
from concurrent import futures
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import requests

import upload_bench

MiB = 1024 * 1024
MB = 1000 * 1000
BLOCK = 512 * 1024
KEYS = {'aws_access_key_id': 'AKIAIOSFODNN7EXAMPLE',
        'aws_secret_access_key': 'bench-not-a-secret'}
REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def write_half_zero_file(path, size):
    """Random and zero 512 KiB blocks, alternating: half the data."""
    with open(path, 'wb') as out:
        for index in range(size // BLOCK):
            out.write(os.urandom(BLOCK) if index % 2 == 0 else bytes(BLOCK))


def non_zero_blocks(path):
    count = 0
    with open(path, 'rb') as data:
        for block in iter(lambda: data.read(BLOCK), b''):
            if block.count(0) != len(block):
                count += 1
    return count


def time_direct(moto, path, workers):
    """Seconds to put a file's non-zero blocks with boto3 alone."""
    import boto3
    ebs = boto3.client('ebs', region_name='us-east-1',
                       endpoint_url=moto.endpoint, **KEYS)
    upload_bench.settle()
    start = time.monotonic()
    size = os.path.getsize(path)
    snapshot = ebs.start_snapshot(VolumeSize=-(-size // 1024 ** 3))[
        'SnapshotId']

    def put(index, block):
        ebs.put_snapshot_block(
            SnapshotId=snapshot, BlockIndex=index, BlockData=block,
            DataLength=BLOCK, ChecksumAlgorithm='SHA256',
            Checksum=base64.b64encode(hashlib.sha256(block).digest()
                                      ).decode())
    with futures.ThreadPoolExecutor(workers) as pool, \
            open(path, 'rb') as data:
        pending = []
        for index, block in enumerate(iter(lambda: data.read(BLOCK), b'')):
            if block.count(0) != len(block):
                pending.append(pool.submit(put, index, block))
            if len(pending) >= 2 * workers:
                pending.pop(0).result()
        for future in pending:
            future.result()
    ebs.complete_snapshot(SnapshotId=snapshot, ChangedBlocksCount=0)
    return time.monotonic() - start


class Moto:
    def __init__(self, workdir):
        self.port = upload_bench.free_port()
        self.endpoint = 'http://127.0.0.1:%d' % self.port
        self.call_log = os.path.join(workdir, 'moto-calls.log')
        self.log_path = os.path.join(workdir, 'moto.log')
        env = dict(os.environ, MOTO_EC2_LOAD_DEFAULT_AMIS='false',
                   CIMING_MOTO_CALL_LOG=self.call_log, PYTHONPATH=REPO)
        with open(self.log_path, 'ab') as log:
            self.proc = subprocess.Popen(
                [sys.executable, '-m', 'tests.moto_fidelity', '-H',
                 '127.0.0.1', '-p', str(self.port)], stdout=log,
                stderr=subprocess.STDOUT, env=env, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(self.endpoint + '/moto-api/', timeout=2)
                return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError('moto did not answer; see %s' % self.log_path)

    def reset(self):
        requests.post(self.endpoint + '/moto-api/reset').raise_for_status()
        with open(self.call_log, 'w'):
            pass

    def puts(self):
        try:
            with open(self.call_log) as log:
                return len(log.readlines())
        except FileNotFoundError:
            return 0

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)


def upload(service, path, header, timeout=3600):
    session = requests.Session()
    start = time.monotonic()
    resp = session.post(service.endpoint + '/v1/images', json={
        'name': os.path.basename(path), 'disk_format': 'raw',
        'targets': ['aws-bench']})
    resp.raise_for_status()
    image_id = resp.json()['id']
    with open(path, 'rb') as data:
        session.put(service.endpoint + '/v1/images/%s/file' % image_id,
                    data=data, timeout=timeout, headers=dict(
                        header, **{'Content-Type':
                                   'application/octet-stream'})
                    ).raise_for_status()
    while True:
        image = session.get(service.endpoint + '/v1/images/%s'
                            % image_id).json()
        if image['status'] in ('active', 'partial', 'error'):
            return time.monotonic() - start, image
        if time.monotonic() - start > timeout:
            raise RuntimeError('image %s still %s' % (image_id,
                                                      image['status']))
        time.sleep(0.1)


def run(args):
    workdir = tempfile.mkdtemp(prefix='ciming-bench-aws-', dir=args.dir)
    moto = Moto(workdir)
    service = upload_bench.AllInOne(workdir, args.extra_config)
    rows = []
    size = args.size_mib * MiB
    try:
        service.start()
        requests.post(service.endpoint + '/v1/clouds', json={
            'name': 'aws-bench', 'type': 'aws', 'region': 'us-east-1',
            'options': {'endpoint_url': moto.endpoint}}).raise_for_status()
        header = {'X-CIMinG-Credentials': base64.b64encode(json.dumps(
            {'aws-bench': KEYS}).encode()).decode()}
        # Warms the emulator and the service up, as a user would check.
        requests.post(service.endpoint + '/v1/clouds/aws-bench/validate',
                      json={'credentials': {'aws-bench': KEYS}}
                      ).raise_for_status()
        files = []
        path = os.path.join(workdir, 'random.raw')
        print('writing %s...' % path, flush=True)
        files.append(('random', path, upload_bench.write_random_file(
            path, size)))
        path = os.path.join(workdir, 'half-zero.raw')
        print('writing %s...' % path, flush=True)
        write_half_zero_file(path, size)
        files.append(('half-zero', path, None))
        for kind, path, _sha512 in files:
            moto.reset()
            upload_bench.settle()
            sampler = upload_bench.RSSSampler(service.proc.pid)
            sampler.start()
            seconds, image = upload(service, path, header)
            peak = sampler.stop()
            rows.append({'kind': kind, 'size': size, 'seconds': seconds,
                         'status': image['status'], 'peak_rss': peak,
                         'sent': moto.puts(),
                         'non_zero': non_zero_blocks(path),
                         'hash_seconds': upload_bench.time_hash(path)})
            moto.reset()
            rows[-1]['direct_seconds'] = time_direct(moto, path,
                                                     args.workers)
    finally:
        code = service.stop()
        moto.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print('kept %s' % workdir)
    report(rows, code)
    return 0


def report(rows, exit_code):
    print()
    print('CIMinG upload to an AWS cloud (moto server, EBS direct APIs) '
          'in the all-in-one')
    header = ('%-10s %8s %8s %7s %8s %7s %7s %6s %8s %6s %11s %7s'
              % ('image', 'size', 'ciming s', 'MiB/s', 'direct s',
                 'ratio', 'hash s', 'sent', 'non-zero', 'ratio',
                 'peak RSS', 'result'))
    print(header)
    print('-' * len(header))
    for row in rows:
        print('%-10s %8s %8.2f %7.1f %8.2f %7.2f %7.2f %6d %8d %6.3f '
              '%8.1f MB %7s' % (
                  row['kind'], '%d MiB' % (row['size'] // MiB), row['seconds'],
                  row['size'] / MiB / row['seconds'], row['direct_seconds'],
                  row['seconds'] / row['direct_seconds'], row['hash_seconds'],
                  row['sent'], row['non_zero'],
                  row['sent'] / row['non_zero'] if row['non_zero'] else 0,
                  row['peak_rss'] / MB, row['status']))
    print()
    print('columns: ciming s = create + upload + snapshot completed + AMI '
          'available; direct s = boto3 putting the non-zero blocks from the '
          'file, then ratio = ciming s / direct s; hash s = one md5+sha512 '
          'pass in this process; sent = put_snapshot_block calls moto '
          'received, then ratio = sent / non-zero blocks of the file (goal '
          '1.0)')
    print('all-in-one exit code after SIGTERM: %s' % exit_code)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size-mib', type=int, default=int(
        os.environ.get('CIMING_BENCH_SIZE_MIB', 1024)),
        help='size of each image in MiB (default 1024)')
    parser.add_argument('--dir', default=os.environ.get('CIMING_BENCH_DIR'),
                        help='where to put the work directory')
    parser.add_argument('--extra-config', default='',
                        help='config lines appended to the all-in-one\'s '
                             'file, e.g. "[aws]\\nblock_workers = 16"')
    parser.add_argument('--workers', type=int, default=8,
                        help='threads of the boto3 baseline (default 8, '
                             'as [aws] block_workers)')
    parser.add_argument('--keep', action='store_true',
                        help='keep the work directory (logs, data)')
    args = parser.parse_args(argv)
    args.extra_config = args.extra_config.replace('\\n', '\n')
    if args.size_mib < 1:
        parser.error('--size-mib must be at least 1')
    try:
        return run(args)
    except (RuntimeError, requests.RequestException, OSError) as exc:
        print('benchmark could not run: %s' % exc, file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
