"""Resilient jobs (issue 5): two conductors, a Redis jobboard, crashes.

Every deployment here runs two ``ciming-conductor`` processes (each an
oslo.service launcher and its forked worker, each with its own
``[DEFAULT] host``) sharing a Redis jobboard under a namespace of their
own, with a short claim expiry, and a shared staging area (both run on
this host; a real deployment shares it over NFS or keeps it per host).

Crashes are SIGKILLs of the whole process group of the conductor that
runs the job (its ``conductor_host``, read from the database). A kill
lands at a chosen point of the flow through the conductor's test-only
pause points (:mod:`ciming.common.testhooks`, :class:`base.PausePoint`):
before prepare, mid-transfer (the first chunk fanned out to every
target), before finalize, and before the job completes. The test proves
the conductor is there (the FIFO's open and the conductor's log line)
before it kills it.

The kill matrix runs inside cloud "alpha" of tools/functional: every job
copies to a local cloud and to alpha's Glance, works through a Keystone
trust, and is taken over by the other conductor once the dead one's
claim expires. The test then checks the image is ``active`` in every
target exactly once (one ``.img`` and its ``.json``, no ``.part``; one
Glance image, active, with the upload's size and sha512, nothing else
of it in Glance), staging is empty, the job's flow is gone from the
TaskFlow tables and from the jobboard, the trust was deleted by the time
the job was reported ended, and that a purge (over RabbitMQ) removes
every copy.

Some tests still hold a target's file with a FIFO (:class:`Fifo`) to
slow a stream down (cancel, lost credentials).

``CIMING_TEST_KILL_ROUNDS`` (default 1) repeats the matrix; the trial
count and the clean ones are printed at the end of the test.
"""

import base64
import json
import os
import stat
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

from glanceclient import client as glance_client
from glanceclient import exc as glance_exc
import kombu
import redis
import sqlalchemy as sa

from tests.functional import aws_env
from tests.functional import base
from tests.functional import test_openstack

MiB = base.MiB
EXPIRY = 6
ROUNDS = int(os.environ.get('CIMING_TEST_KILL_ROUNDS', 1))
CANARY = 'canary-%s' % uuid.uuid4().hex


def resilient_config(**extra):
    config = {
        'taskflow': {
            'jobboard_backend': 'redis',
            'jobboard_backend_hosts': '127.0.0.1',
            'jobboard_backend_port': 6379,
            'jobboard_backend_namespace': base.unique_name('ciming-func-'),
            'jobboard_expiration_time': EXPIRY,
            'jobboard_poll_interval': 0.2,
        },
        'staging': {'shared': True},
        'transfer': {'chunk_size': 65536, 'queue_depth': 1},
    }
    return base.merge_sections(config, extra)


def credentials_header(mapping):
    return {'X-CIMinG-Credentials':
            base64.b64encode(json.dumps(mapping).encode()).decode()}


class Fifo:
    """A named pipe standing where a conductor will write a file."""

    def __init__(self, path):
        self.path = path
        os.mkfifo(path)
        self.read = 0
        self.budget = 0
        self._fd = None
        self._stop = threading.Event()
        self._thread = None

    def is_fifo(self):
        try:
            return stat.S_ISFIFO(os.stat(self.path).st_mode)
        except FileNotFoundError:
            return False

    def read_slowly(self, budget):
        """Read the stream in a thread, ``budget`` bytes, then stop.

        The first writer (prepare truncating the file) is let through;
        of the next (the stream) ``budget`` bytes are read and no more,
        so that the writer blocks mid-stream.
        """
        self.budget = budget

        def reader():
            for connection in range(2):
                fd = os.open(self.path, os.O_RDONLY)
                self._fd = fd
                while not self._stop.is_set():
                    if connection and self.read >= self.budget:
                        self._stop.wait(0.05)
                        continue
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        break
                    if connection:
                        self.read += len(chunk)
                if self._stop.is_set():
                    return
                os.close(fd)
                self._fd = None
        self._thread = threading.Thread(target=reader, daemon=True)
        self._thread.start()

    def unthrottle(self):
        """Read the rest of the stream at full speed."""
        self.budget = float('inf')

    def remove(self):
        """Stop reading and put nothing in its place."""
        self._stop.set()
        if self._thread is not None and self._thread.is_alive():
            # A reader blocked in open() waits for a writer: be one.
            try:
                os.close(os.open(self.path, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass
            self._thread.join(5)
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


class ResilienceMixin:
    """Helpers reading the database, the jobboard and the processes."""

    conductors = 2
    job_timeout = 180

    def db(self):
        if not hasattr(self, '_engine'):
            self._engine = sa.create_engine(
                self.deployment.backend.url(self.deployment.database),
                poolclass=sa.pool.NullPool)
        return self._engine

    def job_row(self, job_id):
        with self.db().connect() as conn:
            return conn.execute(sa.text(
                'SELECT state, conductor_host FROM jobs WHERE id = :id'),
                {'id': job_id}).one()

    def namespace(self):
        return self.deployment_config['taskflow'][
            'jobboard_backend_namespace']

    def redis(self):
        return redis.Redis(host='127.0.0.1', port=6379)

    def board_job_ids(self):
        """Job ids of the postings on this deployment's jobboard."""
        client = self.redis()
        ids = []
        for key in client.scan_iter(match=self.namespace() + '*'):
            if client.type(key) == b'hash':
                for raw in client.hvals(key):
                    ids.append(raw)
        return ids

    def on_board(self, job_id):
        return any(job_id.encode() in raw for raw in self.board_job_ids())

    def logbook_exists(self, job_id):
        with self.db().connect() as conn:
            return bool(conn.execute(sa.text(
                'SELECT COUNT(*) FROM logbooks WHERE uuid = :id'),
                {'id': job_id}).scalar())

    def running_host(self, job_id, timeout=60):
        """Wait until a conductor runs the job; its host."""
        def host():
            row = self.job_row(job_id)
            return row.state == 'running' and row.conductor_host
        return base.wait_for(host, timeout, interval=0.05,
                             what='job %s to run' % job_id)

    def ensure_conductors(self):
        for index in range(self.deployment.conductor_count):
            if not self.deployment.conductors[index].alive():
                self.deployment.start_conductor(index)

    def kill_runner(self, job_id):
        """SIGKILL the conductor running the job; its index."""
        host = self.job_row(job_id).conductor_host
        index = self.deployment.conductor_index(host)
        self.deployment.kill_conductor(index)
        return index

    def assert_clean(self, image_id, job, path, directories):
        """Active once in every target, staging empty, flow gone."""
        problems = []
        if job['state'] != 'succeeded':
            problems.append('job %s: %s' % (job['state'], job['error']))
        image = self.client.get('/v1/images/%s' % image_id)
        if image['status'] != 'active':
            problems.append('image %s' % image['status'])
        for loc in image['locations']:
            if loc['status'] != 'active':
                problems.append('location %s %s'
                                % (loc['cloud_name'], loc['status']))
        for directory in directories:
            files = self.cloud_files(directory, image_id)
            if files != [image_id + '.img', image_id + '.json']:
                problems.append('%s holds %s' % (directory, files))
            elif not base.files_identical(
                    path, os.path.join(directory, image_id + '.img')):
                problems.append('%s: data differs' % directory)
        if self.staged_files(image_id):
            problems.append('staged: %s' % self.staged_files(image_id))
        if self.logbook_exists(job['id']):
            problems.append('the flow is still persisted')
        if self.on_board(job['id']):
            problems.append('the job is still on the jobboard')
        return problems


class KillMatrixMixin(ResilienceMixin):
    """SIGKILL the conductor of a job at each pause point, provably there.

    The deployment is inside cloud "alpha" (Keystone authentication,
    jobs working through trusts) so that every job has two targets: a
    local cloud and alpha's Glance in RegionOne. Each point is held with
    a :class:`base.PausePoint` whose open proves the conductor reached
    it (and its log says so) before the kill.
    """

    POINTS = ('before-prepare', 'mid-transfer', 'before-finalize',
              'before-complete')

    def setUp(self):
        self.env = test_openstack.environment_for(self)
        self.deployment_config = resilient_config(
            **test_openstack.keystone_config(self.env))
        super().setUp()
        self.addCleanup(self.ensure_conductors)
        alpha = self.env['clouds']['alpha']
        self.demo_session = test_openstack._session(
            alpha, alpha['users']['demo'])
        self.client = test_openstack.TokenClient(self.deployment.endpoint,
                                                 self.demo_session)
        self.glance = glance_client.Client('2', session=self.demo_session,
                                           region_name='RegionOne')
        self.glance_cloud = self.client.post('/v1/clouds', {
            'name': base.unique_name('alpha-r1-'), 'type': 'openstack',
            'region': 'RegionOne'})

    def trust_id(self, job_id):
        with self.db().connect() as conn:
            return conn.execute(sa.text(
                'SELECT trust_id FROM jobs WHERE id = :id'),
                {'id': job_id}).scalar()

    def trust_exists(self, trust_id):
        """Whether Keystone still has the trust (its trustor asks)."""
        resp = self.demo_session.get(
            '%s/OS-TRUST/trusts/%s' % (self.env['clouds']['alpha'][
                'auth_url'], trust_id), raise_exc=False)
        if resp.status_code not in (200, 404):
            self.fail('Keystone answered %s for trust %s'
                      % (resp.status_code, trust_id))
        return resp.status_code == 200

    def glance_copies(self, image_id, name):
        """Glance images that are ours: by property or by name."""
        found = {i['id']: i for i in self.glance.images.list(
            filters={'ciming_image_id': image_id})}
        found.update({i['id']: i for i in self.glance.images.list(
            filters={'name': name})})
        return list(found.values())

    def _delete_glance_copies(self, image_id, name):
        for image in self.glance_copies(image_id, name):
            try:
                self.glance.images.delete(image['id'])
            except glance_exc.HTTPNotFound:
                pass

    def _trial(self, point, size=4 * MiB):
        cloud, directory = self.make_cloud()
        path, sha512, _md5 = self.make_data_file(size)
        image = self.make_image([cloud['id'], self.glance_cloud['id']])
        image_id = image['id']
        self.addCleanup(self._delete_glance_copies, image_id, image['name'])
        pause = base.PausePoint(self.deployment, image_id, point)
        self.addCleanup(pause.release)
        started = time.monotonic()
        job = self.client.upload(image_id, path).json()
        host = self.running_host(job['id'])
        trust_id = self.trust_id(job['id'])
        self.assertIsNotNone(trust_id, 'the job has no trust')
        pause.wait_reached()
        runner = self.deployment.conductor_index(host)
        proof = 'TEST ONLY: job %s waits at point %s' % (job['id'], point)
        base.wait_for(lambda: self.deployment.conductors[runner]
                      .log_contains(proof), 30,
                      what='the conductor to log reaching %s' % point)
        self.assertEqual('running', self.job_row(job['id']).state)
        # The check below sees a live trust.
        self.assertTrue(self.trust_exists(trust_id))
        targets = self.client.get('/v1/jobs/%s' % job['id'])['targets']
        problems = []
        if point == 'before-prepare' and {t['state'] for t in targets} != {
                'pending'}:
            problems.append('a target moved before prepare: %s' % targets)
        killed = self.kill_runner(job['id'])
        pause.release()
        job = self.wait_job(job['id'])
        took = time.monotonic() - started
        # Deleted before the job was reported ended.
        if self.trust_exists(trust_id):
            problems.append('trust %s outlived the job' % trust_id)
        finisher = self.job_row(job['id']).conductor_host
        problems += self.assert_clean(image_id, job, path, (directory,))
        copies = self.glance_copies(image_id, image['name'])
        if len(copies) != 1:
            problems.append('Glance holds %d copies: %s' % (
                len(copies), [(c['id'], c['status']) for c in copies]))
        elif (copies[0]['status'], copies[0]['size'],
              copies[0]['os_hash_value']) != ('active', size, sha512):
            problems.append('Glance copy is %s, %s bytes, hash %s' % (
                copies[0]['status'], copies[0]['size'],
                copies[0]['os_hash_value']))
        if finisher == host:
            problems.append('finished by the killed conductor %s' % host)
        self.deployment.start_conductor(killed)
        if not problems:
            # Purge through the conductors (RPC 1.3 over RabbitMQ).
            self.client.delete('/v1/images/%s?purge=true' % image_id)
            if self.glance_copies(image_id, image['name']):
                problems.append('purge left Glance copies')
            if self.cloud_files(directory, image_id):
                problems.append('purge left %s'
                                % self.cloud_files(directory, image_id))
        return problems, took, host, finisher

    def test_kill_matrix(self):
        results = []
        for _round in range(ROUNDS):
            for point in self.POINTS:
                problems, took, killed, finisher = self._trial(point)
                results.append((point, problems, took))
                sys.stdout.write(
                    'kill at %-16s (reached) killed %s, finished by %s in '
                    '%.1fs: %s\n' % (point, killed, finisher, took,
                                     '; '.join(problems) or 'clean'))
        clean = sum(1 for _p, problems, _t in results if not problems)
        summary = 'kill matrix (%s, local + Glance targets): %d trials, ' \
            '%d clean' % (self.backend, len(results), clean)
        sys.stdout.write(summary + '\n')
        self.addDetail('kill-matrix', base.content.text_content(
            '\n'.join('%s reached %.1fs %s' % (p, t, '; '.join(pr) or 'clean')
                      for p, pr, t in results) + '\n' + summary))
        self.assertEqual(len(results), clean, summary)


class JobboardMixin(ResilienceMixin):
    """Cancel, per-request credentials and their loss, on the jobboard."""

    deployment_config = resilient_config(
        oslo_messaging_notifications={'driver': 'log'})

    def setUp(self):
        super().setUp()
        self.addCleanup(self.ensure_conductors)

    def test_cancel_during_transfer(self):
        cloud_a, dir_a = self.make_cloud()
        cloud_b, dir_b = self.make_cloud()
        os.makedirs(dir_a, exist_ok=True)
        path, _sha512, _md5 = self.make_data_file(4 * MiB)
        image = self.make_image([cloud_a['id'], cloud_b['id']])
        image_id = image['id']
        fifo = Fifo(os.path.join(dir_a, image_id + '.img.part'))
        self.addCleanup(fifo.remove)
        fifo.read_slowly(8 * 65536)
        job = self.client.upload(image_id, path).json()
        base.wait_for(lambda: fifo.read >= 8 * 65536, 60,
                      what='the stream to start')
        cancelled = self.client.request(
            'POST', '/v1/jobs/%s/cancel' % job['id'], 202).json()
        self.assertIn(cancelled['state'], ('cancelling', 'cancelled'))
        fifo.unthrottle()
        job = self.wait_job(job['id'])
        self.assertEqual('cancelled', job['state'], job)
        for target in job['targets']:
            self.assertEqual('cancelled', target['state'], job)
        for directory in (dir_a, dir_b):
            self.assertEqual([], self.cloud_files(directory, image_id))
        image = self.client.get('/v1/images/%s' % image_id)
        self.assertNotIn('active',
                         [loc['status'] for loc in image['locations']])
        self.assertFalse(self.logbook_exists(job['id']))
        base.wait_for(lambda: not self.on_board(job['id']), 30,
                      what='the job to leave the jobboard')

    def _foreign_cloud(self):
        """A Keystone-less OpenStack cloud nobody answers for."""
        return self.client.post('/v1/clouds', {
            'name': base.unique_name('foreign-'), 'type': 'openstack',
            'region': 'RegionOne',
            'options': {'auth_url': 'http://127.0.0.1:9/v3',
                        'project_name': 'demo',
                        'project_domain_name': 'Default',
                        'user_domain_name': 'Default'}})

    def _credentials(self, foreign):
        return {foreign['id']: {'auth_type': 'password',
                                'username': 'canary-user',
                                'password': CANARY}}

    def assert_no_canary(self):
        """The canary is nowhere: database, jobboard, logs, staging."""
        found = []
        with self.db().connect() as conn:
            inspector = sa.inspect(conn)
            for table in inspector.get_table_names():
                rows = conn.execute(sa.text(
                    'SELECT * FROM %s' % table)).fetchall()
                for row in rows:
                    if CANARY in repr(tuple(row)):
                        found.append('table %s' % table)
                        break
        client = self.redis()
        for key in client.scan_iter(match=self.namespace() + '*'):
            kind = client.type(key)
            if kind == b'hash':
                value = repr(client.hgetall(key))
            elif kind == b'string':
                value = repr(client.get(key))
            else:
                value = repr(kind)
            if CANARY.encode() in key or CANARY in value:
                found.append('redis key %s' % key)
        for name, log_path in self.deployment.logs().items():
            with open(log_path, 'rb') as log:
                if CANARY.encode() in log.read():
                    found.append('log %s' % name)
        for root, _dirs, files in os.walk(self.deployment.dir):
            for name in files:
                full = os.path.join(root, name)
                if not os.path.isfile(full) or os.path.getsize(full) > \
                        64 * MiB:
                    continue
                with open(full, 'rb') as data:
                    if CANARY.encode() in data.read():
                        found.append('file %s' % full)
        self.assertEqual([], found)

    def test_lost_credentials_then_resume(self):
        cloud, directory = self.make_cloud()
        os.makedirs(directory, exist_ok=True)
        foreign = self._foreign_cloud()
        path, _sha512, _md5 = self.make_data_file(1 * MiB)
        image = self.make_image([cloud['id'], foreign['id']])
        image_id = image['id']
        pause = base.PausePoint(self.deployment, image_id, 'before-prepare')
        self.addCleanup(pause.release)
        job = self.client.upload(
            image_id, path,
            headers=credentials_header(self._credentials(foreign))).json()
        pause.wait_reached()
        killed = self.kill_runner(job['id'])
        pause.release()
        # Another conductor takes it over and finds no credentials.
        job = self.wait_job(job['id'], states=('awaiting_credentials',))
        resp = self.client.request(
            'POST', '/v1/jobs/%s/resume' % job['id'], 400, json_body={})
        base.check_error(self, resp, 400)
        self.deployment.start_conductor(killed)
        self.client.request(
            'POST', '/v1/jobs/%s/resume' % job['id'], 202,
            json_body={'credentials': self._credentials(foreign)})
        job = self.wait_job(job['id'])
        self.assertEqual('partial', job['state'], job)
        targets = {t['cloud_id']: t for t in job['targets']}
        self.assertEqual('active', targets[cloud['id']]['state'], job)
        self.assertEqual('failed', targets[foreign['id']]['state'], job)
        self.assertEqual([image_id + '.img', image_id + '.json'],
                         self.cloud_files(directory, image_id))
        self.assert_no_canary()


class RecordingClient(base.Client):
    """A client that keeps every response (status, headers, body)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.responses = []

    def request(self, method, path, *args, **kwargs):
        resp = super().request(method, path, *args, **kwargs)
        self.responses.append(('%s %s' % (method, path), '%s %r\n%s' % (
            resp.status_code, dict(resp.headers), resp.text)))
        return resp


def redis_value(client, key):
    """The whole value of a Redis key, whatever its type."""
    kind = client.type(key).decode()
    readers = {
        'string': lambda: client.get(key),
        'hash': lambda: client.hgetall(key),
        'list': lambda: client.lrange(key, 0, -1),
        'set': lambda: client.smembers(key),
        'zset': lambda: client.zrange(key, 0, -1, withscores=True),
        'stream': lambda: client.xrange(key),
        'none': lambda: None,  # expired meanwhile
    }
    if kind not in readers:
        raise AssertionError('Redis key %r of unknown type %s' % (key, kind))
    return kind, repr(readers[kind]())


class CanaryMixin(ResilienceMixin):
    """Per-request credentials that work are stored and shown nowhere.

    The foreign cloud is cloud "beta" of tools/functional, an independent
    Keystone and Glance; its user is made for this test with the canary
    as password, so the credentials really log in (the job succeeds in
    beta). The canary (and the base64 header that carried it) is looked
    for while the job is held mid-transfer (its jobboard posting, its
    TaskFlow logbook and the in-flight rows exist then) and again after
    it ended, in: every table of the database, every Redis key of the
    deployment's namespace whatever its type, the logs (DEBUG on), every
    file of the deployment, every response of the scenario, and every
    notification sent through RabbitMQ (a queue of the test's own,
    bound to the notifications topic of the deployment's exchange).
    """

    deployment_config = resilient_config(
        DEFAULT={'debug': True},
        oslo_messaging_notifications={'driver': 'messagingv2',
                                      'topics': 'notifications'})

    def setUp(self):
        self.env = test_openstack.environment_for(self)
        super().setUp()
        self.client = RecordingClient(self.deployment.endpoint)
        self.beta = self.env['clouds']['beta']
        self.beta_admin = test_openstack._session(
            self.beta, self.beta['users']['admin'])
        self.canary_user = self._make_beta_user()
        self.surfaces = {}

    # The foreign cloud and its user

    def _identity(self, method, path, **kwargs):
        return self.beta_admin.request(self.beta['auth_url'] + path, method,
                                       **kwargs)

    def _make_beta_user(self):
        name = base.unique_name('canary-')
        user = self._identity('POST', '/users', json={'user': {
            'name': name, 'password': CANARY, 'domain_id': 'default'}}
        ).json()['user']
        self.addCleanup(self._identity, 'DELETE', '/users/%s' % user['id'],
                        raise_exc=False)
        project = self.beta['projects']['beta-demo']
        for role in ('member', 'reader'):
            self._identity('PUT', '/projects/%s/users/%s/roles/%s' % (
                project, user['id'], self.beta['roles'][role]))
        return name

    def _beta_cloud(self):
        return self.client.post('/v1/clouds',
                                test_openstack.beta_cloud_body(self.beta))

    def _beta_glance(self):
        return glance_client.Client('2', session=test_openstack._session(
            self.beta, self.beta['users']['beta-demo']),
            region_name='RegionOne')

    # Notifications

    def _notification_queue(self):
        rabbit = self.deployment.rabbit
        url = rabbit.base_url.replace('rabbit://', 'amqp://', 1)
        if rabbit.vhost:
            url += urllib.parse.quote(rabbit.vhost, safe='')
        connection = kombu.Connection(url)
        self.addCleanup(connection.release)
        exchange = kombu.Exchange(self.deployment.control_exchange,
                                  type='topic', durable=False)
        queue = kombu.Queue(base.unique_name('canary-notifications-'),
                            exchange=exchange, routing_key='notifications.#',
                            durable=False, auto_delete=False)
        bound = queue(connection.default_channel)
        bound.declare()
        self.addCleanup(bound.delete)
        return bound

    @staticmethod
    def _drain(queue):
        bodies = []
        while True:
            message = queue.get(no_ack=True)
            if message is None:
                return bodies
            body = message.body
            if isinstance(body, bytes):
                body = body.decode('utf-8', 'replace')
            bodies.append(body)

    # Looking everywhere

    def _search(self, when, secrets, notifications=()):
        """Where any of ``secrets`` is found; counts what was searched."""
        found = []
        seen = {'tables': 0, 'rows': 0, 'redis keys': 0, 'redis types': set(),
                'logs': 0, 'files': 0, 'responses': 0, 'notifications': 0}

        def check(where, text):
            if isinstance(text, bytes):
                text = text.decode('utf-8', 'replace')
            for secret in secrets:
                if secret in text:
                    found.append('%s (%s)' % (where, when))
        with self.db().connect() as conn:
            for table in sa.inspect(conn).get_table_names():
                seen['tables'] += 1
                for row in conn.execute(sa.text('SELECT * FROM %s' % table)):
                    seen['rows'] += 1
                    check('table %s' % table, repr(tuple(row)))
        client = self.redis()
        for key in client.scan_iter(match=self.namespace() + '*'):
            kind, value = redis_value(client, key)
            seen['redis keys'] += 1
            seen['redis types'].add(kind)
            check('redis key %r' % key, repr(key) + value)
        for name, log_path in self.deployment.logs().items():
            with open(log_path, 'rb') as log:
                seen['logs'] += 1
                check('log %s' % name, log.read())
        for root, _dirs, files in os.walk(self.deployment.dir):
            for name in files:
                full = os.path.join(root, name)
                if not os.path.isfile(full) or \
                        os.path.getsize(full) > 64 * MiB:
                    continue
                with open(full, 'rb') as data:
                    seen['files'] += 1
                    check('file %s' % full, data.read())
        for request, text in self.client.responses:
            seen['responses'] += 1
            check('response to %s' % request, text)
        for body in notifications:
            seen['notifications'] += 1
            check('notification', body)
        seen['redis types'] = ','.join(sorted(seen['redis types']))
        self.surfaces[when] = seen
        return found

    def test_canary_credentials_stored_nowhere(self):
        for table in ('logbooks', 'flowdetails', 'atomdetails', 'jobs'):
            with self.db().connect() as conn:
                self.assertIn(table, sa.inspect(conn).get_table_names())
        notifications = self._notification_queue()
        cloud, directory = self.make_cloud()
        foreign = self._beta_cloud()
        path, sha512, _md5 = self.make_data_file(1 * MiB)
        image = self.make_image([cloud['id'], foreign['id']])
        glance = self._beta_glance()
        self.addCleanup(lambda: [glance.images.delete(i['id'])
                                 for i in glance.images.list(filters={
                                     'ciming_image_id': image['id']})])
        header = credentials_header({foreign['id']: {
            'auth_type': 'password', 'username': self.canary_user,
            'password': CANARY}})
        secrets = (CANARY, header['X-CIMinG-Credentials'])
        pause = base.PausePoint(self.deployment, image['id'],
                                'mid-transfer')
        self.addCleanup(pause.release)
        job = self.client.upload(image['id'], path, headers=header).json()
        pause.wait_reached()
        # Held mid-transfer: everything a running job has exists now.
        self.assertTrue(self.on_board(job['id']), 'no jobboard posting')
        self.assertTrue(self.logbook_exists(job['id']), 'no logbook')
        self.client.get('/v1/jobs/%s' % job['id'])
        self.client.get('/v1/images/%s' % image['id'])
        found = self._search('while running', secrets,
                             self._drain(notifications))
        pause.release()
        job = self.wait_job(job['id'])
        # The credentials logged in to beta: the copy is there.
        self.assertEqual('succeeded', job['state'], job)
        copies = list(glance.images.list(
            filters={'ciming_image_id': image['id']}))
        self.assertEqual([('active', sha512)],
                         [(c['status'], c['os_hash_value']) for c in copies])
        self.client.get('/v1/images/%s' % image['id'])
        self.client.get('/v1/images/%s/locations' % image['id'])
        self.client.get('/v1/jobs?image_id=%s' % image['id'])
        received = []
        base.wait_for(lambda: received.extend(self._drain(notifications))
                      or any('job.end' in body for body in received), 30,
                      what='the job.end notification')
        found += self._search('after the end', secrets, received)
        self.assertTrue(any('DEBUG' in line for line in open(
            self.deployment.conductor_log(0), errors='replace')),
            'no DEBUG log lines: the logs were not verbose')
        for when, seen in self.surfaces.items():
            sys.stdout.write('canary searched %s: %s\n' % (when, ', '.join(
                '%s %s' % (k, v) for k, v in sorted(seen.items()))))
        self.addDetail('canary-surfaces', base.content.text_content(
            json.dumps(self.surfaces, indent=1, sort_keys=True)))
        self.assertGreater(self.surfaces['after the end']['notifications']
                           + self.surfaces['while running']['notifications'],
                           0)
        self.assertEqual([], found)

    def test_aws_canary_credentials_with_a_role_stored_nowhere(self):
        """AWS keys and an assumed role's external id, per request."""
        moto = aws_env.server()
        notifications = self._notification_queue()
        cloud = self.client.post('/v1/clouds', aws_env.cloud_body(moto))
        key_id = 'AKIA' + uuid.uuid4().hex.upper()
        secrets = (CANARY, key_id, 'ext-' + CANARY, 'token-' + CANARY)
        keys = {'aws_access_key_id': key_id,
                'aws_secret_access_key': CANARY,
                'aws_session_token': 'token-' + CANARY,
                'role_arn': 'arn:aws:iam::123456789012:role/ciming-canary',
                'external_id': 'ext-' + CANARY,
                'role_session_name': 'ciming-canary'}
        header = credentials_header({cloud['id']: keys})
        secrets += (header['X-CIMinG-Credentials'],)
        self.client.post('/v1/clouds/%s/validate' % cloud['id'],
                         {'credentials': {cloud['id']: keys}}, expect=200)
        path, sha512, _md5 = self.make_data_file(2 * MiB + 3)
        image = self.make_image([cloud['id']])
        job = self.client.upload(image['id'], path, headers=header).json()
        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)
        image = self.client.get('/v1/images/%s' % image['id'])
        [location] = image['locations']
        self.assertTrue(location['remote_id'].startswith('ami-'))
        self.client.get('/v1/images/%s/locations?live=true' % image['id'],
                        headers=header)
        received = []
        base.wait_for(lambda: received.extend(self._drain(notifications))
                      or any('job.end' in body for body in received), 30,
                      what='the job.end notification')
        found = self._search('after the end', secrets, received)
        self.assertGreater(self.surfaces['after the end']['notifications'],
                           0)
        self.assertEqual([], found)


class CanaryMySQLTest(CanaryMixin, base.FunctionalTestCase):
    backend = 'mysql'


class JobboardMySQLTest(JobboardMixin, base.FunctionalTestCase):
    backend = 'mysql'


class JobboardPostgreSQLTest(JobboardMixin, base.FunctionalTestCase):
    backend = 'postgresql'
    deployment_config = resilient_config(
        oslo_messaging_notifications={'driver': 'log'})


class KillMatrixMySQLTest(KillMatrixMixin, base.FunctionalTestCase):
    backend = 'mysql'


class KillMatrixPostgreSQLTest(KillMatrixMixin, base.FunctionalTestCase):
    backend = 'postgresql'


def rabbitmqctl(*args):
    subprocess.run(['rabbitmqctl', '-q'] + list(args), check=True,
                   timeout=120, stdout=subprocess.DEVNULL)


class BrokerOutageMixin(ResilienceMixin):
    """RabbitMQ stopped and started again while jobs run and arrive.

    Two jobs are held mid-transfer (their conductors proved there by a
    :class:`base.PausePoint`) when the broker stops; they are let go
    while it is down, and two more uploads arrive during the outage.
    Nothing is lost: every job finishes, once.
    """

    deployment_config = resilient_config(conductor={'pending_timeout': 6})
    size = 4 * MiB

    def _upload(self, cloud, path):
        image = self.make_image([cloud['id']])
        start = time.monotonic()
        resp = self.client.upload(image['id'], path)
        return image['id'], resp.json(), time.monotonic() - start

    def test_restart_rabbitmq_during_jobs(self):
        cloud, directory = self.make_cloud()
        path, _sha512, _md5 = self.make_data_file(self.size)
        held = []
        jobs = []
        for _i in range(2):
            image = self.make_image([cloud['id']])
            pause = base.PausePoint(self.deployment, image['id'],
                                    'mid-transfer')
            self.addCleanup(pause.release)
            job = self.client.upload(image['id'], path).json()
            held.append(pause)
            jobs.append((image['id'], job))
        for pause in held:
            pause.wait_reached()
        for _image_id, job in jobs:
            self.assertEqual('running', self.job_row(job['id']).state)
        sys.stdout.write('broker outage: %d jobs proven mid-transfer\n'
                         % len(held))

        rabbitmqctl('stop_app')
        self.addCleanup(rabbitmqctl, 'start_app')
        outage = time.monotonic()
        try:
            # The held jobs go on while the broker is down.
            for pause in held:
                pause.release()
            # A call needing a conductor answers 503, and fast.
            start = time.monotonic()
            resp = self.client.request(
                'GET', '/v1/clouds/%s/images' % cloud['id'], timeout=120)
            took_call = time.monotonic() - start
            base.check_error(self, resp, 503)
            sys.stdout.write('broker down: GET cloud images answered %s '
                             'in %.1fs\n' % (resp.status_code, took_call))
            self.assertLess(took_call, 30)
            # Reading needs no broker.
            self.client.get('/v1/jobs/%s' % jobs[0][1]['id'])
            # An upload is recorded and accepted: a sweep runs it.
            for _i in range(2):
                image_id, job, took = self._upload(cloud, path)
                sys.stdout.write('broker down: upload answered 202 in '
                                 '%.1fs\n' % took)
                self.assertLess(took, 30)
                jobs.append((image_id, job))
            time.sleep(max(0, 10 - (time.monotonic() - outage)))
        finally:
            rabbitmqctl('start_app')
        sys.stdout.write('broker was down %.1fs\n'
                         % (time.monotonic() - outage))

        for image_id, job in jobs:
            job = self.wait_job(job['id'])
            self.assertEqual('succeeded', job['state'], job)
            self.assertEqual([image_id + '.img', image_id + '.json'],
                             self.cloud_files(directory, image_id))
            self.assertTrue(base.files_identical(
                path, os.path.join(directory, image_id + '.img')))
            self.assertEqual([], self.staged_files(image_id))
            self.assertFalse(self.logbook_exists(job['id']))
            base.wait_for(lambda: not self.on_board(job['id']), 30,
                          what='job %s to leave the jobboard' % job['id'])

        # The API reaches the conductors again by itself.
        def answers():
            return self.client.request(
                'GET', '/v1/clouds/%s/images' % cloud['id'],
                timeout=120).status_code == 200
        base.wait_for(answers, 120, interval=1,
                      what='the API to reach a conductor again')
        for index in range(self.deployment.conductor_count):
            self.assertTrue(self.deployment.conductors[index].alive())


class BrokerOutageMySQLTest(BrokerOutageMixin, base.FunctionalTestCase):
    backend = 'mysql'


class BrokerOutagePostgreSQLTest(BrokerOutageMixin,
                                 base.FunctionalTestCase):
    backend = 'postgresql'
    deployment_config = resilient_config(conductor={'pending_timeout': 6})
