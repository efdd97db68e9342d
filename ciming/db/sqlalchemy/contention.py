"""Many writers on one database: sqlite set up for them, and retries.

sqlite lets one writer in at a time. In WAL mode readers never wait for
the writer nor the writer for readers; a busy timeout makes a writer wait
for the lock instead of failing at once; and CIMinG's write transactions
begin with ``BEGIN IMMEDIATE``, taking the lock before they read, so two
of them never both hold a snapshot that one of them must give up (which
sqlite reports at once, whatever the timeout, as "database is locked").

What still fails -- a lock held past the busy timeout, a MySQL or
PostgreSQL deadlock -- is run again by :func:`retry_on_contention`: the
transaction was rolled back, so the write is simply done again.
"""

import contextlib
import functools
import sqlite3
import threading

from oslo_db import api as oslo_db_api
from oslo_db import exception as db_exc
from oslo_log import log
import sqlalchemy as sa

from ciming.common import exception
from ciming.conf import CONF

LOG = log.getLogger(__name__)

_WRITING = threading.local()

# What sqlite says when a lock could not be had (SQLITE_BUSY).
_SQLITE_BUSY = 'database is locked'


def _on_connect(dbapi_connection, connection_record):
    """Every sqlite connection: WAL journal and a busy timeout."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute('PRAGMA busy_timeout = %d'
                       % int(CONF.database.sqlite_busy_timeout * 1000))
        if CONF.database.sqlite_wal:
            cursor.execute('PRAGMA journal_mode = WAL')
    finally:
        cursor.close()


def _on_begin(connection):
    """A CIMinG write transaction on sqlite takes the write lock first.

    oslo.db emits a plain ``BEGIN`` for sqlite unless the connection is
    already marked as in a transaction; this listener runs before it.
    """
    if (getattr(_WRITING, 'depth', 0)
            and connection.dialect.name == 'sqlite'
            and 'in_transaction' not in connection.info):
        connection.exec_driver_sql('BEGIN IMMEDIATE')
        connection.info['in_transaction'] = True


def setup():
    """Listen to every engine this process makes (oslo.db's, TaskFlow's).

    Class-level listeners also apply to the connection each engine opens
    when it is created, before any code could listen to the engine itself.
    """
    if not sa.event.contains(sa.pool.Pool, 'connect', _on_connect):
        sa.event.listen(sa.pool.Pool, 'connect', _on_connect)
    if not sa.event.contains(sa.engine.Engine, 'begin', _on_begin):
        sa.event.listen(sa.engine.Engine, 'begin', _on_begin)


@contextlib.contextmanager
def writing():
    """Mark the transactions begun in this block as writers."""
    _WRITING.depth = getattr(_WRITING, 'depth', 0) + 1
    try:
        yield
    finally:
        _WRITING.depth -= 1


def is_sqlite_busy(exc):
    """Whether exc is sqlite's "database is locked".

    oslo.db maps MySQL and PostgreSQL deadlocks to DBDeadlock but leaves
    this one a plain DBError.
    """
    inner = getattr(exc, 'inner_exception', None)
    return (isinstance(exc, db_exc.DBError)
            and _SQLITE_BUSY in str(inner if inner is not None else exc))


def _worth_retrying(exc):
    if isinstance(exc, db_exc.DBDeadlock) or is_sqlite_busy(exc):
        LOG.warning('Database contention; the write is retried: %s', exc)
        return True
    return False


def retry_on_contention(func):
    """Run a write again after a deadlock or a lock timeout.

    The retry settings are oslo.db's ``[database] db_retry_interval``,
    ``db_max_retry_interval`` and ``db_max_retries``; the waits grow, with
    jitter so that the writers that met do not meet again. A write that
    still meets contention after the last retry raises DatabaseBusy (a
    503 for API clients), never the database's own text.
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        retry = oslo_db_api.wrap_db_retry(
            retry_interval=CONF.database.db_retry_interval,
            max_retries=CONF.database.db_max_retries,
            inc_retry_interval=CONF.database.db_inc_retry_interval,
            max_retry_interval=CONF.database.db_max_retry_interval,
            exception_checker=_worth_retrying,
            jitter=True)
        try:
            return retry(func)(*args, **kwargs)
        except db_exc.DBError as exc:
            if isinstance(exc, db_exc.DBDeadlock) or is_sqlite_busy(exc):
                LOG.error('%s gave up after %d retries: %s',
                          func.__name__, CONF.database.db_max_retries, exc)
                raise exception.DatabaseBusy() from exc
            raise
    return wrapper
