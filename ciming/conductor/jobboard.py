"""The jobboard: jobs posted for every conductor, claimed with an expiry.

With a jobboard (Redis, ZooKeeper, etcd) a job is posted there; every
conductor claims jobs with a claim that expires unless renewed, so the
jobs of a conductor that died are taken over by the others. What running
a claimed job means is the caller's: :class:`JobBoard` is given a
``run(job_id, takeover)`` callback, as Octavia's
``TaskFlowServiceController`` is given its flows.

Only job ids (and the name of the conductor holding a job's per-request
credentials) go onto the board.
"""

import threading

import futurist
from oslo_log import log
from oslo_utils import timeutils
from taskflow import exceptions as tf_exc
from taskflow.jobs import backends as board_backends

from ciming.common import states
from ciming.conductor import persistence
from ciming.conductor import runtime
from ciming.conf import CONF
from ciming.db import api as dbapi

LOG = log.getLogger(__name__)


def jobboard_enabled():
    return CONF.taskflow.jobboard_backend != 'none'


def open_jobboard(name=None):
    """A connected jobboard of ``[taskflow] jobboard_backend``."""
    conf = {'board': CONF.taskflow.jobboard_backend,
            'namespace': CONF.taskflow.jobboard_backend_namespace}
    hosts = CONF.taskflow.jobboard_backend_hosts
    port = CONF.taskflow.jobboard_backend_port
    if CONF.taskflow.jobboard_backend == 'redis':
        conf.update(host=hosts[0], port=port)
        if CONF.taskflow.jobboard_backend_password:
            conf['password'] = CONF.taskflow.jobboard_backend_password
    else:
        conf['hosts'] = ['%s:%s' % (host, port) for host in hosts]
    board = board_backends.fetch(name or CONF.taskflow.jobboard_name, conf,
                                 persistence=persistence.persistence_backend())
    board.connect()
    return board


class JobBoard:
    """Posts jobs, claims them while there is room, keeps claims alive.

    :param host: this conductor's name, the owner of its claims.
    :param run: ``run(job_id, takeover)``, called in ``pool`` for each
        claimed job.
    :param pool: the futurist executor claimed jobs run in.
    """

    def __init__(self, host, run, pool):
        self.host = host
        self._run = run
        self._pool = pool
        self.dbapi = dbapi.get_instance()
        self._board = None
        self._watcher = None
        self._stopped = threading.Event()
        # Jobs claimed here and not finished: those still queued in the
        # pool hold a claim as much as those running.
        self._lock = threading.Lock()
        self._held = set()

    def start(self):
        self._board = open_jobboard()
        self._watcher = threading.Thread(
            target=self._watch, name='jobboard-worker', daemon=True)
        self._watcher.start()

    def stop(self):
        """Claim no more jobs; those running finish, then are consumed."""
        self._stopped.set()

    def close(self):
        """Disconnect, once the jobs running here have finished."""
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        if self._board is not None:
            self._board.close()

    def post(self, job_id, hold=False):
        """Post a job for any conductor to claim.

        A job without per-request credentials runs anywhere, through its
        project and trust. One with credentials (``hold``) must run here,
        where they are held in memory: it is posted naming this conductor
        as its holder and claimed at once; the others leave it alone
        until it is older than a claim's expiry (its holder died before
        claiming it; the taker then finds no credentials and the job
        waits for them). Returns False when a held job could not be
        claimed.
        """
        details = {'job_id': job_id}
        if hold:
            details['holder'] = self.host
        board_job = self._board.post(job_id, book=None, details=details)
        LOG.info('Job %s posted to the jobboard', job_id)
        if not hold:
            return True
        try:
            self._claim(board_job)
        except (tf_exc.UnclaimableJob, tf_exc.NotFound) as exc:
            LOG.warning('Job %(job)s: could not claim it with its '
                        'credentials: %(err)s', {'job': job_id, 'err': exc})
            return False
        self._claimed(board_job)
        return True

    def posted(self, job_id):
        """Whether a job is on the jobboard (claimed or not)."""
        return any(board_job.details.get('job_id') == job_id
                   for board_job in self._board.iterjobs(ensure_fresh=True))

    def _watch(self):
        """Claim unclaimed jobs while this conductor has room for them."""
        while not self._stopped.is_set():
            try:
                for board_job in self._board.iterjobs(only_unclaimed=True,
                                                      ensure_fresh=True):
                    if self._stopped.is_set() or self._full():
                        break
                    if not self._may_claim(board_job):
                        continue
                    try:
                        self._claim(board_job)
                    except (tf_exc.UnclaimableJob, tf_exc.NotFound):
                        continue
                    self._claimed(board_job)
            except Exception:
                LOG.exception('Jobboard unreachable; trying again')
            self._stopped.wait(CONF.taskflow.jobboard_poll_interval)

    def _full(self):
        """Whether every worker has a job, running or claimed to run.

        A job claimed but still queued in the pool counts: claiming past
        the free workers let claims expire while jobs waited, and other
        conductors ran them a second time.
        """
        with self._lock:
            busy = set(runtime.running()) | self._held
        return len(busy) >= CONF.conductor.workers

    def _may_claim(self, board_job):
        """Leave a job to the conductor holding its credentials, a while."""
        if board_job.details.get('holder') is None:
            return True
        # Even its holder's watcher: the holder claims it as it posts.
        created = board_job.created_on
        if created is None:
            return True
        if created.tzinfo is not None:
            created = created.replace(tzinfo=None)
        age = (timeutils.utcnow() - created).total_seconds()
        return age > CONF.taskflow.jobboard_expiration_time

    def _claimed(self, board_job):
        job_id = board_job.details['job_id']
        LOG.info('Claimed job %s from the jobboard', job_id)
        with self._lock:
            self._held.add(job_id)
        # The claim is renewed from now on, not from when a worker
        # takes the job up.
        done = threading.Event()
        threading.Thread(target=self._renew_claim, args=(board_job, done),
                         daemon=True).start()
        try:
            self._pool.submit(self._run_claimed, board_job, job_id, done)
        except futurist.RejectedSubmission:
            self._release(job_id, done)
            self._board.abandon(board_job, self.host)

    def _release(self, job_id, done):
        done.set()
        with self._lock:
            self._held.discard(job_id)

    def _run_claimed(self, board_job, job_id, done):
        try:
            self._run(job_id, True)
            if self._stopped.is_set() and not self._finished(job_id):
                self._board.abandon(board_job, self.host)
            else:
                self._board.consume(board_job, self.host)
        except Exception:
            LOG.exception('Job %s: could not settle its jobboard entry',
                          job_id)
        finally:
            runtime.forget(job_id)
            self._release(job_id, done)

    def _finished(self, job_id):
        job = self.dbapi.get_job(job_id)
        return job.state in states.JOB_FINAL_STATES + (
            states.JOB_AWAITING_CREDENTIALS,)

    def _claim(self, board_job):
        """Claim a job for ``jobboard_expiration_time`` seconds.

        ZooKeeper claims are ephemeral nodes that last as long as this
        conductor's session: its board takes no expiry.
        """
        if CONF.taskflow.jobboard_backend == 'zookeeper':
            self._board.claim(board_job, self.host)
        else:
            self._board.claim(board_job, self.host,
                              expiry=CONF.taskflow.jobboard_expiration_time)

    def _renew_claim(self, board_job, done):
        """Keep the claim alive while the job runs here."""
        if not hasattr(board_job, 'extend_expiry'):
            return  # ZooKeeper: the claim lives with the session
        interval = CONF.taskflow.jobboard_expiration_time / 3.0
        while not done.wait(interval):
            try:
                board_job.extend_expiry(
                    CONF.taskflow.jobboard_expiration_time)
            except Exception:
                LOG.exception('Could not renew the claim on job %s',
                              board_job.details.get('job_id'))
