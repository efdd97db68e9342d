"""Concurrent writers: sqlite settings, BEGIN IMMEDIATE, retries."""

import threading
from unittest import mock

from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
from sqlalchemy import event
from sqlalchemy import exc as sa_exc

from ciming.common import exception
from ciming.db.sqlalchemy import api as db_api
from ciming.db.sqlalchemy import contention
from tests.unit import base


def locked():
    return db_exc.DBError(sa_exc.OperationalError(
        'UPDATE images SET name=?', ('x',),
        Exception('database is locked')))


class SqliteSetupTestCase(base.TestCase):

    def test_connections_use_wal_and_the_busy_timeout(self):
        engine = enginefacade.writer.get_engine()
        engine.dispose()  # new connections see this test's settings
        self.config(sqlite_busy_timeout=12.5, group='database')
        with engine.connect() as connection:
            mode = connection.exec_driver_sql(
                'PRAGMA journal_mode').scalar()
            timeout = connection.exec_driver_sql(
                'PRAGMA busy_timeout').scalar()
        engine.dispose()
        self.assertEqual('wal', mode)
        self.assertEqual(12500, timeout)

    def test_writes_take_the_lock_before_reading(self):
        statements = []
        engine = enginefacade.writer.get_engine()

        def seen(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(engine, 'before_cursor_execute', seen)
        self.addCleanup(event.remove, engine, 'before_cursor_execute', seen)
        self.create_local_cloud('dev-a')
        self.dbapi.list_clouds()
        begins = [s for s in statements if s.startswith('BEGIN')]
        self.assertEqual(['BEGIN IMMEDIATE', 'BEGIN'], begins)


class RetryTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.config(db_retry_interval=0, db_max_retries=3,
                    group='database')

    def _flaky(self, failures, error_factory):
        calls = []

        @contention.retry_on_contention
        def write():
            calls.append(1)
            if len(calls) <= failures:
                raise error_factory()
            return 'written'

        return write, calls

    def test_locked_sqlite_is_retried(self):
        write, calls = self._flaky(2, locked)
        self.assertEqual('written', write())
        self.assertEqual(3, len(calls))

    def test_deadlock_is_retried(self):
        write, calls = self._flaky(1, lambda: db_exc.DBDeadlock())
        self.assertEqual('written', write())
        self.assertEqual(2, len(calls))

    def test_contention_past_the_retries_is_database_busy(self):
        write, calls = self._flaky(10, locked)
        error = self.assertRaises(exception.DatabaseBusy, write)
        self.assertEqual(503, error.status)
        self.assertEqual(4, len(calls))
        self.assertNotIn('UPDATE', error.message)

    def test_other_database_errors_are_not_retried(self):
        write, calls = self._flaky(
            10, lambda: db_exc.DBError(Exception('disk I/O error')))
        self.assertRaises(db_exc.DBError, write)
        self.assertEqual(1, len(calls))

    def test_update_of_a_locked_row_is_retried(self):
        cloud = self.create_local_cloud('dev-a')
        original = db_api._guarded_update
        failures = [locked()]

        def once_locked(*args, **kwargs):
            if failures:
                raise failures.pop()
            return original(*args, **kwargs)

        with mock.patch.object(db_api, '_guarded_update', once_locked):
            updated = self.dbapi.update_cloud(cloud.id,
                                              {'description': 'new'})
        self.assertEqual('new', updated.description)


class ConcurrentWritersTestCase(base.TestCase):

    def test_many_threads_writing_at_once_all_succeed(self):
        cloud = self.create_local_cloud('dev-a')
        images = [self.dbapi.create_image(
            {'project_id': 'project-a', 'disk_format': 'raw',
             'container_format': 'bare', 'status': 'queued'}, [cloud.id])
            for _ in range(16)]
        errors = []

        def work(image):
            try:
                for n in range(10):
                    self.dbapi.set_location(image.id, cloud.id,
                                            {'error': str(n)})
                    self.dbapi.update_image(image.id, {'name': str(n)})
            except Exception as exc:  # noqa: B902 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(image,))
                   for image in images]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual([], errors)
        self.assertEqual({'9'}, {self.dbapi.get_image(i.id).name
                                 for i in images})
