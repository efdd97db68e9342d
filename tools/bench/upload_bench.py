#!/usr/bin/env python3
"""Benchmark create-from-upload in ``ciming-all-in-one`` against ``cp``.

What it does (see tools/bench/README.rst):

1. starts ``ciming-all-in-one`` with its data directory in a work
   directory (so staging, the two local clouds ``dev-a``/``dev-b`` and the
   test file are on the same filesystem);
2. writes a random file of ``--size-mib`` MiB (and one of a quarter of
   that size, to show memory does not grow with the image);
3. baseline: times ``cp`` of the file to two places, before and after the
   CIMinG runs, and keeps the best;
4. times create image + streamed upload + wait until ``active`` in both
   clouds, while sampling the all-in-one's RSS every 50 ms;
5. prints a table: sizes, seconds, throughput, ratio to ``cp`` (goal
   <= 1.5) and peak RSS (goal < 200 MB and not growing with the size).

It is a benchmark, not a test: it exits 0 whatever the numbers, and
non-zero only when the service cannot be run at all.
"""

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import psutil
import requests

MiB = 1024 * 1024
MB = 1000 * 1000
RSS_GOAL_MB = 200
RATIO_GOAL = 1.5


def free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def find_command(name):
    here = os.path.dirname(sys.executable)
    path = shutil.which(name, path=here) or shutil.which(name)
    if path is None:
        sys.exit('%s not found next to %s nor in PATH: install the project '
                 '(pip install -e .) first' % (name, sys.executable))
    return path


def write_random_file(path, size):
    sha512 = hashlib.sha512()
    block = 4 * MiB
    with open(path, 'wb') as out:
        left = size
        while left:
            chunk = os.urandom(min(block, left))
            out.write(chunk)
            sha512.update(chunk)
            left -= len(chunk)
    return sha512.hexdigest()


def settle():
    """Same start for every timed run: dirty pages written back."""
    os.sync()
    time.sleep(0.5)


class RSSSampler(threading.Thread):
    """Peak resident memory of a process (and its children), sampled."""

    def __init__(self, pid, interval=0.05):
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self.samples = 0
        self._done = threading.Event()

    def rss(self):
        total = 0
        for proc in [self.process] + self.process.children(recursive=True):
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                pass
        return total

    def run(self):
        while not self._done.is_set():
            self.peak = max(self.peak, self.rss())
            self.samples += 1
            self._done.wait(self.interval)

    def stop(self):
        self._done.set()
        self.join()
        self.peak = max(self.peak, self.rss())
        return self.peak


class AllInOne:
    """``ciming-all-in-one`` in a subprocess, on a private port."""

    def __init__(self, workdir, extra_config=''):
        self.data_dir = os.path.join(workdir, 'data')
        self.port = free_port()
        self.endpoint = 'http://127.0.0.1:%d' % self.port
        self.config_file = os.path.join(workdir, 'ciming.conf')
        with open(self.config_file, 'w') as conf:
            conf.write('[all_in_one]\ndata_dir = %s\n\n[api]\nport = %d\n%s'
                       % (self.data_dir, self.port, extra_config))
        self.log_path = os.path.join(workdir, 'all-in-one.log')
        self.proc = None

    def start(self, timeout=60):
        with open(self.log_path, 'ab') as log:
            self.proc = subprocess.Popen(
                [find_command('ciming-all-in-one'), '--config-file',
                 self.config_file], stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('ciming-all-in-one exited with %s; see %s'
                                   % (self.proc.returncode, self.log_path))
            try:
                if requests.get(self.endpoint + '/healthcheck',
                                timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError('ciming-all-in-one did not answer in %ss; see %s'
                           % (timeout, self.log_path))

    def stop(self, timeout=30):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def cloud_file(self, cloud, image_id):
        return os.path.join(self.data_dir, 'local-clouds', cloud,
                            image_id + '.img')

    def upload(self, path, targets, timeout=3600):
        """Create, upload and wait for active; returns (seconds, image)."""
        session = requests.Session()
        start = time.monotonic()
        resp = session.post(self.endpoint + '/v1/images', json={
            'name': os.path.basename(path), 'disk_format': 'raw',
            'targets': targets})
        resp.raise_for_status()
        image_id = resp.json()['id']
        with open(path, 'rb') as data:
            resp = session.put(
                self.endpoint + '/v1/images/%s/file' % image_id, data=data,
                headers={'Content-Type': 'application/octet-stream'},
                timeout=timeout)
        resp.raise_for_status()
        upload_done = time.monotonic()
        while True:
            image = session.get(self.endpoint + '/v1/images/%s'
                                % image_id).json()
            if image['status'] in ('active', 'partial', 'error'):
                break
            if time.monotonic() - start > timeout:
                raise RuntimeError('image %s still %s after %ss'
                                   % (image_id, image['status'], timeout))
            time.sleep(0.1)
        end = time.monotonic()
        image['_upload_seconds'] = upload_done - start
        return end - start, image


def time_hash(src):
    """One pass of md5 + sha512 over the file.

    The CPU floor of each verification CIMinG does (the upload and the
    transfer both hash).
    """
    settle()
    start = time.monotonic()
    md5, sha512 = hashlib.md5(), hashlib.sha512()
    with open(src, 'rb') as data:
        for chunk in iter(lambda: data.read(4 * MiB), b''):
            md5.update(chunk)
            sha512.update(chunk)
    return time.monotonic() - start


def time_cp(src, dests):
    settle()
    start = time.monotonic()
    for dest in dests:
        subprocess.run(['cp', src, dest], check=True)
    took = time.monotonic() - start
    for dest in dests:
        os.unlink(dest)
    return took


def run(args):
    workdir = tempfile.mkdtemp(prefix='ciming-bench-', dir=args.dir)
    service = AllInOne(workdir, args.extra_config)
    rows = []
    try:
        service.start()
        idle_rss = RSSSampler(service.proc.pid).rss()
        sizes = [args.size_mib * MiB // 4, args.size_mib * MiB]
        files = {}
        for size in sizes:
            path = os.path.join(workdir, 'image-%dMiB.raw' % (size // MiB))
            print('writing %s (%d MiB of random data)...'
                  % (path, size // MiB), flush=True)
            files[size] = (path, write_random_file(path, size))

        cp_dests = [os.path.join(workdir, 'cp-a.raw'),
                    os.path.join(workdir, 'cp-b.raw')]
        cp_best = {size: time_cp(files[size][0], cp_dests)
                   for size in sizes}

        for size in sizes:
            path, sha512 = files[size]
            settle()
            sampler = RSSSampler(service.proc.pid)
            sampler.start()
            seconds, image = service.upload(path, ['dev-a', 'dev-b'])
            peak = sampler.stop()
            ok = (image['status'] == 'active'
                  and image['os_hash_value'] == sha512
                  and all(os.path.getsize(service.cloud_file(c, image['id']))
                          == size for c in ('dev-a', 'dev-b')))
            rows.append({'size': size, 'seconds': seconds,
                         'upload_seconds': image['_upload_seconds'],
                         'peak_rss': peak, 'samples': sampler.samples,
                         'status': image['status'], 'verified': ok})
            for cloud in ('dev-a', 'dev-b'):
                with contextlib.suppress(OSError):
                    os.unlink(service.cloud_file(cloud, image['id']))

        for size in sizes:
            cp_best[size] = min(cp_best[size],
                                time_cp(files[size][0], cp_dests))
        hash_seconds = {size: time_hash(files[size][0]) for size in sizes}
    finally:
        code = service.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print('kept %s' % workdir)

    report(rows, cp_best, hash_seconds, idle_rss, code, args)
    return 0


def report(rows, cp_best, hash_seconds, idle_rss, exit_code, args):
    print()
    print('CIMinG create-from-upload to two local clouds (all-in-one) '
          'vs cp to two places')
    header = ('%-9s %9s %9s %7s %10s %9s %9s %7s %11s %8s'
              % ('size', 'cp s', 'cp MiB/s', 'hash s', 'ciming s',
                 'upload s', 'MiB/s', 'ratio', 'peak RSS', 'result'))
    print(header)
    print('-' * len(header))
    for row in rows:
        size = row['size']
        cp = cp_best[size]
        ratio = row['seconds'] / cp if cp else float('inf')
        print('%-9s %9.2f %9.1f %7.2f %10.2f %9.2f %9.1f %7.2f %8.1f MB %8s'
              % ('%d MiB' % (size // MiB), cp, size / MiB / cp,
                 hash_seconds[size], row['seconds'], row['upload_seconds'],
                 size / MiB / row['seconds'], ratio,
                 row['peak_rss'] / MB,
                 'ok' if row['verified'] else row['status']))
    print()
    big = rows[-1]
    small = rows[0]
    ratio = big['seconds'] / cp_best[big['size']]
    growth = (big['peak_rss'] - small['peak_rss']) / MB
    print('idle RSS before the runs: %.1f MB; RSS samples every 50 ms '
          '(%d and %d samples)'
          % (idle_rss / MB, small['samples'], big['samples']))
    print('columns: cp s = best of cp to two places before/after; hash s '
          '= one md5+sha512 pass in this process; ciming s = create + '
          'upload + active in both clouds; upload s = of which the PUT')
    print('goal ratio <= %.1f: %s (%.2f)'
          % (RATIO_GOAL, 'met' if ratio <= RATIO_GOAL else 'NOT met',
             ratio))
    print('goal peak RSS < %d MB: %s (%.1f MB)'
          % (RSS_GOAL_MB, 'met' if big['peak_rss'] / MB < RSS_GOAL_MB
             else 'NOT met', big['peak_rss'] / MB))
    print('peak RSS growth from %d MiB to %d MiB: %+.1f MB (%s)'
          % (small['size'] // MiB, big['size'] // MiB, growth,
             'flat' if growth < 20 else 'GROWS'))
    print('all-in-one exit code after SIGTERM: %s' % exit_code)
    if args.json:
        print(json.dumps({'rows': rows, 'cp_seconds': {
            str(k): v for k, v in cp_best.items()}, 'hash_seconds': {
            str(k): v for k, v in hash_seconds.items()},
            'idle_rss': idle_rss}, indent=1))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--size-mib', type=int, default=int(
        os.environ.get('CIMING_BENCH_SIZE_MIB', 1024)),
        help='size of the large image in MiB (default 1024); a second '
             'run uses a quarter of it')
    parser.add_argument('--dir', default=os.environ.get('CIMING_BENCH_DIR'),
                        help='where to put the work directory (default: '
                             'the system temporary directory)')
    parser.add_argument('--extra-config', default='',
                        help='config lines appended to the all-in-one\'s '
                             'file, e.g. "[transfer]\\nchunk_size = 8388608"')
    parser.add_argument('--keep', action='store_true',
                        help='keep the work directory (logs, data)')
    parser.add_argument('--json', action='store_true',
                        help='also print the raw numbers as JSON')
    args = parser.parse_args(argv)
    args.extra_config = args.extra_config.replace('\\n', '\n')
    if args.size_mib < 4:
        parser.error('--size-mib must be at least 4')
    try:
        return run(args)
    except (RuntimeError, requests.RequestException, OSError) as exc:
        print('benchmark could not run: %s' % exc, file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
