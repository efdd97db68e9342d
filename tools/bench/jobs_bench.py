#!/usr/bin/env python3
"""Benchmark many concurrent CIMinG syncs on a split deployment.

Scenario ``jobs`` of issue 12 (see tools/bench/README.rst): ``--jobs``
(50) random images of ``--size-mib`` (64) MiB in RegionOne, each adopted
with the target RegionTwo, all requests sent at once to a deployment of
``--conductors`` (3) conductors sharing a Redis jobboard. It reports the
total time from the first request to the last success, per job the time
to the first byte and to success, the conductor that ran each job, and
every copy checked against its source's sha512. The baseline, in the
same run: the same copies by ``curl`` pipes (GET piped into PUT), as
many at once (``--pipe-concurrency``, by default all of them).

It needs the environment of tools/functional running and the shared
RabbitMQ, MariaDB (or PostgreSQL, ``--backend``) and Redis. It is a
benchmark, not a test: it exits 0 whatever the numbers, and 1 when the
deployment cannot run.
"""

import argparse
import collections
import concurrent.futures
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import redis
import requests
import sqlalchemy as sa

import openstack_bench as ob
from tests.functional import base as func_base  # noqa: I202
from tests.functional import test_openstack

MiB = ob.MiB
MB = ob.MB
log = ob.log
FINAL = ('succeeded', 'partial', 'failed', 'cancelled')
# Bytes of each source that make it unique (a counter, then the base
# file): fifty distinct images from one random file written once.
PREFIX = 16
# The conductor's log line as it starts (or resumes) a job's flow.
_RUN_LINE = re.compile(r'Job ([0-9a-f-]{36}): \w+ of image')
_CLAIM_LINE = re.compile(r'Claimed job ([0-9a-f-]{36}) from the jobboard')
_TTFB = re.compile(r'ttfb=([0-9.]+)')


def percentile(values, pct):
    """Nearest-rank percentile; None of nothing."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100.0 * len(ordered)) - 1)]


def spread(values):
    return {'p50': percentile(values, 50), 'p99': percentile(values, 99),
            'max': max(values) if values else None}


# ``--debug``: what a job asks Keystone and Glance, and its tasks.
DEBUG_CONFIG = {'DEFAULT': {
    'debug': 'true',
    'default_log_levels': 'keystoneauth=DEBUG,taskflow=DEBUG,amqp=WARN,'
    'oslo.messaging=WARN,sqlalchemy=WARN,stevedore=WARN,urllib3=WARN,'
    'oslo_policy=WARN,glanceclient=WARN,cotyledon=WARN'}}


def jobboard_config(namespace, workers=None, debug=False):
    """The deployment's overlay: a Redis jobboard, operator defaults."""
    config = {'taskflow': {
        'jobboard_backend': 'redis',
        'jobboard_backend_hosts': '127.0.0.1',
        'jobboard_backend_port': 6379,
        'jobboard_backend_namespace': namespace}}
    # The functional tests' deployment sweeps once an hour; an operator's
    # every minute (the default), and during this run.
    config['conductor'] = {'periodic_interval': 60}
    if workers:
        config['conductor']['workers'] = workers
    return func_base.merge_sections(config, DEBUG_CONFIG if debug else {})


# Sources


def upload_sources(glance, count, size, workdir, concurrency):
    """``count`` distinct random images in ``glance``: [(id, sha512)].

    One random file is written; source ``n`` is that file with its first
    bytes replaced by ``n``. Uploaded by ``curl``, ``concurrency`` at a
    time.
    """
    base = os.path.join(workdir, 'base.img')
    ob.write_image_file(base, size, 'random')

    def one(n):
        image_id = glance.create('bench-jobs-source-%d' % n)
        subprocess.run(
            '{ printf "%%0%dd" "$N"; tail -c +%d "$BASE"; } | '
            'curl -sS -f -X PUT -H "X-Auth-Token: $TOKEN" '
            '-H "Content-Type: application/octet-stream" -T - "$URL"'
            % (PREFIX, PREFIX + 1), shell=True, check=True,
            env=dict(os.environ, N=str(n), BASE=base, TOKEN=glance.token,
                     URL=glance._url('/v2/images/%s/file' % image_id)))
        return image_id, glance.wait_active(image_id)['os_hash_value']

    sources = []
    try:
        with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
            for result in pool.map(one, range(count)):
                sources.append(result)
    finally:
        os.unlink(base)
        if len(sources) != count:
            for image_id, _ in sources:
                glance.delete(image_id)
    if len({sha for _, sha in sources}) != count:
        raise RuntimeError('the sources are not all distinct')
    return sources


# CIMinG


class JobWatcher(threading.Thread):
    """Polls ``GET /v1/jobs`` and notes when each job was seen doing what.

    One list request per poll, whatever the number of jobs: polling each
    job would load the API (and Keystone) with the bench's own requests.
    """

    def __init__(self, client, interval, timeout):
        super().__init__(daemon=True)
        self.client = client
        self.interval = interval
        self.deadline = time.monotonic() + timeout
        self.seen = {}
        self.expected = None
        self.errors = 0
        self.most_running = 0
        self._lock = threading.Lock()
        self._done = threading.Event()

    def expect(self, job_ids):
        with self._lock:
            self.expected = set(job_ids)

    def _note(self, job, now):
        record = self.seen.setdefault(job['id'], {})
        record['job'] = job
        if job['state'] != 'pending':
            record.setdefault('started', now)
        if any(t['bytes_done'] for t in job['targets']):
            record.setdefault('first_byte', now)
        if job['state'] in FINAL:
            record.setdefault('first_byte', now)
            record.setdefault('ended', now)

    def _all_ended(self):
        with self._lock:
            if self.expected is None:
                return False
            return all('ended' in self.seen.get(job_id, {})
                       for job_id in self.expected)

    def run(self):
        while time.monotonic() < self.deadline:
            try:
                jobs = self.client.get('/v1/jobs?limit=1000')['jobs']
            except (func_base.APIError, requests.RequestException) as exc:
                # Keystone, busy, now and then refuses a validation.
                self.errors += 1
                log('polling jobs: %s' % exc)
                jobs = []
            now = time.monotonic()
            for job in jobs:
                self._note(job, now)
            self.most_running = max(self.most_running, sum(
                1 for job in jobs if job['state'] == 'running'))
            if self._all_ended():
                break
            time.sleep(self.interval)
        self._done.set()

    def wait(self):
        self._done.wait()
        self.join()


def run_ciming(env, sources, interval, timeout):
    """Adopt every source with the target RegionTwo, all at once."""
    r1, r2 = env.glances['r1'], env.glances['r2']
    watcher = JobWatcher(
        test_openstack.TokenClient(env.deployment.endpoint,
                                   env.alpha_session), interval, timeout)
    barrier = threading.Barrier(len(sources))

    def adopt(source):
        src_id, _sha = source
        client = test_openstack.TokenClient(env.deployment.endpoint,
                                            env.alpha_session)
        client.keystone.get_token()
        barrier.wait()
        sent = time.monotonic()
        try:
            adopted = client.post('/v1/images/adopt', {
                'source': {'cloud': env.clouds[r1.name],
                           'remote_id': src_id},
                'targets': [env.clouds[r2.name]]}, timeout=600)
        except (func_base.APIError, requests.RequestException) as exc:
            return {'source': src_id, 'sent': sent, 'error': str(exc)}
        return {'source': src_id, 'sent': sent, 'answered': time.monotonic(),
                'image': adopted['id'], 'job': adopted['job']['id']}

    watcher.start()
    with concurrent.futures.ThreadPoolExecutor(len(sources)) as pool:
        requests_made = list(pool.map(adopt, sources))
    watcher.expect(r['job'] for r in requests_made if 'job' in r)
    watcher.wait()
    return requests_made, watcher


def ciming_results(env, sources, requests_made, watcher):
    """Figures of the CIMinG run; each copy checked, then cleaned up."""
    copies = [t['remote_id'] for seen in watcher.seen.values()
              for t in seen['job']['targets'] if t.get('remote_id')]
    try:
        results = _ciming_figures(env, dict(sources), requests_made,
                                  watcher)
    finally:
        cleanup_ciming(env, requests_made, copies)
    return results


def _ciming_figures(env, want, requests_made, watcher):
    first = min(r['sent'] for r in requests_made)
    ttfb, done, running, adopt_s, began = [], [], [], [], []
    states = collections.Counter()
    failures, verified, last = [], 0, first
    for made in requests_made:
        if 'error' in made:
            states['request refused'] += 1
            failures.append({'source': made['source'],
                             'error': made['error']})
            continue
        adopt_s.append(made['answered'] - made['sent'])
        seen = watcher.seen.get(made['job'], {})
        job = seen.get('job') or {'state': 'never seen', 'targets': []}
        state = job['state'] if 'ended' in seen else 'unfinished'
        states[state] += 1
        if state != 'succeeded':
            failures.append({'job': made['job'], 'state': job['state'],
                             'error': job.get('error'),
                             'targets': [(t['state'], t['error'])
                                         for t in job['targets']]})
            continue
        began.append(seen.get('started', seen['ended']) - made['sent'])
        ttfb.append(seen['first_byte'] - made['sent'])
        done.append(seen['ended'] - made['sent'])
        running.append(seen['ended'] - seen.get('started', seen['ended']))
        last = max(last, seen['ended'])
        got = env.glances['r2'].get(
            job['targets'][0]['remote_id']).get('os_hash_value')
        if got == want[made['source']]:
            verified += 1
        else:
            failures.append({'job': made['job'],
                             'error': 'copy has sha512 %s, not %s'
                                      % (got, want[made['source']])})
    hosts = conductor_hosts(env.deployment)
    runs, claims = conductor_logs(env.deployment)
    by_host = collections.Counter(
        hosts.get(made.get('job'), '?') for made in requests_made
        if 'job' in made)
    return {
        'total seconds': last - first,
        'succeeded': states['succeeded'],
        'failed': sum(n for s, n in states.items() if s != 'succeeded'),
        'states': dict(states),
        'verified': verified,
        'time to start': spread(began),
        'time to first byte': spread(ttfb),
        'time to success': spread(done),
        'running time': spread(running),
        'adopt request seconds': spread(adopt_s),
        'most jobs running at once': watcher.most_running,
        'jobs per conductor': dict(sorted(by_host.items())),
        'jobboard claims per conductor': claims,
        'jobs run more than once': {j: n for j, n in runs.items() if n > 1},
        'poll errors': watcher.errors,
        'failures': failures,
    }


def conductor_hosts(deployment):
    """``{job id: conductor_host}`` from the deployment's database."""
    engine = sa.create_engine(deployment.backend.url(deployment.database),
                              poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(sa.text(
                'SELECT id, conductor_host FROM jobs')).fetchall())
    finally:
        engine.dispose()


def conductor_logs(deployment):
    """Flows started per job, and jobboard claims per conductor."""
    runs = collections.Counter()
    claims = {}
    for index in range(deployment.conductor_count):
        host = deployment.conductor_host(index)
        claims[host] = 0
        with open(deployment.conductor_log(index), errors='replace') as log:
            for line in log:
                match = _RUN_LINE.search(line)
                if match:
                    runs[match.group(1)] += 1
                if _CLAIM_LINE.search(line):
                    claims[host] += 1
    return runs, claims


def cleanup_ciming(env, requests_made, copies):
    """Forget the images in CIMinG (copies kept), then delete the copies."""
    for made in requests_made:
        if 'image' in made:
            try:
                env.client.delete('/v1/images/%s' % made['image'])
            except func_base.APIError as exc:
                log('could not delete CIMinG image %s: %s'
                    % (made['image'], exc))
    for remote_id in copies:
        env.glances['r2'].delete(remote_id)


# Baseline


def pipe(source, src_id, target):
    """One ``curl`` GET piped into a ``curl`` PUT; its times, its copy."""
    start = time.monotonic()
    dst_id = None
    try:
        dst_id = target.create('bench-jobs-pipe')
        began = time.monotonic()
        result = subprocess.run(
            'set -o pipefail; curl -sS -f -w "%{stderr}ttfb=%{'
            'time_starttransfer}\\n" -H "X-Auth-Token: $SRC_TOKEN" '
            '"$SRC_URL" | curl -sS -f -X PUT -H "X-Auth-Token: $DST_TOKEN" '
            '-H "Content-Type: application/octet-stream" -T - "$DST_URL"',
            shell=True, executable='/bin/bash', capture_output=True,
            text=True, env=dict(
                os.environ, SRC_TOKEN=source.token, DST_TOKEN=target.token,
                SRC_URL=source._url('/v2/images/%s/file' % src_id),
                DST_URL=target._url('/v2/images/%s/file' % dst_id)))
        if result.returncode:
            raise RuntimeError('pipe exited %s: %s'
                               % (result.returncode, result.stderr[-500:]))
        first = _TTFB.search(result.stderr)
        image = target.wait_active(dst_id)
        return {'copy': dst_id, 'sha512': image['os_hash_value'],
                'seconds': time.monotonic() - start,
                'first_byte': began - start + float(first.group(1)),
                'ended': time.monotonic()}
    except Exception as exc:  # noqa: B902 - counted as a failure
        return {'copy': dst_id, 'error': str(exc)}


def run_pipes(env, sources, concurrency):
    r1, r2 = env.glances['r1'], env.glances['r2']
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(lambda s: pipe(r1, s[0], r2), sources))
    ok = [r for r in results if 'error' not in r]
    verified = sum(1 for r, (_id, sha) in zip(results, sources)
                   if r.get('sha512') == sha)
    for result in results:
        if result.get('copy'):
            r2.delete(result['copy'])
    return {
        'total seconds': (max(r['ended'] for r in ok) - start
                          if ok else None),
        'succeeded': len(ok),
        'failed': len(results) - len(ok),
        'verified': verified,
        'concurrency': concurrency,
        'time to first byte': spread([r['first_byte'] for r in ok]),
        'time to success': spread([r['seconds'] for r in ok]),
        'failures': [r['error'] for r in results if 'error' in r],
    }


# The scenario


def scenario_jobs(args, workdir):
    namespace = 'ciming-bench-%s' % uuid.uuid4().hex[:8]
    env = ob.Environment(jobboard_config(namespace, args.workers,
                                         args.debug),
                         conductors=args.conductors, backend=args.backend)
    size = args.size_mib * MiB
    results = {}
    sources = []
    try:
        env.start()
        r1 = env.glances['r1']
        log('uploading %d sources of %d MiB to RegionOne'
            % (args.jobs, args.size_mib))
        sources = upload_sources(r1, args.jobs, size, workdir,
                                 args.upload_concurrency)
        log('%d curl pipes, %d at a time' % (args.jobs,
                                             args.pipe_concurrency))
        results['pipes'] = run_pipes(env, sources, args.pipe_concurrency)
        log('pipes: %.1f s' % (results['pipes']['total seconds'] or 0))
        log('%d CIMinG syncs at once' % args.jobs)
        made, watcher = run_ciming(env, sources, args.poll, args.timeout)
        results['ciming'] = ciming_results(env, sources, made, watcher)
        log('ciming: %.1f s' % results['ciming']['total seconds'])
        if results['pipes']['total seconds']:
            results['ratio ciming/pipes'] = {
                'total': results['ciming']['total seconds']
                / results['pipes']['total seconds']}
            for figure in ('time to first byte', 'time to success'):
                ours = results['ciming'][figure]['p50']
                theirs = results['pipes'][figure]['p50']
                if ours is not None and theirs:
                    results['ratio ciming/pipes'][figure + ' p50'] = (
                        ours / theirs)
        results['deployment'] = {
            'conductors': args.conductors,
            'workers per conductor': args.workers or 'default (4)',
            'jobboard': 'redis', 'backend': args.backend}
    finally:
        for image_id, _sha in sources:
            env.glances['r1'].delete(image_id)
        env.stop()
        _forget_namespace(namespace)
    return results


def _forget_namespace(namespace):
    """Remove what the deployment left on Redis (the board's own keys)."""
    try:
        client = redis.Redis(host='127.0.0.1', port=6379)
        for key in client.scan_iter(match=namespace + '*'):
            client.delete(key)
    except redis.RedisError as exc:
        log('could not clean Redis namespace %s: %s' % (namespace, exc))


def _fmt(value):
    return '%7.2f' % value if value is not None else '      -'


def print_table(args, results):
    print('jobs: %d x %d MiB RegionOne -> RegionTwo, %d conductors, Redis '
          'jobboard, %s; pipes %d at a time'
          % (args.jobs, args.size_mib, args.conductors, args.backend,
             args.pipe_concurrency))
    print('  %-8s %8s %9s %23s %23s' % (
        '', 'total s', 'ok/fail', 'first byte p50/p99/max',
        'success p50/p99/max'))
    for how in ('ciming', 'pipes'):
        r = results[how]
        print('  %-8s %8s %4d/%-4d %s %s' % (
            how, _fmt(r['total seconds']), r['succeeded'], r['failed'],
            ' '.join(_fmt(r['time to first byte'][k])
                     for k in ('p50', 'p99', 'max')),
            ' '.join(_fmt(r['time to success'][k])
                     for k in ('p50', 'p99', 'max'))))
    ours = results['ciming']
    for label, value in results.get('ratio ciming/pipes', {}).items():
        print('  ratio ciming/pipes %-24s %.2f' % (label, value))
    print('  ciming: verified %d of %d, throughput %.1f MB/s (pipes %s)' % (
        ours['verified'], args.jobs,
        args.jobs * args.size_mib * MiB / MB / ours['total seconds'],
        '%.1f MB/s' % (args.jobs * args.size_mib * MiB / MB
                       / results['pipes']['total seconds'])
        if results['pipes']['total seconds'] else '-'))
    for figure in ('adopt request seconds', 'time to start',
                   'running time'):
        print('  ciming: %-21s p50/p99/max %s' % (figure, ' '.join(
            _fmt(ours[figure][k]) for k in ('p50', 'p99', 'max'))))
    print('  most jobs running at once: %d'
          % ours['most jobs running at once'])
    print('  jobs per conductor: %s' % ', '.join(
        '%s %d' % item for item in ours['jobs per conductor'].items()))
    print('  jobboard claims per conductor: %s' % ', '.join(
        '%s %d' % item for item in
        ours['jobboard claims per conductor'].items()))
    print('  jobs run more than once: %d' % len(
        ours['jobs run more than once']))
    for failure in ours['failures'] + [
            {'pipe': f} for f in results['pipes']['failures']]:
        print('  FAILED: %s' % json.dumps(failure))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--jobs', type=int, default=50)
    parser.add_argument('--size-mib', type=int, default=64)
    parser.add_argument('--conductors', type=int, default=3)
    parser.add_argument('--workers', type=int,
                        help='[conductor] workers (the default: 4)')
    parser.add_argument('--backend', default='mysql',
                        choices=['mysql', 'postgresql'])
    parser.add_argument('--pipe-concurrency', type=int,
                        help='curl pipes at a time (default: --jobs)')
    parser.add_argument('--upload-concurrency', type=int, default=8,
                        help='sources uploaded at a time')
    parser.add_argument('--poll', type=float, default=0.2,
                        help='seconds between two looks at the jobs')
    parser.add_argument('--timeout', type=float, default=3600)
    parser.add_argument('--debug', action='store_true',
                        help='the deployment logs at debug (with '
                             'CIMING_TEST_KEEP=1 its logs are kept)')
    parser.add_argument('--json', action='store_true')
    args = parser.parse_args()
    args.pipe_concurrency = args.pipe_concurrency or args.jobs
    with tempfile.TemporaryDirectory(prefix='ciming-bench-') as workdir:
        try:
            results = scenario_jobs(args, workdir)
        except (func_base.ServiceUnavailable,
                func_base.DeploymentFailed) as exc:
            sys.exit('jobs: %s' % exc)
    report = {'scenario': 'jobs', 'jobs': args.jobs,
              'size_mib': args.size_mib, 'cpus': os.cpu_count(),
              'loadavg': os.getloadavg(), 'results': results}
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        print_table(args, results)


if __name__ == '__main__':
    main()
