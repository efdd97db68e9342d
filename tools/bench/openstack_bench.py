#!/usr/bin/env python3
"""Benchmark CIMinG's Glance-to-Glance copies against the hand-made ways.

Scenarios (see tools/bench/README.rst):

``glance-to-glance``
    One image (random, then mostly zeros) copied RegionOne -> RegionTwo
    (one Keystone) and alpha -> beta (two Keystones) by CIMinG (adopt with
    a target: the time from the request to the job's success), beside
    the direct streamed copy (``curl`` GET piped into a ``curl`` PUT),
    ``openstack image save`` + ``openstack image create``, and Glance's
    ``glance-download`` import where it applies (one Keystone).
``fan-out``
    One RegionOne source copied by CIMinG to 1, 2 and 4 Glance targets,
    beside ``curl`` pipes to the same targets, with the bytes read from
    the source and the CPU seconds every process spent per copy.
``footprint``
    Peak resident memory of the API and of the conductor (each process,
    and a process with its children) while CIMinG copies a 1 GiB, then a
    4 GiB random image RegionOne -> RegionTwo.
``requests``
    The HTTP requests CIMinG (API and conductor) sends to Keystone and
    Glance per copy job RegionOne -> RegionTwo, counted from
    keystoneauth's request log (the deployment runs with debug logging),
    with a breakdown by request.

Every copy is verified (the target's sha512 against the source's). Each
method runs ``--repeat`` times, interleaved with the others, and the best
time is kept: ratios are to a baseline measured in the same run, of the
best times and, as the median of each round's ratio, round by round.

It needs the environment of tools/functional running and the shared
RabbitMQ and MariaDB (tools/ensure-services); it starts its own CIMinG
API and conductor (tests/functional/base.py's Deployment). It is a
benchmark, not a test: it exits 0 whatever the numbers.
"""

import argparse
import collections
import glob
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import psutil
import requests

import upload_bench

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from keystoneauth1.identity import v3  # noqa: E402
from keystoneauth1 import session as ks_session  # noqa: E402

from tests.functional import base as func_base  # noqa: E402
from tests.functional import test_openstack  # noqa: E402

MiB = 1024 * 1024
MB = 1000 * 1000
STATE_DIR = os.environ.get('CIMING_FUNC_STATE', '/tmp/ciming-functional')
OPENSTACK = os.environ.get(
    'CIMING_BENCH_OPENSTACK',
    os.path.expanduser('~/.cache/ciming-functional/venv/bin/openstack'))
POLL = 0.1
# A run that fails (a server of a shared environment restarted) is retried.
ATTEMPTS = 3


def log(message):
    sys.stderr.write('%s %s\n' % (time.strftime('%H:%M:%S'), message))
    sys.stderr.flush()


def write_image_file(path, size, kind):
    """``random``: random bytes; ``sparse``: zeros but 1 MiB in 64."""
    with open(path, 'wb') as out:
        left = size
        index = 0
        while left:
            block = min(MiB, left)
            if kind == 'random' or index % 64 == 0:
                out.write(os.urandom(block))
            else:
                out.write(bytes(block))
            left -= block
            index += 1


class Glance:
    """One Glance region, reached with one user's Keystone session."""

    def __init__(self, name, session, endpoint, region):
        self.name = name
        self.session = session
        self.endpoint = endpoint.rstrip('/')
        self.region = region

    @property
    def token(self):
        return self.session.get_token()

    def _url(self, path):
        return self.endpoint + path

    def create(self, name):
        resp = requests.post(self._url('/v2/images'), json={
            'name': name, 'disk_format': 'raw', 'container_format': 'bare'},
            headers={'X-Auth-Token': self.token})
        resp.raise_for_status()
        return resp.json()['id']

    def get(self, image_id):
        resp = requests.get(self._url('/v2/images/%s' % image_id),
                            headers={'X-Auth-Token': self.token})
        resp.raise_for_status()
        return resp.json()

    def delete(self, image_id):
        requests.delete(self._url('/v2/images/%s' % image_id),
                        headers={'X-Auth-Token': self.token})

    def upload_file(self, image_id, path):
        subprocess.run(
            ['curl', '-sS', '-f', '-X', 'PUT', '-H',
             'X-Auth-Token: ' + self.token, '-H',
             'Content-Type: application/octet-stream', '-T', path,
             self._url('/v2/images/%s/file' % image_id)], check=True)

    def wait_active(self, image_id, timeout=3600):
        deadline = time.monotonic() + timeout
        while True:
            image = self.get(image_id)
            if image['status'] == 'active':
                return image
            if image['status'] in ('killed', 'deleted', 'deactivated'):
                raise RuntimeError('%s: image %s became %s'
                                   % (self.name, image_id, image['status']))
            if time.monotonic() > deadline:
                raise RuntimeError('%s: image %s still %s'
                                   % (self.name, image_id, image['status']))
            time.sleep(POLL)

    def import_methods(self):
        resp = requests.get(self._url('/v2/info/import'),
                            headers={'X-Auth-Token': self.token})
        resp.raise_for_status()
        return resp.json()['import-methods']['value']


def _session(cloud, user):
    return ks_session.Session(auth=v3.Password(
        auth_url=cloud['auth_url'], username=user['username'],
        password=user['password'],
        user_domain_name=user['user_domain_name'],
        project_name=user['project_name'],
        project_domain_name=user['project_domain_name']))


class Environment:
    """The Glances of tools/functional and a CIMinG deployment on them."""

    def __init__(self, config=None, conductors=1, backend='mysql'):
        with open(os.path.join(STATE_DIR, 'env.json')) as env:
            self.env = json.load(env)
        alpha, beta = self.env['clouds']['alpha'], self.env['clouds']['beta']
        self.alpha_session = _session(alpha, alpha['users']['demo'])
        self.beta_user = beta['users']['beta-demo']
        self.beta_session = _session(beta, self.beta_user)
        self.glances = {
            'r1': Glance('r1', self.alpha_session,
                         alpha['regions']['RegionOne']['image'],
                         'RegionOne'),
            'r2': Glance('r2', self.alpha_session,
                         alpha['regions']['RegionTwo']['image'],
                         'RegionTwo'),
            'beta': Glance('beta', self.beta_session,
                           beta['regions']['RegionOne']['image'],
                           'RegionOne'),
        }
        # Two more targets for fan-out (the environment has no more
        # Glances): RegionTwo and RegionOne seen from alpha's other
        # project, reached with credentials given with the request. Not
        # an admin: an admin sees every project's images, the copy of
        # the other project's target among them.
        other = alpha['users']['other']
        self.extra_users = {'r2-other': (alpha, other, 'RegionTwo'),
                            'r1-other': (alpha, other, 'RegionOne')}
        for name, (cloud, user, region) in self.extra_users.items():
            self.glances[name] = Glance(
                name, _session(cloud, user),
                cloud['regions'][region]['image'], region)
        self.os_clouds = {'r1': 'alpha-demo', 'r2': 'alpha-demo-r2',
                          'beta': 'beta-demo'}
        # The functional tests' deployment with the defaults an operator
        # would have where they differ.
        self.config = func_base.merge_sections(
            test_openstack.keystone_config(self.env),
            {'conductor': {'progress_interval': 1.0},
             'glance': {'poll_interval': 1.0}}, config or {})
        self.conductors = conductors
        self.backend = backend
        self.deployment = None
        self.pull = None
        self.client = None
        self.clouds = {}

    def start(self):
        self.deployment = func_base.Deployment(
            self.backend, self.config, conductors=self.conductors)
        self.deployment.start()
        self.client = test_openstack.TokenClient(self.deployment.endpoint,
                                                 self.alpha_session)
        suffix = uuid.uuid4().hex[:6]
        beta = self.env['clouds']['beta']
        for where, body in (
                ('r1', {'region': 'RegionOne'}),
                ('r2', {'region': 'RegionTwo'}),
                ('beta', {'region': 'RegionOne', 'options': {
                    'auth_url': beta['auth_url'],
                    'project_name': self.beta_user['project_name'],
                    'project_domain_name':
                        self.beta_user['project_domain_name'],
                    'user_domain_name':
                        self.beta_user['user_domain_name']}})):
            name = 'bench-%s-%s' % (where, suffix)
            self.client.post('/v1/clouds', dict(body, name=name,
                                                type='openstack'))
            self.clouds[where] = name
        for where, (cloud, user, _region) in self.extra_users.items():
            name = 'bench-%s-%s' % (where, suffix)
            self.client.post('/v1/clouds', {
                'name': name, 'type': 'openstack',
                'region': self.glances[where].region, 'options': {
                    'auth_url': cloud['auth_url'],
                    'project_name': user['project_name'],
                    'project_domain_name': user['project_domain_name'],
                    'user_domain_name': user['user_domain_name']}})
            self.clouds[where] = name
        return self

    def stop(self):
        if self.pull is not None:
            self.pull.stop()
        if self.deployment is not None:
            self.deployment.stop()

    def credentials(self, targets=None):
        users = dict(self.extra_users, beta=(None, self.beta_user, None))
        return {self.clouds[where]: {
            'auth_type': 'password', 'username': user['username'],
            'password': user['password']}
            for where, (_cloud, user, _region) in users.items()
            if targets is None or where in targets}

    def conductor_pid(self):
        return self.deployment.conductor.pid


# The copy methods: each returns (seconds, [(glance, image_id), ...]).


def copy_ciming(env, source, src_id, targets):
    client = env.client
    start = time.monotonic()
    adopted = client.post('/v1/images/adopt', {
        'source': {'cloud': env.clouds[source.name], 'remote_id': src_id},
        'targets': [env.clouds[t.name] for t in targets],
        'credentials': env.credentials([t.name for t in targets])})
    job_id = adopted['job']['id']
    while True:
        try:
            job = client.get('/v1/jobs/%s' % job_id)
        except (func_base.APIError, requests.ConnectionError) as exc:
            # The shared Keystone, overloaded, refuses a connection now
            # and then (503 here): the job goes on, ask again.
            log('polling job %s: %s' % (job_id, exc))
            time.sleep(POLL)
            continue
        if job['state'] in ('succeeded', 'partial', 'failed', 'cancelled'):
            break
        time.sleep(POLL)
    seconds = time.monotonic() - start
    image = client.get('/v1/images/%s' % adopted['id'])
    client.delete('/v1/images/%s' % adopted['id'])
    copies = []
    for loc in image['locations']:
        for target in targets:
            if loc['cloud_name'] == env.clouds[target.name] and \
                    loc.get('remote_id'):
                copies.append((target, loc['remote_id']))
    if job['state'] != 'succeeded':
        raise RuntimeError('CIMinG job %s %s: %s'
                           % (job_id, job['state'], job))
    return seconds, copies


def copy_pipe(env, source, src_id, targets):
    [target] = targets
    start = time.monotonic()
    dst_id = target.create('bench-pipe')
    subprocess.run(
        'curl -sS -f -H "X-Auth-Token: $SRC_TOKEN" "$SRC_URL" | '
        'curl -sS -f -X PUT -H "X-Auth-Token: $DST_TOKEN" '
        '-H "Content-Type: application/octet-stream" -T - "$DST_URL"',
        shell=True, check=True, env=dict(
            os.environ, SRC_TOKEN=source.token, DST_TOKEN=target.token,
            SRC_URL=source._url('/v2/images/%s/file' % src_id),
            DST_URL=target._url('/v2/images/%s/file' % dst_id)))
    target.wait_active(dst_id)
    return time.monotonic() - start, [(target, dst_id)]


def copy_pipes(env, source, src_id, targets):
    """One ``curl`` GET teed into a ``curl`` PUT to each target at once."""
    start = time.monotonic()
    copies = [(t, t.create('bench-pipes')) for t in targets]
    environ = dict(os.environ, SRC_TOKEN=source.token,
                   SRC_URL=source._url('/v2/images/%s/file' % src_id))
    puts = []
    for n, (target, dst_id) in enumerate(copies):
        environ['DST_TOKEN_%d' % n] = target.token
        environ['DST_URL_%d' % n] = target._url('/v2/images/%s/file'
                                                % dst_id)
        puts.append('curl -sS -f -X PUT -H "X-Auth-Token: $DST_TOKEN_%d" '
                    '-H "Content-Type: application/octet-stream" -T - '
                    '"$DST_URL_%d"' % (n, n))
    subprocess.run(
        ['bash', '-c', 'set -o pipefail; curl -sS -f -H "X-Auth-Token: '
         '$SRC_TOKEN" "$SRC_URL" | tee %s > /dev/null; wait'
         % ' '.join('>(%s)' % put for put in puts)],
        check=True, env=environ)
    for target, dst_id in copies:
        target.wait_active(dst_id)
    return time.monotonic() - start, copies


def copy_osc(env, source, src_id, targets):
    [target] = targets
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith('OS_')}
    environ['OS_CLIENT_CONFIG_FILE'] = os.path.join(STATE_DIR, 'clouds.yaml')
    name = 'bench-osc-%s' % uuid.uuid4().hex[:6]
    with tempfile.TemporaryDirectory(prefix='ciming-bench-') as tmp:
        path = os.path.join(tmp, 'image')
        start = time.monotonic()
        subprocess.run([OPENSTACK, '--os-cloud', env.os_clouds[source.name],
                        'image', 'save', '--file', path, src_id],
                       check=True, env=environ)
        out = subprocess.run(
            [OPENSTACK, '--os-cloud', env.os_clouds[target.name], 'image',
             'create', '--file', path, '--disk-format', 'raw',
             '--container-format', 'bare', '-f', 'value', '-c', 'id', name],
            check=True, env=environ, capture_output=True, text=True)
        dst_id = out.stdout.strip()
        target.wait_active(dst_id)
        return time.monotonic() - start, [(target, dst_id)]


def copy_glance_download(env, source, src_id, targets):
    [target] = targets
    start = time.monotonic()
    dst_id = target.create('bench-glance-download')
    resp = requests.post(
        target._url('/v2/images/%s/import' % dst_id),
        headers={'X-Auth-Token': target.token},
        json={'method': {'name': 'glance-download',
                         'glance_image_id': src_id,
                         'glance_region': source.region,
                         'glance_service_interface': 'public'}})
    resp.raise_for_status()
    target.wait_active(dst_id)
    return time.monotonic() - start, [(target, dst_id)]


def copy_ciming_pull(env, source, src_id, targets):
    """CIMinG with ``[glance] server_side_copy = true``."""
    return copy_ciming(env.pull, source, src_id, targets)


METHODS = {'ciming': copy_ciming, 'ciming-pull': copy_ciming_pull,
           'pipe': copy_pipe, 'pipes': copy_pipes, 'osc': copy_osc,
           'glance-download': copy_glance_download}


def measure(env, method, source, src_id, targets, want_hash):
    seconds, copies = METHODS[method](env, source, src_id, targets)
    try:
        for glance, image_id in copies:
            got = glance.get(image_id).get('os_hash_value')
            if got != want_hash:
                raise RuntimeError('%s copy in %s has sha512 %s, not %s'
                                   % (method, glance.name, got, want_hash))
        if len(copies) != len(targets):
            raise RuntimeError('%s made %d copies for %d targets'
                               % (method, len(copies), len(targets)))
    finally:
        for glance, image_id in copies:
            glance.delete(image_id)
    return seconds


def make_source(glance, size, kind, workdir):
    path = os.path.join(workdir, '%s-%d.img' % (kind, size))
    if not os.path.exists(path):
        write_image_file(path, size, kind)
    image_id = glance.create('bench-source-%s' % kind)
    glance.upload_file(image_id, path)
    image = glance.wait_active(image_id)
    return image_id, image['os_hash_value']


class CPUAccount:
    """CPU seconds of every process taking part in a copy, by process.

    The servers of tools/functional (each gunicorn master with its
    workers, from the pid files), CIMinG's API and conductor (with their
    workers), and the bench's own children (``curl``). Their sum over the
    machine's CPUs is the shortest time the machine could do the copy
    in, whatever the software: a ratio that is bound by the CPUs shows
    here.
    """

    def __init__(self, env):
        self.meters = {}
        for pidfile in glob.glob(os.path.join(STATE_DIR, '*',
                                              'gunicorn.pid')):
            with open(pidfile) as pid:
                name = os.path.basename(os.path.dirname(pidfile))
                self.meters[name] = upload_bench.CPUTime(
                    [int(pid.read().strip())])
        self.meters['ciming-api'] = upload_bench.CPUTime(
            [env.deployment.api.pid])
        self.meters['ciming-conductor'] = upload_bench.CPUTime(
            [env.conductor_pid()])
        self._children = self._children_seconds()

    @staticmethod
    def _children_seconds():
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def seconds(self):
        spent = {name: meter.seconds()
                 for name, meter in self.meters.items()}
        spent['curl'] = self._children_seconds() - self._children
        return spent


def run_rounds(env, cases, repeat, cpu=None):
    """Run the cases ``repeat`` times, interleaved.

    A case is (label, method, source, source id, sha512, targets);
    returns {label: [seconds, ...]}. With a dict as ``cpu``, the CPU
    seconds of each run by process go to ``cpu[label]``.
    """
    times = {}
    for round_no in range(repeat):
        for label, method, source, src_id, want, targets in cases:
            for attempt in range(ATTEMPTS):
                account = CPUAccount(env) if cpu is not None else None
                try:
                    seconds = measure(env, method, source, src_id, targets,
                                      want)
                    if account is not None:
                        cpu.setdefault(label, []).append(account.seconds())
                    break
                except Exception as exc:  # noqa: B902 - a shared machine
                    log('round %d %s: attempt %d failed: %s'
                        % (round_no + 1, label, attempt + 1, exc))
            else:
                raise RuntimeError('%s failed %d times' % (label, ATTEMPTS))
            times.setdefault(label, []).append(seconds)
            log('round %d %-40s %7.2f s' % (round_no + 1, label, seconds))
    return times


def summarize(times, size):
    best = {label: min(values) for label, values in times.items()}
    return {label: {'seconds': values, 'best': best[label],
                    'MB/s': size / MB / best[label]}
            for label, values in times.items()}


def add_ratios(results, label, baseline, name):
    """Compare ``label`` with ``baseline`` two ways.

    ``ratio_to_<name>``: of the best times. ``ratio_per_round_median_to_
    <name>``: the median of the rounds' ratios; a round times both one
    after the other, so a slow spell of the shared machine weighs on
    both sides of its ratio instead of on one best time.
    """
    ours, theirs = results[label], results[baseline]
    ours['ratio_to_' + name] = ours['best'] / theirs['best']
    ours['ratio_per_round_median_to_' + name] = statistics.median(
        a / b for a, b in zip(ours['seconds'], theirs['seconds']))


def scenario_glance_to_glance(args, workdir):
    size = args.size_mib * MiB
    env = Environment().start()
    results = {}
    try:
        g = env.glances
        gd = 'glance-download' in g['r2'].import_methods()
        if gd and args.server_side_copy:
            env.pull = Environment(
                {'glance': {'server_side_copy': 'true'}}).start()
        for kind in args.kinds:
            sources = {'r1': make_source(g['r1'], size, kind, workdir)}
            pairs = [('r1', 'r2')]
            if args.foreign:
                pairs.append(('r1', 'beta'))
            cases = []
            for src, dst in pairs:
                src_id, want = sources[src]
                methods = ['ciming', 'pipe']
                if args.osc:
                    methods.append('osc')
                if gd and dst != 'beta':
                    methods.append('glance-download')
                    if env.pull is not None:
                        methods.append('ciming-pull')
                for method in methods:
                    cases.append(('%s %s->%s %s' % (kind, src, dst, method),
                                  method, g[src], src_id, want, [g[dst]]))
            times = run_rounds(env, cases, args.repeat)
            for where, (src_id, _) in sources.items():
                g[where].delete(src_id)
            summary = summarize(times, size)
            for src, dst in pairs:
                prefix = '%s %s->%s ' % (kind, src, dst)
                for ours in ('ciming', 'ciming-pull'):
                    if prefix + ours not in summary:
                        continue
                    for method in ('pipe', 'osc', 'glance-download'):
                        if prefix + method in summary:
                            add_ratios(summary, prefix + ours,
                                       prefix + method, method)
            results.update(summary)
    finally:
        env.stop()
    return results


FAN_OUT = (('1 target', ['r2']), ('2 targets', ['r2', 'beta']),
           ('4 targets', ['r2', 'beta', 'r2-other', 'r1-other']))


def scenario_fan_out(args, workdir):
    size = args.size_mib * MiB
    env = Environment().start()
    results = {}
    try:
        g = env.glances
        src_id, want = make_source(g['r1'], size, 'random', workdir)
        cases = []
        for label, names in FAN_OUT:
            targets = [g[n] for n in names]
            cases.append((label + ' ciming', 'ciming', g['r1'], src_id,
                          want, targets))
            # The same copies by hand, all at once: what the Glances can
            # take (the second baseline).
            cases.append((label + ' pipes', 'pipes', g['r1'], src_id,
                          want, targets))
        before = _bytes_sent(g['r1'], src_id)
        cpu = {}
        times = run_rounds(env, cases, args.repeat, cpu=cpu)
        sent = _bytes_sent(g['r1'], src_id) - before
        g['r1'].delete(src_id)
        results = summarize(times, size)
        add_cpu_floors(results, cpu)
        for label, _names in FAN_OUT:
            add_ratios(results, label + ' ciming', label + ' pipes',
                       'pipes')
            for how in ('ciming', 'pipes'):
                add_ratios(results, label + ' ' + how, '1 target ' + how,
                           '1_target')
        # Every job and every pipe reads the source once.
        results['source bytes read per copy (job or pipes)'] = (
            sent / (len(cases) * args.repeat))
        results['image bytes'] = size
    finally:
        env.stop()
    return results


def add_cpu_floors(results, cpu):
    """Add each case's CPU seconds and the time they take on this machine.

    ``cpu_s``: the median over the rounds of each process's CPU seconds;
    ``cpu_floor_s``: their sum over the machine's CPUs, the shortest time
    the copy could take here if every CPU worked all along;
    ``cpu_floor_to_1_target``: that floor against the best time of the
    same method to one target.
    """
    cpus = os.cpu_count()
    for label, runs in cpu.items():
        names = sorted(set().union(*runs))
        spent = {name: round(statistics.median(r.get(name, 0.0)
                                               for r in runs), 2)
                 for name in names}
        results[label]['cpu_s'] = {n: s for n, s in spent.items() if s}
        results[label]['cpu_floor_s'] = sum(spent.values()) / cpus
    for label in cpu:
        method = label.split(' ', 2)[-1]
        one = results.get('1 target ' + method)
        if one is not None:
            results[label]['cpu_floor_to_1_target'] = (
                results[label]['cpu_floor_s'] / one['best'])


def _bytes_sent(glance, image_id):
    """Bytes of ``image_id``'s data the Glance served (its access log)."""
    log_path = os.path.join(STATE_DIR, {
        'r1': 'alpha-glance-r1', 'r2': 'alpha-glance-r2',
        'beta': 'beta-glance'}[glance.name], 'access.log')
    total = 0
    needle = '"GET /v2/images/%s/file ' % image_id
    with open(log_path) as access:
        for line in access:
            if needle in line:
                fields = line.split('"')[2].split()
                if fields[0] == '200':
                    total += int(fields[1])
    return total


# keystoneauth logs every request it sends (at debug) as a curl command,
# but for token requests, which it announces instead.
_REQUEST_LINE = re.compile(
    r'REQ: curl -g -i (?:--insecure )?-X (\w+) (\S+)'
    r'|Making authentication request to (\S+)')
_ID = re.compile(r'/[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?'
                 r'[0-9a-f]{12}|/[0-9a-f]{32}')
# keystonemiddleware checking the bench's own polling requests: it
# depends on how often the bench asks, not on the job.
_VALIDATION = 'GET :5000/v3/auth/tokens'
# New tokens: the environment's tokens last 60 s and keystoneauth renews
# those with less than 120 s left, so there every request takes a new
# one; counted apart.
_NEW_TOKEN = 'POST :5000/v3/auth/tokens'


def _requests_logged(deployment):
    """Requests the deployment's processes logged: {log: [kind, ...]}."""
    found = {}
    for path in sorted(glob.glob(os.path.join(deployment.dir, '*.log'))):
        kinds = found[os.path.basename(path)[:-len('.log')]] = []
        with open(path, errors='replace') as log_file:
            for line in log_file:
                match = _REQUEST_LINE.search(line)
                if match:
                    method, url, auth_url = match.groups()
                    kinds.append(_request_kind(method or 'POST',
                                               url or auth_url))
    return found


def _request_kind(method, url):
    """``GET :9292/v2/images/{id}``: a request without its ids or query."""
    parsed = requests.utils.urlparse(url.strip("'\""))
    return '%s :%s%s' % (method, parsed.port, _ID.sub('/{id}', parsed.path))


def scenario_requests(args, workdir):
    env = Environment({'DEFAULT': {
        'debug': 'true',
        'default_log_levels': 'keystoneauth=DEBUG,amqp=WARN,'
        'oslo.messaging=WARN,sqlalchemy=WARN,taskflow=WARN,stevedore=WARN,'
        'urllib3=WARN,oslo_policy=WARN,glanceclient=WARN'}}).start()
    try:
        g = env.glances
        src_id, want = make_source(g['r1'], args.size_mib * MiB, 'random',
                                   workdir)
        counts, tokens = [], []
        kinds = collections.Counter()
        for _ in range(args.repeat):
            before = _requests_logged(env.deployment)
            measure(env, 'ciming', g['r1'], src_id, [g['r2']], want)
            # The job is over once it is seen succeeded; the last of its
            # requests are logged by then.
            time.sleep(1)
            after = _requests_logged(env.deployment)
            job = collections.Counter()
            for name, logged in after.items():
                job.update('%s %s' % (name, kind)
                           for kind in logged[len(before.get(name, ())):])
            kinds.update(job)
            counts.append(sum(n for kind, n in job.items()
                              if not kind.endswith(_VALIDATION)
                              and not kind.endswith(_NEW_TOKEN)))
            tokens.append(sum(n for kind, n in job.items()
                              if kind.endswith(_NEW_TOKEN)))
        g['r1'].delete(src_id)
    finally:
        env.stop()
    return {'requests per job': {
        'jobs': counts, 'mean': sum(counts) / len(counts),
        'new tokens per job (apart)': tokens,
        'not counted': 'the API validating the bench\'s polling tokens ('
                       + _VALIDATION + '); new tokens (' + _NEW_TOKEN
                       + '), which 60 s tokens make one per request',

        'by kind (all jobs)': dict(kinds.most_common())}}


class PeakRSS(threading.Thread):
    """Peak resident memory of a process and its children, sampled."""

    def __init__(self, pid, interval=0.05):
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak_process = 0
        self.peak_tree = 0
        self._done = threading.Event()

    def _sample(self):
        sizes = []
        for proc in [self.process] + self.process.children(recursive=True):
            try:
                sizes.append(proc.memory_info().rss)
            except psutil.Error:
                pass
        self.peak_process = max([self.peak_process] + sizes)
        self.peak_tree = max(self.peak_tree, sum(sizes))

    def run(self):
        while not self._done.is_set():
            self._sample()
            self._done.wait(self.interval)

    def stop(self):
        self._done.set()
        self.join()
        return {'peak MiB (largest process)': self.peak_process / MiB,
                'peak MiB (process and children)': self.peak_tree / MiB}


def scenario_footprint(args, workdir):
    env = Environment().start()
    results = {}
    try:
        g = env.glances
        for size_mib in args.sizes_mib:
            src_id, want = make_source(g['r1'], size_mib * MiB, 'random',
                                       workdir)
            os.unlink(os.path.join(workdir, 'random-%d.img'
                                   % (size_mib * MiB)))
            samplers = {'api': PeakRSS(env.deployment.api.pid),
                        'conductor': PeakRSS(env.conductor_pid())}
            for sampler in samplers.values():
                sampler.start()
            try:
                seconds = measure(env, 'ciming', g['r1'], src_id, [g['r2']],
                                  want)
            finally:
                peaks = {name: sampler.stop()
                         for name, sampler in samplers.items()}
            g['r1'].delete(src_id)
            results['%d MiB' % size_mib] = dict(peaks, seconds=seconds)
            log('%d MiB: %s' % (size_mib, json.dumps(peaks)))
    finally:
        env.stop()
    return results


SCENARIOS = {'glance-to-glance': scenario_glance_to_glance,
             'footprint': scenario_footprint,
             'fan-out': scenario_fan_out,
             'requests': scenario_requests}


def print_table(name, results, size_mib, repeat):
    print('%s: %d MiB, best of %d' % (name, size_mib, repeat))
    for label, value in results.items():
        if not isinstance(value, dict):
            print('  %-40s %s' % (label, value))
            continue
        if 'MB/s' not in value:
            print('  %-40s %s' % (label, json.dumps(value, indent=2)))
            continue
        ratios = ', '.join('%s %.2f' % (k[len('ratio_'):], v)
                           for k, v in sorted(value.items())
                           if k.startswith('ratio_'))
        print('  %-40s %7.2f s %7.1f MB/s  %s' % (
            label, value['best'], value['MB/s'], ratios))
        if 'cpu_s' in value:
            print('  %-40s CPU s %s; floor %.2f s (%.2f x 1 target)' % (
                '', ' '.join('%s %.1f' % i for i in value['cpu_s'].items()),
                value['cpu_floor_s'], value['cpu_floor_to_1_target']))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('scenario', choices=sorted(SCENARIOS))
    parser.add_argument('--size-mib', type=int, default=1024)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--kinds', nargs='+', default=['random', 'sparse'],
                        choices=['random', 'sparse'])
    parser.add_argument('--no-foreign', dest='foreign',
                        action='store_false',
                        help='skip the alpha -> beta copies')
    parser.add_argument('--no-osc', dest='osc', action='store_false',
                        help='skip openstack image save + create')
    parser.add_argument('--server-side-copy', action='store_true',
                        help='also time CIMinG with [glance] '
                             'server_side_copy = true (a second '
                             'deployment)')
    parser.add_argument('--sizes-mib', type=int, nargs='+',
                        default=[1024, 4096],
                        help='footprint: the image sizes')
    parser.add_argument('--json', action='store_true')
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix='ciming-bench-') as workdir:
        results = SCENARIOS[args.scenario](args, workdir)
    report = {'scenario': args.scenario, 'size_mib': args.size_mib,
              'repeat': args.repeat, 'cpus': os.cpu_count(),
              'loadavg': os.getloadavg(), 'results': results}
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        print_table(args.scenario, results, args.size_mib, args.repeat)


if __name__ == '__main__':
    main()
