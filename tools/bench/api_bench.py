#!/usr/bin/env python3
"""Benchmark CIMinG's image list against Glance's, at scale.

Scenario ``api`` of issue 12 (see tools/bench/README.rst): p50 and p99
latency and requests per second of ``GET /v1/images?limit=100`` (plain,
``available_in``, ``missing_in``, sorted by name) against a CIMinG holding
``--images`` images of 4 locations each, beside Glance's ``GET
/v2/images?limit=100`` (plain, sorted by name) against a Glance holding
as many images, at concurrency 1 and 16: each client thread has its own
keep-alive ``requests.Session``, every request carries a valid Keystone
token (the same for both services: keystonemiddleware caches it in both).

CIMinG is deployed as doc/source/install tells an operator (the
Deployment of tests/functional/base.py: the WSGI application under
gunicorn, a separate conductor, RabbitMQ, MariaDB or PostgreSQL), with as
many gunicorn workers and threads as the environment's Glance by default.
Its images are written straight into its database with CIMinG's own
models (thousands of API calls and jobs would take hours), shaped like
real records. Glance's images are queued images created through its API
in RegionTwo of the environment of tools/functional, in a project and
user of the bench's own, and kept between runs (``--cleanup`` deletes
them).

It is a benchmark, not a test: it exits 0 whatever the numbers.
"""

import argparse
import concurrent.futures
import datetime
import hashlib
import json
import math
import os
import random
import re
import sys
import threading
import time
import uuid

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))

from keystoneauth1 import exceptions as ks_exc  # noqa: E402
from keystoneauth1.identity import v3  # noqa: E402
from keystoneauth1 import session as ks_session  # noqa: E402

from tests.functional import base as func_base  # noqa: E402
from tests.functional import test_openstack  # noqa: E402

STATE_DIR = os.environ.get('CIMING_FUNC_STATE', '/tmp/ciming-functional')
# The bench's own project and user in cloud alpha: its thousands of
# images stay out of the projects the functional tests use.
BENCH_NAME = 'ciming-api-bench'
# The tag marking the bench's Glance images, to find them again.
TAG = 'ciming-api-bench'
GLANCE_REGION = 'RegionTwo'
MiB = 1024 * 1024
GiB = 1024 * MiB
SEED_BATCH = 500
CONCURRENCIES = (1, 16)
PAGE = 100

# The four clouds of the bench project and the share of images active in
# each: every image has a location in every cloud, active or not, so
# available_in and missing_in select part of the images.
CLOUDS = (('r1', 1.0), ('r2', 0.9), ('beta', 0.7), ('archive', 0.3))
AVAILABLE_IN = 'archive'
MISSING_IN = 'beta'

DISTROS = (('ubuntu', ('20.04', '22.04', '24.04')),
           ('debian', ('11', '12', '13')),
           ('centos-stream', ('9', '10')),
           ('fedora', ('40', '41', '42')),
           ('rocky', ('8', '9')),
           ('cirros', ('0.6.2', '0.6.3')))


def log(message):
    sys.stderr.write('%s %s\n' % (time.strftime('%H:%M:%S'), message))
    sys.stderr.flush()


class ImageShape:
    """What image ``n`` of the bench looks like, in both services.

    Deterministic, so Glance's and CIMinG's images have the same names
    and the names sort the same way in both.
    """

    def __init__(self, n):
        rnd = random.Random(n)
        distro, versions = DISTROS[n % len(DISTROS)]
        self.n = n
        self.distro = distro
        self.version = rnd.choice(versions)
        self.arch = 'aarch64' if rnd.random() < 0.2 else 'x86_64'
        day = datetime.date(2024, 1, 1) + datetime.timedelta(
            days=rnd.randrange(700))
        self.name = '%s-%s-%s-%s-%05d' % (distro, self.version, self.arch,
                                          day.strftime('%Y%m%d'), n)
        self.disk_format = 'qcow2' if rnd.random() < 0.7 else 'raw'
        self.size = rnd.randrange(64 * MiB, 4 * GiB)
        self.virtual_size = (self.size if self.disk_format == 'raw'
                             else rnd.choice((8, 10, 20, 40)) * GiB)
        self.min_disk = max(1, self.virtual_size // GiB)
        self.rnd = rnd

    def glance_body(self):
        return {
            'name': self.name, 'disk_format': self.disk_format,
            'container_format': 'bare', 'visibility': 'private',
            'min_disk': self.min_disk, 'min_ram': 512, 'tags': [TAG],
            'os_distro': self.distro, 'os_version': self.version,
            'architecture': self.arch, 'hw_disk_bus': 'virtio',
            'hw_qemu_guest_agent': 'yes',
        }


# Keystone: the bench's project and user


def _admin_session(alpha):
    admin = alpha['users']['admin']
    return ks_session.Session(auth=v3.Password(
        auth_url=alpha['auth_url'], username=admin['username'],
        password=admin['password'], user_domain_name='Default',
        system_scope='all'))


def _user_session(alpha, username, password, project_name):
    return ks_session.Session(auth=v3.Password(
        auth_url=alpha['auth_url'], username=username, password=password,
        user_domain_name='Default', project_name=project_name,
        project_domain_name='Default'))


def ensure_bench_user(alpha):
    """Find or create the bench's project and user (member and reader).

    tools/functional/provision.py makes none for benchmarks; the
    environment's admin can. The password is the demo user's.
    """
    password = alpha['users']['demo']['password']
    admin = _admin_session(alpha)
    base = alpha['auth_url']

    def find(kind, key):
        found = admin.get('%s/%s' % (base, kind), params={
            'name': BENCH_NAME, 'domain_id': 'default'}).json()[key]
        return found[0]['id'] if found else None

    project_id = find('projects', 'projects') or admin.post(
        base + '/projects', json={'project': {
            'name': BENCH_NAME, 'domain_id': 'default',
            'description': 'tools/bench/api_bench.py'}}).json()[
        'project']['id']
    user_id = find('users', 'users')
    if user_id is None:
        user_id = admin.post(base + '/users', json={'user': {
            'name': BENCH_NAME, 'password': password,
            'domain_id': 'default', 'default_project_id': project_id,
            'enabled': True}}).json()['user']['id']
    for role in ('member', 'reader'):
        admin.put('%s/projects/%s/users/%s/roles/%s'
                  % (base, project_id, user_id, alpha['roles'][role]))
    session = _user_session(alpha, BENCH_NAME, password, BENCH_NAME)
    try:
        session.get_token()
    except ks_exc.Unauthorized:
        admin.patch('%s/users/%s' % (base, user_id),
                    json={'user': {'password': password}})
        session = _user_session(alpha, BENCH_NAME, password, BENCH_NAME)
    return session


# Glance: queued images through the API, kept between runs


class GlanceImages:
    """The bench's images in one Glance: counted, created, deleted."""

    def __init__(self, endpoint, session, workers=8):
        self.endpoint = endpoint.rstrip('/')
        self.session = session
        self.workers = workers
        self._local = threading.local()

    def _http(self):
        if not hasattr(self._local, 'http'):
            self._local.http = requests.Session()
        return self._local.http

    def _headers(self):
        return {'X-Auth-Token': self.session.get_token()}

    def ids_by_n(self):
        """``{n: id}`` of the bench's images, and the ids of duplicates.

        ``n`` is the number ending the name (see :class:`ImageShape`).
        """
        found, strays = {}, []
        path = '/v2/images?tag=%s&limit=1000' % TAG
        while path:
            resp = self._http().get(self.endpoint + path,
                                    headers=self._headers(), timeout=300)
            resp.raise_for_status()
            body = resp.json()
            for image in body['images']:
                match = re.search(r'-(\d+)$', image['name'] or '')
                if match and int(match.group(1)) not in found:
                    found[int(match.group(1))] = image['id']
                else:
                    strays.append(image['id'])
            path = body.get('next')
        return found, strays

    def _create(self, n):
        resp = self._http().post(self.endpoint + '/v2/images',
                                 json=ImageShape(n).glance_body(),
                                 headers=self._headers(), timeout=120)
        resp.raise_for_status()

    def _delete(self, image_id):
        resp = self._http().delete(
            self.endpoint + '/v2/images/%s' % image_id,
            headers=self._headers(), timeout=120)
        if resp.status_code not in (204, 404):
            resp.raise_for_status()

    def _run(self, what, func, items):
        if not items:
            return
        log('Glance: %s %d images with %d threads'
            % (what, len(items), self.workers))
        began = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(self.workers) as pool:
            for done, _ in enumerate(pool.map(func, items), 1):
                if done % 1000 == 0:
                    log('Glance: %s %d of %d' % (what, done, len(items)))
        log('Glance: %s %d images took %.0f s'
            % (what, len(items), time.monotonic() - began))

    def ensure(self, count, trim=False):
        """Images 0 .. count-1 of the bench; how many the bench has now.

        Images beyond ``count`` are kept unless ``trim``: making 10,000
        again after a small run takes a quarter of an hour.
        """
        existing, strays = self.ids_by_n()
        extra = strays
        if trim:
            extra = extra + [image_id for n, image_id in existing.items()
                             if not 0 <= n < count]
        self._run('deleting', self._delete, extra)
        self._run('creating', self._create,
                  [n for n in range(count) if n not in existing])
        existing, strays = self.ids_by_n()
        return len(existing) + len(strays)

    def cleanup(self):
        existing, strays = self.ids_by_n()
        self._run('deleting', self._delete,
                  list(existing.values()) + strays)


# CIMinG: a deployment and its records


class BenchDeployment(func_base.Deployment):
    """The functional tests' gunicorn deployment, sized like Glance."""

    def __init__(self, backend, config, workers, threads):
        super().__init__(backend, config, api_server='gunicorn')
        self.workers = workers
        self.threads = threads

    def write_gunicorn_config(self):
        super().write_gunicorn_config()
        with open(self.gunicorn_config_file) as conf:
            text = conf.read()
        text = re.sub(r'(?m)^workers = \d+$', 'workers = %d'
                      % self.workers, text)
        text = re.sub(r'(?m)^threads = \d+$', 'threads = %d'
                      % self.threads, text)
        # Glance's gunicorn writes an access log too.
        text += ('accesslog = "%s"\naccess_log_format = \'%%(h)s %%(t)s '
                 '"%%(r)s" %%(s)s %%(B)s %%(M)sms "%%(a)s"\'\n'
                 % os.path.join(self.dir, 'access.log'))
        with open(self.gunicorn_config_file, 'w') as conf:
            conf.write(text)


def register_clouds(client, env, suffix):
    """The bench project's four clouds: {short name: (id, name)}."""
    beta = env['clouds']['beta']
    beta_user = beta['users']['beta-demo']
    bodies = {
        'r1': {'type': 'openstack', 'region': 'RegionOne'},
        'r2': {'type': 'openstack', 'region': 'RegionTwo'},
        'beta': {'type': 'openstack', 'region': 'RegionOne', 'options': {
            'auth_url': beta['auth_url'],
            'project_name': beta_user['project_name'],
            'project_domain_name': beta_user['project_domain_name'],
            'user_domain_name': beta_user['user_domain_name']}},
        'archive': {'type': 'local',
                    'options': {'path': 'archive-%s' % suffix}},
    }
    clouds = {}
    for short, _share in CLOUDS:
        name = 'bench-%s-%s' % (short, suffix)
        cloud = client.post('/v1/clouds', dict(bodies[short], name=name))
        clouds[short] = (cloud['id'], name, bodies[short]['type'])
    return clouds


def image_records(n, project_id, clouds, models, states, start):
    """Image ``n`` of the bench as CIMinG would have recorded it.

    Created from an upload to its four clouds, then verified now and
    then (``refresh``): active where the copy is, ``error`` where the
    copy failed, ``missing`` where someone deleted it; a few images are
    still waiting for their data (``queued``, every location pending).
    """
    shape = ImageShape(n)
    rnd = shape.rnd
    image_id = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
    created = start + datetime.timedelta(minutes=n)
    queued = rnd.random() < 0.02
    locations = []
    for index, (short, share) in enumerate(CLOUDS):
        cloud_id, _name, cloud_type = clouds[short]
        values = {'image_id': image_id, 'cloud_id': cloud_id,
                  'created_at': created + datetime.timedelta(
                      microseconds=index),
                  'updated_at': created + datetime.timedelta(minutes=3)}
        if queued:
            values['status'] = states.LOC_PENDING
        elif rnd.random() < share:
            values.update(
                status=states.LOC_ACTIVE,
                remote_id=(image_id if cloud_type == 'local' else
                           str(uuid.UUID(int=rnd.getrandbits(128),
                                         version=4))),
                last_seen_at=created + datetime.timedelta(minutes=3))
        elif rnd.random() < 0.5:
            values.update(status=states.LOC_ERROR,
                          error='the cloud reports it killed',
                          remote_id=str(uuid.UUID(int=rnd.getrandbits(128),
                                                  version=4)),
                          last_seen_at=created + datetime.timedelta(days=2))
        else:
            values.update(
                status=states.LOC_MISSING,
                remote_id=str(uuid.UUID(int=rnd.getrandbits(128),
                                        version=4)),
                error='the image is gone from the cloud',
                last_seen_at=created + datetime.timedelta(minutes=3))
        locations.append(models.Location(**values))
    image = {
        'id': image_id, 'project_id': project_id, 'name': shape.name,
        'disk_format': shape.disk_format, 'container_format': 'bare',
        'staged': False, 'deprecated': rnd.random() < 0.05,
        'status': states.image_status([loc.status for loc in locations],
                                      staged=False),
        'created_at': created,
        'updated_at': created + datetime.timedelta(minutes=3),
    }
    if not queued:
        data = rnd.getrandbits(256).to_bytes(32, 'big')
        image.update(size=shape.size, virtual_size=shape.virtual_size,
                     checksum=hashlib.md5(data).hexdigest(),
                     os_hash_algo='sha512',
                     os_hash_value=hashlib.sha512(data).hexdigest())
    record = models.Image(**image)
    record.locations = locations
    return record


def seed_ciming(deployment, project_id, clouds, count):
    """Write ``count`` images into the deployment's database.

    With CIMinG's own models and sessions (ciming/db), in batches: the
    same rows the API and the conductor write, minus hours of jobs.
    """
    from ciming.common import states
    from ciming.conf import CONF
    from ciming.db.sqlalchemy import models
    from ciming.db.sqlalchemy import queries
    import sqlalchemy as sa

    CONF(['--config-file', deployment.config_file], project='ciming',
         default_config_files=[])
    start = datetime.datetime(2025, 1, 1)
    began = time.monotonic()
    for first in range(0, count, SEED_BATCH):
        with queries.session_for_write() as session:
            session.add_all([
                image_records(n, project_id, clouds, models, states, start)
                for n in range(first, min(count, first + SEED_BATCH))])
    # The statistics of a database that grew over time: a fresh bulk load
    # has none yet (PostgreSQL's autovacuum would analyze it a minute
    # later), and without them the planner misjudges the filters.
    with queries.session_for_write() as session:
        if session.get_bind().dialect.name == 'postgresql':
            session.execute(sa.text('ANALYZE images, locations'))
        else:
            session.execute(sa.text('ANALYZE TABLE images, locations'))
    log('CIMinG: %d images of 4 locations written and analyzed in %.0f s'
        % (count, time.monotonic() - began))


# The measure


def percentile(sorted_values, fraction):
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def hammer(url, token, total, concurrency, warmup=2):
    """``total`` GETs of ``url`` from ``concurrency`` threads at once.

    Each thread has its own keep-alive session, opened (and its first
    requests answered) before the clock starts. Returns the latencies in
    seconds, the wall time, the errors and the body size.
    """
    latencies, errors, sizes = [], [], []
    lock = threading.Lock()
    left = [total]
    ready = threading.Barrier(concurrency + 1)
    headers = {'X-Auth-Token': token, 'Accept': 'application/json'}

    def client():
        http = requests.Session()
        try:
            for _ in range(warmup):
                http.get(url, headers=headers, timeout=120)
        finally:
            ready.wait()
        mine = []
        while True:
            with lock:
                if not left[0]:
                    break
                left[0] -= 1
            began = time.perf_counter()
            try:
                resp = http.get(url, headers=headers, timeout=120)
                body = resp.content
                took = time.perf_counter() - began
                if resp.status_code != 200:
                    raise RuntimeError('%s: %s' % (resp.status_code,
                                                   body[:200]))
                mine.append(took)
                if not sizes:
                    sizes.append(len(body))
            except Exception as exc:  # noqa: B902 - counted and reported
                errors.append(str(exc))
        with lock:
            latencies.extend(mine)
        http.close()

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    ready.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    return latencies, wall, errors, sizes[0] if sizes else None


def summarize(latencies, wall, errors, size):
    ordered = sorted(latencies)
    return {
        'requests': len(latencies), 'errors': len(errors),
        'first_error': errors[0] if errors else None,
        'p50_ms': round(percentile(ordered, 0.50) * 1000, 1)
        if ordered else None,
        'p99_ms': round(percentile(ordered, 0.99) * 1000, 1)
        if ordered else None,
        'max_ms': round(ordered[-1] * 1000, 1) if ordered else None,
        'rps': round(len(latencies) / wall, 1) if wall else None,
        'bytes': size,
    }


def cases(ciming_url, glance_url, clouds):
    """(case, service, url, baseline case) in the order they run."""
    listing = '?limit=%d' % PAGE
    by_name = listing + '&sort_key=name&sort_dir=asc'
    return [
        ('plain', 'glance', glance_url + '/v2/images' + listing, None),
        ('plain', 'ciming', ciming_url + '/v1/images' + listing, 'plain'),
        ('available_in', 'ciming', ciming_url + '/v1/images' + listing
         + '&available_in=' + clouds[AVAILABLE_IN][1], 'plain'),
        ('missing_in', 'ciming', ciming_url + '/v1/images' + listing
         + '&missing_in=' + clouds[MISSING_IN][1], 'plain'),
        ('sorted', 'glance', glance_url + '/v2/images' + by_name, None),
        ('sorted', 'ciming', ciming_url + '/v1/images' + by_name, 'sorted'),
    ]


def measure(args, session, ciming_url, glance_url, clouds):
    """Every case at every concurrency, ``--rounds`` times interleaved."""
    runs = {}
    for round_ in range(args.rounds):
        for concurrency in CONCURRENCIES:
            for case, service, url, _ in cases(ciming_url, glance_url,
                                               clouds):
                token = session.get_token()
                lat, wall, errors, size = hammer(url, token, args.requests,
                                                 concurrency)
                run = runs.setdefault((concurrency, case, service), {
                    'latencies': [], 'wall': 0.0, 'errors': [],
                    'size': size})
                run['latencies'] += lat
                run['wall'] += wall
                run['errors'] += errors
                result = summarize(lat, wall, errors, size)
                log('round %d, concurrency %2d, %-12s %-6s p50 %s ms, '
                    'p99 %s ms, %s req/s%s'
                    % (round_ + 1, concurrency, case, service,
                       result['p50_ms'], result['p99_ms'], result['rps'],
                       ', %d errors' % len(errors) if errors else ''))
    results = []
    for concurrency in CONCURRENCIES:
        for case, service, _url, baseline in cases(ciming_url, glance_url,
                                                   clouds):
            run = runs[(concurrency, case, service)]
            result = dict(summarize(run['latencies'], run['wall'],
                                    run['errors'], run['size']),
                          concurrency=concurrency, case=case,
                          service=service)
            if baseline is not None:
                glance = runs[(concurrency, baseline, 'glance')]
                glance_p99 = percentile(sorted(glance['latencies']), 0.99)
                if glance_p99 and run['latencies']:
                    result['p99_ratio'] = round(
                        percentile(sorted(run['latencies']), 0.99)
                        / glance_p99, 2)
                result['baseline'] = 'glance %s' % baseline
            results.append(result)
    return results


def gunicorn_settings(path):
    """``{'workers': n, 'threads': n}`` of a gunicorn.conf.py."""
    settings = {}
    try:
        with open(path) as conf:
            for line in conf:
                match = re.match(r'^(workers|threads) = (\d+)', line)
                if match:
                    settings[match.group(1)] = int(match.group(2))
    except OSError:
        pass
    return settings


def print_table(report):
    print('api: %d images in CIMinG (4 locations each, %s), %d in Glance '
          '(queued, %s); %d requests per case and round, %d round(s)'
          % (report['images'], report['backend'], report['glance_images'],
             report['glance_region'], report['requests'], report['rounds']))
    if report['glance_images'] != report['images']:
        print('WARNING: not the same number of images (--trim)')
    print('CIMinG API: gunicorn %(workers)s worker(s) x %(threads)s '
          'threads; Glance: gunicorn %(glance_workers)s worker(s) x '
          '%(glance_threads)s threads' % report['servers'])
    print()
    print('%-4s %-13s %-7s %8s %8s %8s %8s %8s  %s'
          % ('conc', 'case', 'service', 'p50 ms', 'p99 ms', 'max ms',
             'req/s', 'bytes', 'p99 / Glance p99'))
    for result in report['results']:
        ratio = ''
        if 'p99_ratio' in result:
            ratio = '%.2f (%s)' % (result['p99_ratio'], result['baseline'])
        errors = (' %d errors: %s' % (result['errors'],
                                      result['first_error'][:80])
                  if result['errors'] else '')
        print('%-4d %-13s %-7s %8s %8s %8s %8s %8s  %s%s'
              % (result['concurrency'], result['case'], result['service'],
                 result['p50_ms'], result['p99_ms'], result['max_ms'],
                 result['rps'], result['bytes'], ratio, errors))
    print()
    ratios = [r['p99_ratio'] for r in report['results'] if 'p99_ratio' in r]
    met = all(r <= 1.0 for r in ratios) and len(ratios) == len(
        [r for r in report['results'] if r['service'] == 'ciming'])
    print('goal (issue 12): CIMinG p99 <= Glance p99 at concurrency %s: '
          '%s (worst ratio %s)'
          % (' and '.join(str(c) for c in CONCURRENCIES),
             'met' if met else 'NOT met', max(ratios) if ratios else '?'))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--images', type=int, default=10000,
                        help='images in CIMinG and in Glance (10000)')
    parser.add_argument('--requests', type=int, default=500,
                        help='requests per case and concurrency (500)')
    parser.add_argument('--rounds', type=int, default=1,
                        help='times every case runs, interleaved (1)')
    parser.add_argument('--backend', choices=('mysql', 'postgresql'),
                        default='mysql', help='CIMinG database: MariaDB '
                        '(mysql, default) or PostgreSQL')
    parser.add_argument('--workers', type=int, default=None,
                        help="gunicorn workers of CIMinG's API (default: "
                             "those of the Glance measured)")
    parser.add_argument('--threads', type=int, default=None,
                        help='threads per gunicorn worker (default: '
                             "those of the Glance measured)")
    parser.add_argument('--glance-threads', type=int, default=8,
                        help='threads creating the Glance images (8)')
    parser.add_argument('--trim', action='store_true',
                        help="delete the bench's Glance images beyond "
                             '--images (kept by default)')
    parser.add_argument('--cleanup', action='store_true',
                        help="delete the bench's Glance images after the "
                             'run')
    parser.add_argument('--cleanup-only', action='store_true',
                        help="only delete the bench's Glance images")
    parser.add_argument('--json', action='store_true')
    args = parser.parse_args()

    with open(os.path.join(STATE_DIR, 'env.json')) as env_file:
        env = json.load(env_file)
    alpha = env['clouds']['alpha']
    session = ensure_bench_user(alpha)
    glance_url = alpha['regions'][GLANCE_REGION]['image'].rstrip('/')
    glance = GlanceImages(glance_url, session, args.glance_threads)
    if args.cleanup_only:
        glance.cleanup()
        return
    glance_service = [s for s in env['services'].values()
                      if s['kind'] == 'glance' and s['cloud'] == 'alpha'
                      and s['region'] == GLANCE_REGION]
    glance_conf = gunicorn_settings(os.path.join(
        glance_service[0]['dir'], 'gunicorn.conf.py')
        if glance_service else '')
    workers = args.workers or glance_conf.get('workers', 1)
    threads = args.threads or glance_conf.get('threads', 8)

    in_glance = glance.ensure(args.images, args.trim)
    if in_glance != args.images:
        log('Glance holds %d bench images, not %d (--trim deletes the '
            'others)' % (in_glance, args.images))

    config = func_base.merge_sections(test_openstack.keystone_config(env),
                                      {'glance': {'poll_interval': 1.0}})
    deployment = BenchDeployment(args.backend, config, workers, threads)
    try:
        deployment.start()
        log('CIMinG: %s, gunicorn %d worker(s) x %d threads, in %s'
            % (deployment.endpoint, workers, threads, deployment.dir))
        client = test_openstack.TokenClient(deployment.endpoint, session)
        clouds = register_clouds(client, env, uuid.uuid4().hex[:6])
        seed_ciming(deployment, session.get_project_id(), clouds,
                    args.images)
        results = measure(args, session, deployment.endpoint, glance_url,
                          clouds)
    finally:
        deployment.stop()
    if args.cleanup:
        glance.cleanup()
    report = {
        'scenario': 'api', 'images': args.images,
        'requests': args.requests, 'rounds': args.rounds,
        'backend': deployment.backend.label, 'glance_region': GLANCE_REGION,
        'glance_images': in_glance, 'cpus': os.cpu_count(),
        'loadavg': os.getloadavg(),
        'servers': {'workers': workers, 'threads': threads,
                    'glance_workers': glance_conf.get('workers', '?'),
                    'glance_threads': glance_conf.get('threads', '?')},
        'results': results,
    }
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        print_table(report)


if __name__ == '__main__':
    main()
