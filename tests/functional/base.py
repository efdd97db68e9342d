"""Fixtures of the functional tests: real processes on real services.

A :class:`Deployment` is one CIMinG installation made of separate
processes, exactly as an operator runs it: ``ciming-manage db sync``, then
``ciming-api`` (the WSGI API on cheroot) and ``ciming-conductor`` (an
oslo.service launcher), talking over the real RabbitMQ, with the database
on MariaDB or PostgreSQL. With ``api_server='gunicorn'`` the API is
``ciming.wsgi.api:application`` under gunicorn instead, configured as
doc/source/install shows (a ``gunicorn.conf.py``, the config file named by
``CIMING_CONFIG_FILE``). Each deployment owns a temporary directory (its
config file, process logs, staging area and local clouds), a uniquely
named database, a unique RabbitMQ virtual host when ``rabbitmqctl`` can
make one, and a unique ``host``. Without a virtual host of its own a
deployment also has a unique ``control_exchange``; with one it keeps the
default exchange, as an operator's would.

Starting a deployment takes seconds, so one is kept per backend and
configuration for all the tests of a process (:func:`get_deployment`) and
torn down at exit (processes stopped with SIGTERM, then SIGKILL after a
timeout; database and virtual host dropped). Tests isolate themselves by
using their own project (``X-Project-Id``) and their own local clouds.

Environment:

``CIMING_TEST_ALLOW_SKIP=1``
    skip, with a clear message, the tests of a backend whose server does
    not answer; without it they fail (CI must prove every backend).
``CIMING_TEST_MYSQL_URL``, ``CIMING_TEST_POSTGRESQL_URL``
    administrative URLs of the database servers (defaults: root on
    MariaDB at 127.0.0.1:3306, postgres on PostgreSQL at 127.0.0.1:5432).
``CIMING_TEST_RABBIT_URL``
    RabbitMQ transport URL without a virtual host
    (default ``rabbit://guest:guest@127.0.0.1:5672/``).
``CIMING_TEST_DEBUG=1``
    run the services with ``debug = True``.
``CIMING_TEST_KEEP=1``
    keep the temporary directories (logs, data) after the run.
"""

import atexit
import base64
import configparser
import contextlib
import errno
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
import urllib.parse
import uuid

import requests
import sqlalchemy as sa
import testtools
from testtools import content

ALLOW_SKIP = os.environ.get('CIMING_TEST_ALLOW_SKIP') == '1'
DEBUG = os.environ.get('CIMING_TEST_DEBUG') == '1'
KEEP = os.environ.get('CIMING_TEST_KEEP') == '1'

MYSQL_URL = os.environ.get(
    'CIMING_TEST_MYSQL_URL',
    'mysql+pymysql://root@127.0.0.1:3306/?charset=utf8mb4')
POSTGRESQL_URL = os.environ.get(
    'CIMING_TEST_POSTGRESQL_URL',
    'postgresql+psycopg2://postgres@127.0.0.1:5432/postgres')
RABBIT_URL = os.environ.get('CIMING_TEST_RABBIT_URL',
                            'rabbit://guest:guest@127.0.0.1:5672/')

START_TIMEOUT = 60
STOP_TIMEOUT = 30
LOG_TAIL_LINES = 200

MiB = 1024 * 1024


class ServiceUnavailable(Exception):
    """A server the tests need does not answer."""


class DeploymentFailed(Exception):
    """A CIMinG process did not start or died."""


def find_command(name):
    """A console script of the venv running the tests, else from PATH."""
    here = os.path.dirname(sys.executable)
    path = shutil.which(name, path=here) or shutil.which(name)
    if path is None:
        raise DeploymentFailed('command %s not found next to %s nor in '
                               'PATH; is the project installed?'
                               % (name, sys.executable))
    return path


def free_port():
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def port_open(host, port, timeout=2):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def unique_name(prefix):
    return '%s%s' % (prefix, uuid.uuid4().hex[:12])


def tail(path, lines=LOG_TAIL_LINES):
    try:
        with open(path, 'rb') as log:
            log.seek(0, os.SEEK_END)
            size = log.tell()
            log.seek(max(0, size - 256 * 1024))
            data = log.read().decode('utf-8', 'replace')
    except OSError as exc:
        return '(no log: %s)' % exc
    return '\n'.join(data.splitlines()[-lines:])


def wait_for(predicate, timeout, interval=0.1, what='condition'):
    """Call ``predicate`` until it returns a true value, or fail."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError('timed out after %ss waiting for %s'
                                 % (timeout, what))
        time.sleep(interval)


def sha512_md5_of_file(path):
    sha512, md5 = hashlib.sha512(), hashlib.md5()
    with open(path, 'rb') as data:
        for chunk in iter(lambda: data.read(MiB), b''):
            sha512.update(chunk)
            md5.update(chunk)
    return sha512.hexdigest(), md5.hexdigest()


def content_md5(md5_hex):
    """The RFC 1864 ``Content-MD5`` value of a hex md5."""
    return base64.b64encode(bytes.fromhex(md5_hex)).decode()


def write_random_file(path, size, block=4 * MiB):
    """``size`` random bytes into ``path``; returns (sha512, md5) hex."""
    sha512, md5 = hashlib.sha512(), hashlib.md5()
    with open(path, 'wb') as out:
        left = size
        while left:
            chunk = os.urandom(min(block, left))
            out.write(chunk)
            sha512.update(chunk)
            md5.update(chunk)
            left -= len(chunk)
    return sha512.hexdigest(), md5.hexdigest()


def files_identical(path_a, path_b, block=4 * MiB):
    if os.path.getsize(path_a) != os.path.getsize(path_b):
        return False
    with open(path_a, 'rb') as a, open(path_b, 'rb') as b:
        while True:
            chunk_a, chunk_b = a.read(block), b.read(block)
            if chunk_a != chunk_b:
                return False
            if not chunk_a:
                return True


# Database backends


class Backend:
    """A database server the tests create throw-away databases on."""

    name = None
    label = None

    def __init__(self, admin_url):
        self.admin_url = sa.engine.make_url(admin_url)

    def _host_port(self):
        return (self.admin_url.host or '127.0.0.1',
                self.admin_url.port or self.default_port)

    def check_available(self):
        host, port = self._host_port()
        if not port_open(host, port):
            raise ServiceUnavailable('%s is not reachable at %s:%s'
                                     % (self.label, host, port))

    def _admin_engine(self):
        return sa.create_engine(self.admin_url,
                                isolation_level='AUTOCOMMIT',
                                poolclass=sa.pool.NullPool)

    def url(self, database):
        return self.admin_url.set(database=database).render_as_string(
            hide_password=False)

    def create(self, database):
        engine = self._admin_engine()
        try:
            with engine.connect() as conn:
                conn.execute(sa.text(self.create_sql % database))
        finally:
            engine.dispose()

    def drop(self, database):
        engine = self._admin_engine()
        try:
            with engine.connect() as conn:
                conn.execute(sa.text(self.drop_sql % database))
        finally:
            engine.dispose()


class MySQLBackend(Backend):
    name = 'mysql'
    label = 'MariaDB/MySQL'
    default_port = 3306
    create_sql = 'CREATE DATABASE `%s` CHARACTER SET utf8mb4'
    drop_sql = 'DROP DATABASE IF EXISTS `%s`'


class PostgreSQLBackend(Backend):
    name = 'postgresql'
    label = 'PostgreSQL'
    default_port = 5432
    create_sql = 'CREATE DATABASE "%s"'
    # FORCE (PostgreSQL >= 13) ends sessions a killed process left behind.
    drop_sql = 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)'


class SQLiteBackend:
    """A sqlite file in a temporary directory; always available."""

    name = 'sqlite'
    label = 'sqlite'

    def __init__(self):
        self.dir = None

    def check_available(self):
        pass

    def url(self, database):
        if self.dir is None:
            self.dir = tempfile.mkdtemp(prefix='ciming-sqlite-')
        return 'sqlite:///%s' % os.path.join(self.dir, database + '.sqlite')

    def create(self, database):
        self.url(database)

    def drop(self, database):
        try:
            os.unlink(os.path.join(self.dir, database + '.sqlite'))
        except (OSError, TypeError):
            pass


def get_backend(name):
    if name == 'mysql':
        return MySQLBackend(MYSQL_URL)
    if name == 'postgresql':
        return PostgreSQLBackend(POSTGRESQL_URL)
    if name == 'sqlite':
        return SQLiteBackend()
    raise ValueError('unknown backend %s' % name)


# RabbitMQ


class RabbitMQ:
    """The broker, and a virtual host of our own when we can make one.

    Queues are named after RPC topics whatever the exchange, so two
    deployments sharing a virtual host would share the queue
    ``ciming-conductor``; a virtual host per deployment keeps them (and
    other test runs on the same broker) apart. Without ``rabbitmqctl``
    the default virtual host is used with a unique exchange and host.
    """

    def __init__(self, url=RABBIT_URL):
        self.base_url = url if url.endswith('/') else url + '/'
        parsed = urllib.parse.urlparse(self.base_url.replace(
            'rabbit://', 'http://', 1))
        self.host = parsed.hostname or '127.0.0.1'
        self.port = parsed.port or 5672
        self.user = urllib.parse.unquote(parsed.username or 'guest')
        self.vhost = None

    def check_available(self):
        if not port_open(self.host, self.port):
            raise ServiceUnavailable('RabbitMQ is not reachable at %s:%s'
                                     % (self.host, self.port))

    @staticmethod
    def _ctl(*args):
        ctl = shutil.which('rabbitmqctl')
        if ctl is None:
            return False
        try:
            subprocess.run([ctl, '-q'] + list(args), check=True,
                           timeout=60, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
            return True
        except (subprocess.SubprocessError, OSError):
            return False

    def make_vhost(self, name):
        """The transport URL of a new virtual host, or the default one."""
        if (self.host in ('127.0.0.1', 'localhost', '::1')
                and self._ctl('add_vhost', name)):
            if self._ctl('set_permissions', '-p', name, self.user,
                         '.*', '.*', '.*'):
                self.vhost = name
                return self.base_url + urllib.parse.quote(name, safe='')
            self._ctl('delete_vhost', name)
        return self.base_url

    def drop_vhost(self):
        if self.vhost is not None:
            self._ctl('delete_vhost', self.vhost)
            self.vhost = None


# Processes


class Process:
    """A CIMinG command run in its own session, output to a log file."""

    def __init__(self, name, argv, log_path, env=None):
        self.name = name
        self.argv = argv
        self.log_path = log_path
        self.env = env
        self.proc = None

    def start(self):
        log = open(self.log_path, 'ab')
        try:
            self.proc = subprocess.Popen(
                self.argv, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, env=self.env,
                start_new_session=True)
        finally:
            log.close()
        return self

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_contains(self, text):
        try:
            with open(self.log_path, 'rb') as log:
                return text.encode() in log.read()
        except OSError:
            return False

    def kill(self):
        """SIGKILL the whole process group at once: a crash.

        The conductor is a launcher that forks the worker running the
        jobs; killing only the launcher would leave the worker running
        (or let the launcher start a new one). The group is this
        command's alone (it runs in its own session).
        """
        if self.proc is None:
            return None
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait(10)
        return self.proc.returncode

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM, wait, then SIGKILL its process group; the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        # Children of the launcher (cotyledon workers) share the session
        # and process group we created for this command only.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.proc.poll() is None:
            self.proc.wait(10)
        return self.proc.returncode


def run_command(argv, log_path, timeout=120):
    """Run a command to completion, output appended to ``log_path``."""
    with open(log_path, 'ab') as log:
        log.write(('$ %s\n' % ' '.join(argv)).encode())
        log.flush()
        result = subprocess.run(argv, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, timeout=timeout,
                                stdin=subprocess.DEVNULL)
        log.write(result.stdout)
    if result.returncode:
        raise DeploymentFailed('%s exited %s:\n%s'
                               % (' '.join(argv), result.returncode,
                                  result.stdout.decode('utf-8', 'replace')))
    return result.stdout.decode('utf-8', 'replace')


def write_config(path, sections):
    parser = configparser.RawConfigParser()
    parser.optionxform = str
    for section, options in sections.items():
        if section != 'DEFAULT' and not parser.has_section(section):
            parser.add_section(section)
        for key, value in options.items():
            parser.set(section, key, str(value))
    with open(path, 'w') as conf:
        parser.write(conf)


def merge_sections(*layers):
    merged = {}
    for layer in layers:
        for section, options in (layer or {}).items():
            merged.setdefault(section, {}).update(options)
    return merged


# The gunicorn.conf.py of doc/source/install/index.rst.
GUNICORN_CONFIG = '''\
wsgi_app = "ciming.wsgi.api:application"
raw_env = ["CIMING_CONFIG_FILE=%(config_file)s"]
bind = "%(bind)s"
workers = 2
worker_class = "gthread"
threads = 8
# Uploads stream for as long as the client sends.
timeout = 3600
graceful_timeout = 20
pidfile = "%(pidfile)s"
# Each instance its own control socket (gunicorn 27 shares one).
control_socket_disable = True
'''


class Deployment:
    """``ciming-api`` and ``ciming-conductor`` on one database and broker.

    ``config`` is a ``{section: {option: value}}`` overlay on the defaults
    of :meth:`base_config`. ``conductors`` conductor processes are run,
    each with a ``[DEFAULT] host`` of its own (:meth:`conductor_host`) in
    an extra config file; the first one's host is the deployment's
    :attr:`host` (the API's), so a single-conductor deployment is as
    before. ``api_server`` is ``'ciming-api'`` (the console script) or
    ``'gunicorn'`` (the WSGI application, as documented for production).
    """

    API_SERVERS = ('ciming-api', 'gunicorn')

    def __init__(self, backend_name, config=None, conductors=1,
                 api_server='ciming-api'):
        if api_server not in self.API_SERVERS:
            raise ValueError('unknown api_server %s' % api_server)
        self.backend = get_backend(backend_name)
        self.overlay = config or {}
        self.conductor_count = conductors
        self.api_server = api_server
        self.conductors = {}
        self.run_id = uuid.uuid4().hex[:12]
        self.rabbit = RabbitMQ()
        self.dir = None
        self.database = None
        self.api = None
        self.port = None
        self.started = False

    @property
    def endpoint(self):
        return 'http://127.0.0.1:%s' % self.port

    @property
    def config_file(self):
        return os.path.join(self.dir, 'ciming.conf')

    @property
    def staging_dir(self):
        return os.path.join(self.dir, 'staging')

    @property
    def clouds_root(self):
        return os.path.join(self.dir, 'clouds')

    @property
    def gunicorn_config_file(self):
        return os.path.join(self.dir, 'gunicorn.conf.py')

    def log_path(self, name):
        return os.path.join(self.dir, '%s.log' % name)

    @property
    def pause_dir(self):
        """Where tests put the FIFOs of :class:`PausePoint`."""
        return os.path.join(self.dir, 'pauses')

    def conductor_env(self):
        """The conductors' environment: the test-only pause points on."""
        os.makedirs(self.pause_dir, exist_ok=True)
        return dict(os.environ, CIMING_TEST_PAUSE_DIR=self.pause_dir)

    def base_config(self, transport_url):
        config = {
            'DEFAULT': {
                'auth_strategy': 'noauth',
                'transport_url': transport_url,
                'host': self.host,
                'state_path': os.path.join(self.dir, 'state'),
                'debug': DEBUG,
            },
            'database': {
                'connection': self.backend.url(self.database),
            },
            'api': {
                'host_ip': '127.0.0.1',
                'port': self.port,
            },
            'staging': {'dir': self.staging_dir},
            'local_driver': {'root': self.clouds_root},
            'conductor': {
                'progress_interval': 0.1,
                'periodic_interval': 3600,
            },
            'oslo_concurrency': {
                'lock_path': os.path.join(self.dir, 'locks'),
            },
        }
        if self.control_exchange != 'ciming':
            config['DEFAULT']['control_exchange'] = self.control_exchange
        return config

    @property
    def control_exchange(self):
        """The exchange of this deployment's RPC and notifications.

        Queues are named after topics: on a shared virtual host only the
        exchange keeps this deployment's messages apart; in a virtual host
        of its own it uses the default one.
        """
        if self.rabbit.vhost is None:
            return 'ciming-test-%s' % self.run_id
        return 'ciming'

    def write_gunicorn_config(self):
        """The gunicorn.conf.py of doc/source/install, for this API.

        gunicorn runs with no other argument: the application, the
        address and the CIMinG config file (``CIMING_CONFIG_FILE`` in
        ``raw_env``) are all in this file.
        """
        with open(self.gunicorn_config_file, 'w') as conf:
            conf.write(GUNICORN_CONFIG % {
                'bind': '127.0.0.1:%s' % self.port,
                'config_file': self.config_file,
                'pidfile': os.path.join(self.dir, 'gunicorn.pid')})

    def start_api(self):
        if self.api_server == 'gunicorn':
            self.write_gunicorn_config()
            argv = [find_command('gunicorn'), '--config',
                    self.gunicorn_config_file]
        else:
            argv = [find_command('ciming-api'),
                    '--config-file', self.config_file]
        self.api = Process('api', argv, self.log_path('api')).start()
        self._wait_running(self.api, None)

    def start(self):
        self.backend.check_available()
        self.rabbit.check_available()
        self.dir = tempfile.mkdtemp(prefix='ciming-func-%s-'
                                    % self.backend.name)
        os.makedirs(self.clouds_root)
        self.database = 'ciming_func_%s' % self.run_id
        self.backend.create(self.database)
        transport_url = self.rabbit.make_vhost('ciming-test-%s'
                                               % self.run_id)
        self.port = free_port()
        write_config(self.config_file, merge_sections(
            self.base_config(transport_url), self.overlay))
        conf = ['--config-file', self.config_file]

        run_command([find_command('ciming-manage')] + conf + ['db', 'sync'],
                    self.log_path('manage'))

        for index in range(self.conductor_count):
            self.start_conductor(index)

        self.start_api()
        self.started = True
        return self

    def _wait_running(self, process, log_line):
        def ready():
            if not process.alive():
                raise DeploymentFailed(
                    '%s exited with %s during start-up:\n%s'
                    % (process.name, process.proc.returncode,
                       tail(process.log_path)))
            if log_line is not None:
                return process.log_contains(log_line)
            try:
                return requests.get(self.endpoint + '/healthcheck',
                                    timeout=2).status_code == 200
            except requests.RequestException:
                return False

        try:
            wait_for(ready, START_TIMEOUT, interval=0.2,
                     what='%s to be ready' % process.name)
        except AssertionError as exc:
            raise DeploymentFailed('%s:\n%s'
                                   % (exc, tail(process.log_path)))

    def conductor_host(self, index=0):
        """The ``[DEFAULT] host`` of conductor ``index``."""
        return self.host if index == 0 else '%s-c%d' % (self.host, index)

    def conductor_log(self, index=0):
        return self.log_path('conductor' if index == 0
                             else 'conductor-%d' % index)

    def conductor_index(self, host):
        for index in range(self.conductor_count):
            if self.conductor_host(index) == host:
                return index
        raise KeyError(host)

    @property
    def conductor(self):
        return self.conductors.get(0)

    def start_conductor(self, index=0):
        """Start (or start again) a conductor; wait until it listens.

        A cast made before the conductor declared its queues would be
        lost; its log is appended to, so count the start-up lines.
        """
        host = self.conductor_host(index)
        marker = 'Conductor %s started' % host
        log_path = self.conductor_log(index)
        seen = self._count(marker, log_path)
        argv = [find_command('ciming-conductor'),
                '--config-file', self.config_file]
        if index:
            extra = os.path.join(self.dir, 'conductor-%d.conf' % index)
            write_config(extra, {'DEFAULT': {'host': host}})
            argv += ['--config-file', extra]
        process = self.conductors[index] = Process(
            'conductor' if index == 0 else 'conductor-%d' % index, argv,
            log_path, env=self.conductor_env()).start()

        def ready():
            if not process.alive():
                raise DeploymentFailed(
                    'conductor %s exited with %s during start-up:\n%s'
                    % (host, process.proc.returncode, tail(log_path)))
            return self._count(marker, log_path) > seen

        try:
            wait_for(ready, START_TIMEOUT, interval=0.2,
                     what='conductor %s to be ready' % host)
        except AssertionError as exc:
            raise DeploymentFailed('%s:\n%s' % (exc, tail(log_path)))

    def stop_conductor(self, index=0):
        """Stop a conductor; jobs cast meanwhile wait in RabbitMQ."""
        self.conductors[index].stop()

    def kill_conductor(self, index=0):
        """SIGKILL a conductor and its forked worker: a crash."""
        return self.conductors[index].kill()

    def _count(self, text, log_path=None):
        try:
            with open(log_path or self.conductor_log(0), 'rb') as log:
                return log.read().count(text.encode())
        except OSError:
            return 0

    @property
    def host(self):
        return 'functest-%s' % self.run_id

    def processes(self):
        return [self.api] + [self.conductors[i]
                             for i in sorted(self.conductors)]

    def check_alive(self):
        for process in [self.api] + [self.conductors.get(i) for i in
                                     range(self.conductor_count)]:
            if process is None or not process.alive():
                raise DeploymentFailed(
                    '%s of the %s deployment is not running:\n%s'
                    % (process.name if process else '?', self.backend.label,
                       tail(process.log_path) if process else ''))

    def stop(self):
        codes = {}
        for process in self.processes():
            if process is not None:
                codes[process.name] = process.stop()
        if self.database is not None:
            try:
                self.backend.drop(self.database)
            except Exception as exc:  # noqa: B902 - best effort at exit
                sys.stderr.write('could not drop database %s: %s\n'
                                 % (self.database, exc))
            self.database = None
        self.rabbit.drop_vhost()
        if self.dir is not None and not KEEP:
            shutil.rmtree(self.dir, ignore_errors=True)
        self.started = False
        return codes

    def logs(self):
        """``{name: path}`` of the logs of this deployment."""
        if self.dir is None:
            return {}
        logs = {name: self.log_path(name)
                for name in ('manage', 'conductor', 'api')}
        for index in range(1, self.conductor_count):
            logs['conductor-%d' % index] = self.conductor_log(index)
        return logs


_DEPLOYMENTS = {}
_REGISTRY_LOCK = threading.Lock()


def _key(backend, config, conductors=1, api_server='ciming-api'):
    return (backend, json.dumps(config or {}, sort_keys=True, default=str),
            conductors, api_server)


def get_deployment(backend, config=None, conductors=1,
                   api_server='ciming-api'):
    """The running deployment for a backend and config overlay.

    Started on first use and kept for the other tests of this process;
    a start-up failure is remembered so that every test using it fails
    with the same message rather than each retrying.
    """
    key = _key(backend, config, conductors, api_server)
    with _REGISTRY_LOCK:
        entry = _DEPLOYMENTS.get(key)
        if entry is None:
            deployment = Deployment(backend, config, conductors,
                                    api_server)
            try:
                deployment.start()
                entry = (deployment, None)
            except ServiceUnavailable as exc:
                deployment.stop()
                entry = (deployment, exc)
            except Exception as exc:  # noqa: B902 - reported to each test
                detail = '\n'.join(
                    '--- %s log ---\n%s' % (name, tail(path))
                    for name, path in deployment.logs().items())
                deployment.stop()
                entry = (deployment, DeploymentFailed(
                    'the %s deployment did not start: %s\n%s'
                    % (backend, exc, detail)))
            _DEPLOYMENTS[key] = entry
    deployment, error = entry
    if error is not None:
        raise error
    deployment.check_alive()
    return deployment


def _stop_deployment(deployment):
    start = time.monotonic()
    codes = deployment.stop()
    took = time.monotonic() - start
    if took > 10:
        sys.stderr.write('stopping the %s deployment took %.1fs (exit codes '
                         '%s)\n' % (deployment.backend.name, took, codes))


@atexit.register
def stop_all_deployments():
    """Stop every deployment of this process, all at the same time."""
    with _REGISTRY_LOCK:
        threads = [threading.Thread(target=_stop_deployment, args=(d,))
                   for d, _error in _DEPLOYMENTS.values() if d.started]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        _DEPLOYMENTS.clear()


# REST client


class APIError(AssertionError):
    pass


class Client:
    """A thin ``requests`` client for one project of one deployment."""

    def __init__(self, endpoint, project_id=None, roles=None):
        self.endpoint = endpoint.rstrip('/')
        self.project_id = project_id or uuid.uuid4().hex
        self.roles = roles
        self.session = requests.Session()

    def headers(self, extra=None):
        headers = {'X-Project-Id': self.project_id,
                   'Accept': 'application/json'}
        if self.roles is not None:
            headers['X-Roles'] = self.roles
        headers.update(extra or {})
        return headers

    def request(self, method, path, expect=None, json_body=None, data=None,
                headers=None, timeout=60):
        """Send a request; check the status is ``expect`` if given.

        ``json_body`` is serialized; ``data`` is sent as is (bytes, a
        string or a file object, which ``requests`` streams).
        """
        headers = self.headers(headers)
        if json_body is not None:
            data = json.dumps(json_body)
            headers.setdefault('Content-Type', 'application/json')
        resp = self.session.request(method, self.endpoint + path,
                                    data=data, headers=headers,
                                    timeout=timeout)
        if expect is not None and resp.status_code != expect:
            raise APIError('%s %s: expected %s, got %s: %s'
                           % (method, path, expect, resp.status_code,
                              resp.text[:2000]))
        return resp

    def get(self, path, expect=200, **kwargs):
        return self.request('GET', path, expect, **kwargs).json()

    def post(self, path, body=None, expect=201, **kwargs):
        resp = self.request('POST', path, expect, json_body=body, **kwargs)
        return resp.json() if resp.content else None

    def delete(self, path, expect=204, **kwargs):
        return self.request('DELETE', path, expect, **kwargs)

    def upload(self, image_id, path_or_bytes, expect=202, headers=None,
               timeout=600):
        headers = dict(headers or {})
        headers.setdefault('Content-Type', 'application/octet-stream')
        if isinstance(path_or_bytes, (bytes, bytearray)):
            return self.request('PUT', '/v1/images/%s/file' % image_id,
                                expect, data=path_or_bytes,
                                headers=headers, timeout=timeout)
        with open(path_or_bytes, 'rb') as data:
            return self.request('PUT', '/v1/images/%s/file' % image_id,
                                expect, data=data, headers=headers,
                                timeout=timeout)


def check_error(test, resp, status):
    """Assert ``resp`` is the JSON error document of CIMinG."""
    test.assertEqual(status, resp.status_code, resp.text[:2000])
    test.assertNotIn('Traceback', resp.text)
    try:
        body = resp.json()
    except ValueError:
        test.fail('error %s is not JSON: %r' % (status, resp.text[:500]))
    test.assertIn('error', body, body)
    error = body['error']
    for key in ('code', 'title', 'message'):
        test.assertIn(key, error, body)
    test.assertIsInstance(error['code'], str, body)
    test.assertTrue(error['code'], body)
    test.assertTrue(error['message'], body)
    return error


class PausePoint:
    """Hold a job at a conductor's test-only pause point; prove it got there.

    See :mod:`ciming.common.testhooks`: the conductor, arriving at the
    point, opens the FIFO ``<image>.<point>`` for reading and blocks. A
    non-blocking open for writing succeeds only once a reader has it
    open, so :meth:`wait_reached` returning is the proof that the
    conductor is there (blocked on its read until :meth:`release`).
    """

    def __init__(self, deployment, image_id, point):
        self.point = point
        self.path = os.path.join(deployment.pause_dir,
                                 '%s.%s' % (image_id, point))
        os.mkfifo(self.path)
        self._fd = None

    def _open(self):
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            return True
        except OSError as exc:
            if exc.errno not in (errno.ENXIO, errno.ENOENT):
                raise
            return False

    def wait_reached(self, timeout=60):
        wait_for(self._open, timeout, interval=0.05,
                 what='the job to reach %s' % self.point)

    @property
    def reached(self):
        return self._fd is not None

    def release(self):
        """Let the job go on; the point no longer holds anyone."""
        if self._fd is None:
            self._open()  # a conductor blocked in open() goes on
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


# Test case base


class FunctionalTestCase(testtools.TestCase):
    """A test against a running deployment; attaches its logs on failure.

    Subclasses set ``backend`` (``'mysql'`` or ``'postgresql'``) and may
    set ``deployment_config`` (an overlay of config sections) and
    ``api_server`` (see :class:`Deployment`).
    """

    backend = None
    deployment_config = None
    conductors = 1
    api_server = 'ciming-api'
    # Finishing an upload job on a slow machine.
    job_timeout = 120

    def setUp(self):
        super().setUp()
        self._log_offsets = {}
        try:
            self.deployment = get_deployment(self.backend,
                                             self.deployment_config,
                                             self.conductors,
                                             self.api_server)
        except ServiceUnavailable as exc:
            if ALLOW_SKIP:
                self.skipTest('%s (CIMING_TEST_ALLOW_SKIP=1)' % exc)
            raise AssertionError(
                '%s; start it with tools/ensure-services, or set '
                'CIMING_TEST_ALLOW_SKIP=1 to skip these tests' % exc)
        # Only the part of the shared logs this test produced.
        for name, path in self.deployment.logs().items():
            try:
                self._log_offsets[name] = os.path.getsize(path)
            except OSError:
                self._log_offsets[name] = 0
        self.addOnException(self._attach_logs)
        self.client = Client(self.deployment.endpoint)
        self.project_id = self.client.project_id

    def _attach_logs(self, exc_info):
        for name, path in self.deployment.logs().items():
            offset = self._log_offsets.get(name, 0)
            try:
                with open(path, 'rb') as log:
                    log.seek(offset)
                    text = log.read()[-512 * 1024:].decode('utf-8',
                                                           'replace')
            except OSError as exc:
                text = '(no log: %s)' % exc
            lines = text.splitlines()[-LOG_TAIL_LINES:]
            self.addDetail('%s-log' % name,
                           content.text_content('\n'.join(lines)))

    # Helpers

    def make_temp_dir(self):
        path = tempfile.mkdtemp(prefix='ciming-func-test-')
        self.addCleanup(shutil.rmtree, path, True)
        return path

    def make_data_file(self, size):
        """A random file of ``size`` bytes: (path, sha512, md5)."""
        path = os.path.join(self.make_temp_dir(), 'image.raw')
        sha512, md5 = write_random_file(path, size)
        return path, sha512, md5

    def make_cloud(self, name=None, client=None):
        """A local cloud of this test's project, in a directory of its own.

        Returns (cloud, absolute directory): a project's local clouds are
        placed under ``projects/<project id>/`` of the root.
        """
        client = client or self.client
        name = name or unique_name('cloud-')
        rel = '%s-%s' % (client.project_id[:12], name)
        cloud = client.post('/v1/clouds', {'name': name, 'type': 'local',
                                           'options': {'path': rel}})
        return cloud, os.path.join(self.deployment.clouds_root,
                                   cloud['options']['path'])

    def make_image(self, targets, name=None, client=None):
        client = client or self.client
        return client.post('/v1/images', {
            'name': name or unique_name('image-'),
            'disk_format': 'raw',
            'container_format': 'bare',
            'targets': targets})

    def wait_job(self, job_id, states=('succeeded', 'partial', 'failed',
                                       'cancelled'), timeout=None,
                 client=None):
        client = client or self.client
        last = {}

        def done():
            last['job'] = client.get('/v1/jobs/%s' % job_id)
            return last['job']['state'] in states

        try:
            wait_for(done, timeout or self.job_timeout, interval=0.2,
                     what='job %s to reach %s' % (job_id, states))
        except AssertionError:
            self.fail('job %s stayed %s' % (job_id, json.dumps(
                last.get('job'), indent=1, sort_keys=True)))
        return last['job']

    def staged_files(self, image_id):
        try:
            names = os.listdir(self.deployment.staging_dir)
        except FileNotFoundError:
            return []
        return sorted(n for n in names if n.startswith(image_id))

    def cloud_files(self, directory, image_id):
        try:
            names = os.listdir(directory)
        except (FileNotFoundError, NotADirectoryError):
            return []
        return sorted(n for n in names if n.startswith(image_id))

    def break_cloud(self, directory):
        """Make a local cloud unusable, even for root.

        Its directory becomes a regular file.
        """
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(os.path.dirname(directory), exist_ok=True)
        with open(directory, 'w') as blocker:
            blocker.write('not a directory\n')

    def fix_cloud(self, directory):
        os.unlink(directory)


# Many uploads at once


class VariantData:
    """A file-like body: a random base file with a unique first block.

    Many distinct images from one file written once: variant ``n``
    replaces the first 16 bytes, so no two uploads are alike (no target
    links one to another's copy) and none is held in memory.
    """

    PREFIX = 16

    def __init__(self, base_path, n):
        self.base_path = base_path
        self.prefix = ('%016d' % n).encode()[:self.PREFIX]
        self.size = os.path.getsize(base_path)
        self._file = None
        self._pos = 0

    def __len__(self):
        return self.size

    def read(self, size=-1):
        if self._file is None:
            self._file = open(self.base_path, 'rb')
        data = self._file.read(size if size and size > 0 else -1)
        if self._pos < self.PREFIX and data:
            head = self.prefix[self._pos:self._pos + len(data)]
            data = head + data[len(head):]
        self._pos += len(data)
        return data

    def close(self):
        if self._file is not None:
            self._file.close()

    def identical_to(self, path, block=4 * MiB):
        """Whether ``path`` holds exactly this variant's bytes."""
        if os.path.getsize(path) != self.size:
            return False
        with open(self.base_path, 'rb') as ours, open(path, 'rb') as theirs:
            first = True
            while True:
                a, b = ours.read(block), theirs.read(block)
                if first and a:
                    a = self.prefix + a[self.PREFIX:]
                    first = False
                if a != b:
                    return False
                if not a:
                    return True


def upload_many(client, image_ids, base_path, timeout=900):
    """Upload variant ``n`` of ``base_path`` to image ``n``, all at once.

    Returns ``{image_id: (status, body text, seconds)}``.
    """
    results = {}
    start = threading.Barrier(len(image_ids))

    def one(n, image_id):
        body = VariantData(base_path, n)
        session = requests.Session()
        began = time.monotonic()
        try:
            start.wait()
            began = time.monotonic()
            resp = session.put(
                '%s/v1/images/%s/file' % (client.endpoint, image_id),
                data=body, timeout=timeout, headers=client.headers(
                    {'Content-Type': 'application/octet-stream'}))
            results[image_id] = (resp.status_code, resp.text,
                                 time.monotonic() - began)
        except Exception as exc:  # noqa: B902 - reported by the test
            results[image_id] = (None, repr(exc), time.monotonic() - began)
        finally:
            body.close()

    threads = [threading.Thread(target=one, args=(n, image_id))
               for n, image_id in enumerate(image_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


class AllInOne:
    """``ciming-all-in-one`` in a directory of its own, on a free port."""

    def __init__(self, directory, config=None):
        self.dir = directory
        self.data_dir = os.path.join(directory, 'data')
        self.port = free_port()
        self.endpoint = 'http://127.0.0.1:%s' % self.port
        self.config_file = os.path.join(directory, 'ciming.conf')
        self.log_path = os.path.join(directory, 'all-in-one.log')
        write_config(self.config_file, merge_sections({
            'DEFAULT': {'debug': DEBUG},
            'all_in_one': {'data_dir': self.data_dir},
            'api': {'port': self.port},
        }, config))
        self.process = None

    @property
    def staging_dir(self):
        return os.path.join(self.data_dir, 'staging')

    def cloud_file(self, cloud, image_id):
        return os.path.join(self.data_dir, 'local-clouds', cloud,
                            image_id + '.img')

    def start(self):
        """Start it (again) and wait until it answers."""
        self.process = Process(
            'all-in-one', [find_command('ciming-all-in-one'),
                           '--config-file', self.config_file],
            self.log_path).start()

        def up():
            if not self.process.alive():
                raise DeploymentFailed('ciming-all-in-one exited with %s:\n%s'
                                       % (self.process.proc.returncode,
                                          tail(self.log_path)))
            try:
                return requests.get(self.endpoint + '/healthcheck',
                                    timeout=5).status_code == 200
            except requests.RequestException:
                return False

        wait_for(up, START_TIMEOUT, interval=0.2,
                 what='ciming-all-in-one to answer')
        return self

    def stop(self):
        if self.process is not None:
            self.process.stop()

    def kill(self):
        return self.process.kill()

    def count_in_log(self, text):
        try:
            with open(self.log_path, 'rb') as log:
                return log.read().count(text.encode())
        except OSError:
            return 0
