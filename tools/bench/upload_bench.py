#!/usr/bin/env python3
"""Benchmark create-from-upload against the hand-made ways.

Two parts (see tools/bench/README.rst), each against a baseline measured
in the same run, the methods taking turns:

``local``
    ``ciming-all-in-one`` (its data directory in a work directory, so
    that staging, the local clouds ``dev-a``/``dev-b`` and the test files
    are on one filesystem): create an image targeting both clouds, ``curl
    -T`` the file to ``PUT /v1/images/{id}/file``, wait until ``active``;
    against a shell pipeline doing the same work: read the file once,
    write a staging copy and two copies, compute sha512 and md5 (``cat |
    tee`` into the three files and two FIFOs read by ``sha512sum`` and
    ``md5sum``; no fsync, as CIMinG does none). Goal: <= 1.3 x the
    pipeline. ``cp`` to two places is shown too, not as a goal.
``glance``
    The environment of tools/functional (three Glances): the same upload
    with targets RegionTwo, then RegionOne, RegionTwo and beta, until the
    job succeeded; against a direct ``curl`` upload of the file to
    RegionTwo (create, ``PUT``, until active), and, to show what the
    Glances can take at once, ``curl`` uploads to the three Glances at
    once. Goal: 3 targets <= 1.3 x the direct upload to one. The CPU
    seconds of the Glance workers, CIMinG's API and conductor and the
    ``curl`` processes are reported per method.

It is a benchmark, not a test: it exits 0 whatever the numbers, and
non-zero only when a service cannot be run at all.
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
RATIO_GOAL = 1.3
# Every poll of the image costs the service a request (about 20 ms of CPU
# in the all-in-one): often enough to time, seldom enough not to load it.
POLL = 0.25

# The pipeline CIMinG's local upload is measured against: one read of
# the file, three files written, sha512 and md5 in processes of their own.
# Every process is a child of this shell: ``wait`` waits for them all.
PIPELINE = '''
set -e -o pipefail
mkfifo "$WORK/sha512.fifo" "$WORK/md5.fifo"
sha512sum < "$WORK/sha512.fifo" > "$WORK/sha512.out" &
md5sum < "$WORK/md5.fifo" > "$WORK/md5.out" &
cat "$SRC" | tee "$WORK/staging" "$WORK/copy-a" "$WORK/copy-b" \
    "$WORK/md5.fifo" > "$WORK/sha512.fifo"
wait
'''


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


def sha512_of(path):
    sha512 = hashlib.sha512()
    with open(path, 'rb') as data:
        for chunk in iter(lambda: data.read(4 * MiB), b''):
            sha512.update(chunk)
    return sha512.hexdigest()


def settle():
    """Same start for every timed run: dirty pages written back."""
    os.sync()
    time.sleep(0.5)


def curl_put(url, path, headers=None, chunked=False, output=os.devnull,
             rate=None):
    """``curl -T``: what a user uploading a file would run.

    ``chunked``: ``curl -T - < path``, the body sent chunked (64 KiB
    chunks) instead of with its length. The answer goes to ``output``.
    ``rate``: curl's ``--limit-rate`` (a client on a slower network).
    """
    argv = ['curl', '-sS', '-f', '-o', output, '-X', 'PUT', '-H',
            'Content-Type: application/octet-stream']
    if rate:
        argv += ['--limit-rate', rate]
    for name, value in (headers or {}).items():
        argv += ['-H', '%s: %s' % (name, value)]
    if not chunked:
        return subprocess.Popen(argv + ['-T', path, url])
    with open(path, 'rb') as data:
        return subprocess.Popen(argv + ['-T', '-', url], stdin=data)


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


class CPUTime:
    """CPU seconds (user + system) live processes spent between two calls.

    Their live children count too (gunicorn's workers).
    """

    def __init__(self, pids):
        self.processes = [psutil.Process(pid) for pid in pids]
        self._start = self._total()

    def _total(self):
        total = 0.0
        for proc in self.processes:
            for one in [proc] + proc.children(recursive=True):
                try:
                    times = one.cpu_times()
                except psutil.Error:
                    continue
                total += times.user + times.system
        return total

    def seconds(self):
        return self._total() - self._start


def wait_cpu(proc):
    """Wait for a child: its exit code and CPU seconds.

    The CPU of the children it waited for (a shell's commands) counts.
    """
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_utime + usage.ru_stime


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

    def upload(self, path, targets, timeout=3600, use_curl=False):
        """Create, upload and wait for active; returns (seconds, image).

        ``use_curl``: the file goes with ``curl -T``, as a user would
        send it (requests sends a file 8 KiB at a time).
        """
        session = requests.Session()
        start = time.monotonic()
        resp = session.post(self.endpoint + '/v1/images', json={
            'name': os.path.basename(path), 'disk_format': 'raw',
            'targets': targets})
        resp.raise_for_status()
        image_id = resp.json()['id']
        url = self.endpoint + '/v1/images/%s/file' % image_id
        client_cpu = None
        if use_curl:
            code, client_cpu = wait_cpu(curl_put(url, path))
            if code != 0:
                raise RuntimeError('curl could not upload %s' % path)
        else:
            with open(path, 'rb') as data:
                resp = session.put(
                    url, data=data, timeout=timeout,
                    headers={'Content-Type': 'application/octet-stream'})
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
            time.sleep(POLL)
        end = time.monotonic()
        image['_upload_seconds'] = upload_done - start
        image['_client_cpu'] = client_cpu
        return end - start, image


def time_hash(src):
    """One pass of md5 + sha512 over the file, in one thread.

    The CPU floor of each verification CIMinG does.
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


def time_pipeline(src, workdir, sha512):
    """The shell pipeline doing CIMinG's work; returns (seconds, cpu s)."""
    work = tempfile.mkdtemp(prefix='pipeline-', dir=workdir)
    try:
        settle()
        start = time.monotonic()
        shell = subprocess.Popen(['bash', '-c', PIPELINE],
                                 env=dict(os.environ, SRC=src, WORK=work))
        code, cpu_seconds = wait_cpu(shell)
        seconds = time.monotonic() - start
        if code != 0:
            raise RuntimeError('the pipeline failed (%s)' % code)
        with open(os.path.join(work, 'sha512.out')) as out:
            got = out.read().split()[0]
        size = os.path.getsize(src)
        if got != sha512 or not all(
                os.path.getsize(os.path.join(work, name)) == size
                for name in ('staging', 'copy-a', 'copy-b')):
            raise RuntimeError('the pipeline did not copy %s whole' % src)
        return seconds, cpu_seconds
    finally:
        shutil.rmtree(work, ignore_errors=True)


def time_ciming_local(service, path, sha512, verify):
    """One upload to dev-a and dev-b; returns a row of figures."""
    size = os.path.getsize(path)
    settle()
    sampler = RSSSampler(service.proc.pid)
    sampler.start()
    cpu = CPUTime([service.proc.pid])
    seconds, image = service.upload(path, ['dev-a', 'dev-b'],
                                    use_curl=True)
    cpu_seconds = cpu.seconds()
    peak = sampler.stop()
    files = [service.cloud_file(c, image['id']) for c in ('dev-a', 'dev-b')]
    try:
        ok = (image['status'] == 'active'
              and image['os_hash_value'] == sha512
              and all(os.path.getsize(f) == size for f in files)
              and (not verify or all(sha512_of(f) == sha512
                                     for f in files)))
    finally:
        for name in files:
            with contextlib.suppress(OSError):
                os.unlink(name)
    if not ok:
        raise RuntimeError('CIMinG did not store %s whole: %s'
                           % (path, image))
    return {'seconds': seconds, 'upload_seconds': image['_upload_seconds'],
            'cpu_seconds': cpu_seconds, 'curl_cpu': image['_client_cpu'],
            'peak_rss': peak,
            'samples': sampler.samples}


def run_local(args, workdir):
    service = AllInOne(workdir, args.extra_config)
    sizes = [args.size_mib * MiB // 4, args.size_mib * MiB]
    results = {'sizes': {}}
    try:
        service.start()
        results['idle_rss'] = RSSSampler(service.proc.pid).rss()
        files = {}
        for size in sizes:
            path = os.path.join(workdir, 'image-%dMiB.raw' % (size // MiB))
            print('writing %s (%d MiB of random data)...'
                  % (path, size // MiB), flush=True)
            files[size] = (path, write_random_file(path, size))
        cp_dests = [os.path.join(workdir, 'cp-a.raw'),
                    os.path.join(workdir, 'cp-b.raw')]
        for size in sizes:
            path, sha512 = files[size]
            runs = {'ciming': [], 'pipeline': [], 'pipeline_cpu': [],
                    'cp': []}
            for round_no in range(args.repeat):
                # Verifying every copy's bytes costs a hash per copy:
                # done in the first round only.
                row = time_ciming_local(service, path, sha512,
                                        verify=round_no == 0)
                runs['ciming'].append(row)
                seconds, cpu_seconds = time_pipeline(path, workdir, sha512)
                runs['pipeline'].append(seconds)
                runs['pipeline_cpu'].append(cpu_seconds)
                runs['cp'].append(time_cp(path, cp_dests))
                print('%d MiB round %d: ciming %.2f s, pipeline %.2f s, '
                      'cp %.2f s' % (size // MiB, round_no + 1,
                                     row['seconds'], seconds,
                                     runs['cp'][-1]), flush=True)
            best = min(runs['ciming'], key=lambda r: r['seconds'])
            results['sizes'][size] = {
                'runs': runs, 'ciming': best,
                'peak_rss': max(r['peak_rss'] for r in runs['ciming']),
                'pipeline': min(runs['pipeline']),
                'pipeline_cpu': min(runs['pipeline_cpu']),
                'cp': min(runs['cp']), 'hash': time_hash(path)}
    finally:
        results['exit_code'] = service.stop()
    return results


def report_local(results):
    print()
    print('CIMinG create-from-upload to two local clouds (all-in-one, '
          'curl -T) vs the shell pipeline doing the same work')
    header = ('%-9s %8s %8s %8s %8s %9s %7s %8s %8s %7s %9s'
              % ('size', 'pipe s', 'pipe cpu', 'cp s', 'hash s', 'ciming s',
                 'put s', 'cpu s', 'MiB/s', 'ratio', 'peak RSS'))
    print(header)
    print('-' * len(header))
    for size, row in sorted(results['sizes'].items()):
        ours = row['ciming']
        print('%-9s %8.2f %8.2f %8.2f %8.2f %9.2f %7.2f %8.2f %8.1f %7.2f '
              '%6.1f MB'
              % ('%d MiB' % (size // MiB), row['pipeline'],
                 row['pipeline_cpu'], row['cp'], row['hash'],
                 ours['seconds'], ours['upload_seconds'],
                 ours['cpu_seconds'], size / MiB / ours['seconds'],
                 ours['seconds'] / row['pipeline'], row['peak_rss'] / MB))
    print()
    print('pipe s: cat | tee into staging, two copies, sha512sum and md5sum '
          '(best run), pipe cpu: its CPU seconds; cp s: cp to two places; '
          'hash s: one md5+sha512 pass in one Python thread; ciming s: '
          'create + curl PUT + active in both clouds, of which put s the '
          'PUT; cpu s: the all-in-one\'s CPU seconds; ratio: ciming / pipe')
    sizes = sorted(results['sizes'])
    small, big = results['sizes'][sizes[0]], results['sizes'][sizes[-1]]
    ratio = big['ciming']['seconds'] / big['pipeline']
    growth = (big['peak_rss'] - small['peak_rss']) / MB
    print('goal ratio <= %.1f: %s (%.2f)'
          % (RATIO_GOAL, 'met' if ratio <= RATIO_GOAL else 'NOT met',
             ratio))
    print('goal peak RSS < %d MB: %s (%.1f MB; idle %.1f MB); growth from '
          '%d to %d MiB: %+.1f MB (%s)'
          % (RSS_GOAL_MB, 'met' if big['peak_rss'] / MB < RSS_GOAL_MB
             else 'NOT met', big['peak_rss'] / MB, results['idle_rss'] / MB,
             sizes[0] // MiB, sizes[-1] // MiB, growth,
             'flat' if growth < 20 else 'GROWS'))
    print('all-in-one exit code after SIGTERM: %s' % results['exit_code'])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--parts', nargs='+', default=['local', 'glance'],
                        choices=['local', 'glance'],
                        help='local: the all-in-one and two local clouds; '
                             'glance: the Glances of tools/functional')
    parser.add_argument('--size-mib', type=int, default=int(
        os.environ.get('CIMING_BENCH_SIZE_MIB', 1024)),
        help='size of the image in MiB (default 1024); the local part '
             'also runs a quarter of it')
    parser.add_argument('--repeat', type=int, default=3,
                        help='rounds of every method, best kept (3)')
    parser.add_argument('--glance', default='r1',
                        choices=['r1', 'r2', 'beta'],
                        help='glance part: the Glance of the direct upload '
                             'and of CIMinG\'s 1 target (r1: RegionOne)')
    parser.add_argument('--dir', default=os.environ.get('CIMING_BENCH_DIR'),
                        help='where to put the work directory (default: '
                             'the system temporary directory)')
    parser.add_argument('--extra-config', default='',
                        help='local part: config lines appended to the '
                             'all-in-one\'s file, e.g. '
                             '"[transfer]\\nchunk_size = 8388608"')
    parser.add_argument('--no-copy-during-upload', action='store_true',
                        help='both parts: CIMinG with [api] '
                             'copy_during_upload = false (the job starts '
                             'once the upload is complete), to compare')
    parser.add_argument('--client-rate', default=None,
                        help='glance part: every upload (direct and to '
                             'CIMinG) sent at most this fast, as curl\'s '
                             '--limit-rate (e.g. 100M: 100 MiB/s), as from '
                             'a client on a slower network')
    parser.add_argument('--keep', action='store_true',
                        help='keep the work directory (logs, data)')
    parser.add_argument('--json', action='store_true',
                        help='also print the raw numbers as JSON')
    args = parser.parse_args(argv)
    args.extra_config = args.extra_config.replace('\\n', '\n')
    if args.no_copy_during_upload:
        args.extra_config += '\n[api]\ncopy_during_upload = false\n'
    if args.size_mib < 4:
        parser.error('--size-mib must be at least 4')
    workdir = tempfile.mkdtemp(prefix='ciming-bench-', dir=args.dir)
    report = {'size_mib': args.size_mib, 'repeat': args.repeat,
              'cpus': os.cpu_count()}
    try:
        if 'local' in args.parts:
            report['local'] = run_local(args, workdir)
        if 'glance' in args.parts:
            import upload_glance
            report['glance'] = upload_glance.run(args, workdir)
    except (RuntimeError, requests.RequestException, OSError) as exc:
        print('benchmark could not run: %s' % exc, file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print('kept %s' % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    report['loadavg'] = os.getloadavg()
    if 'local' in report:
        report_local(report['local'])
    if 'glance' in report:
        upload_glance.report(report['glance'], args)
    if args.json:
        print(json.dumps(report, indent=1, sort_keys=True, default=str))
    return 0


if __name__ == '__main__':
    sys.exit(main())
