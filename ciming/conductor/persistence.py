"""TaskFlow persistence: the logbook and flow detail of every job.

Every job's flow is saved (a logbook and a flow detail named by the job
id, with the factory that rebuilds the flow) before it runs, and each
task's state is saved as it changes; a flow loaded again skips what
completed and re-runs the rest (the tasks are idempotent). Used by the
executor, ``ciming-manage db sync`` and ``ciming-status``.

Only ids go into anything persisted: a job's context and credentials stay
in :mod:`ciming.conductor.runtime`.
"""

import contextlib
import threading

import sqlalchemy as sa
from taskflow import engines
from taskflow import exceptions as tf_exc
from taskflow.persistence.backends import impl_sqlalchemy
from taskflow.persistence import models as tf_models
from taskflow.utils import misc as tf_misc

from ciming.common import states
from ciming.conductor.flows import metadata as metadata_flow
from ciming.conductor.flows import sync as sync_flow
from ciming.conf import CONF

_backend = None
_backend_lock = threading.Lock()


def persistence_url():
    return CONF.taskflow.persistence_connection or CONF.database.connection


class SharedConnectionBackend(impl_sqlalchemy.SQLAlchemyBackend):
    """TaskFlow's SQL backend handing out one connection object.

    TaskFlow's connection objects hold nothing but the SQLAlchemy tables
    they build when created (closing one does nothing), and TaskFlow
    asks for a new one for each of the dozens of saves a job's flow
    makes. New tables also miss SQLAlchemy's cache of compiled
    statements: each save built and compiled its SQL afresh, five times
    the CPU of the save itself, on every task transition of every job.
    """

    def __init__(self, conf, engine=None):
        super().__init__(conf, engine=engine)
        self._connection = None
        self._connection_lock = threading.Lock()

    def get_connection(self):
        with self._connection_lock:
            if self._connection is None:
                self._connection = super().get_connection()
            return self._connection

    def close(self):
        with self._connection_lock:
            self._connection = None
        super().close()


def make_backend(url):
    """The backend of a URL, its query read as TaskFlow's fetch() does."""
    _name, conf = tf_misc.extract_driver_and_conf({'connection': url},
                                                  'connection')
    backend = SharedConnectionBackend(conf)
    if backend.engine.url.drivername.startswith('sqlite') and \
            not CONF.database.sqlite_synchronous:
        # As oslo.db does for [database]: no fsync per commit, or every
        # task transition waits for the disk (a job's data is gigabytes
        # of dirty pages in flight).
        sa.event.listen(backend.engine, 'connect', _sqlite_not_synchronous)
    return backend


def persistence_backend():
    """The TaskFlow persistence backend, one per process."""
    global _backend
    with _backend_lock:
        if _backend is None:
            _backend = make_backend(persistence_url())
        return _backend


def _sqlite_not_synchronous(dbapi_connection, connection_record):
    dbapi_connection.execute('PRAGMA synchronous = OFF')


def reset_persistence_backend():
    """Forget the backend (tests that change the URL)."""
    global _backend
    with _backend_lock:
        _backend = None


def upgrade_persistence():
    """Create or upgrade TaskFlow's own tables (``ciming-manage db sync``)."""
    with contextlib.closing(persistence_backend().get_connection()) as conn:
        conn.upgrade()


def store_for(job):
    """What a flow's persisted store holds: ids and the source, no more."""
    return {'job_id': job.id, 'image_id': job.image_id,
            'source': dict(job.source)}


def save_flow(job):
    """Persist a new job's logbook and flow detail; return the book."""
    book = tf_models.LogBook(job.id, uuid=job.id)
    flow_detail = tf_models.FlowDetail(job.id, uuid=job.id)
    book.add(flow_detail)
    engines.save_factory_details(flow_detail, *flow_factory(job), {})
    with contextlib.closing(persistence_backend().get_connection()) as conn:
        conn.save_logbook(book)
    return book


def flow_factory(job):
    """The function that builds a job's flow, and its arguments."""
    cloud_ids = [t.cloud_id for t in job.targets]
    if job.action in states.METADATA_ACTIONS:
        return metadata_flow.get_update_flow, [cloud_ids]
    # Targets of a sync that only re-applies metadata (their data is there).
    metadata_ids = list((job.source or {}).get('metadata_only') or ())
    if not metadata_ids:
        return sync_flow.get_sync_flow, [cloud_ids]
    return sync_flow.get_sync_flow, [
        [c for c in cloud_ids if c not in metadata_ids], metadata_ids]


def load_flow_detail(job_id):
    """The persisted flow detail of a job, or None if it was never saved."""
    with contextlib.closing(persistence_backend().get_connection()) as conn:
        try:
            book = conn.get_logbook(job_id)
        except tf_exc.NotFound:
            return None
    return book.find(job_id)


def load_engine(job):
    """A serial engine for a job's persisted flow (saved first if new)."""
    flow_detail = load_flow_detail(job.id)
    if flow_detail is None:
        save_flow(job)
        flow_detail = load_flow_detail(job.id)
    return engines.load_from_detail(
        flow_detail, store=store_for(job), backend=persistence_backend(),
        engine='serial')


def saved_job_ids():
    """The ids of the jobs whose flows are saved."""
    with contextlib.closing(persistence_backend().get_connection()) as conn:
        return [book.uuid for book in conn.get_logbooks(lazy=True)]


def destroy_flow(job_id):
    """Drop a finished job's logbook: the job record keeps the outcome."""
    with contextlib.closing(persistence_backend().get_connection()) as conn:
        try:
            conn.destroy_logbook(job_id)
        except tf_exc.NotFound:
            pass
