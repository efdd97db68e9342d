"""The alembic migrations on real sqlite, MariaDB and PostgreSQL.

Each test makes a fresh, uniquely named database, runs the operator's
command ``ciming-manage db sync`` against it in a subprocess, and checks
``ciming-manage db version`` and that the migrated schema is exactly the
one the models describe (oslo.db's ModelsMigrationsSync: alembic's
autogenerate comparison must find no difference).
"""

import os
import shutil
import tempfile
import uuid

from alembic import config as alembic_config
from alembic import script as alembic_script
from oslo_db.sqlalchemy import test_migrations
import sqlalchemy as sa
import testtools

from ciming.db.sqlalchemy import migration
from ciming.db.sqlalchemy import models
from tests.functional import base

_INI = os.path.join(os.path.dirname(models.__file__), 'alembic.ini')


TASKFLOW_TABLES = {'logbooks', 'flowdetails', 'atomdetails'}
# Where each set of migrations keeps its revision (TaskFlow's only where
# it uses alembic: not on sqlite).
VERSION_TABLES = {migration.VERSION_TABLE, 'alembic_version'}


def alembic_head():
    script = alembic_script.ScriptDirectory.from_config(
        alembic_config.Config(_INI))
    return script.get_current_head()


class MigrationsMixin(test_migrations.ModelsMigrationsSync):
    """Migrations of one backend; subclasses set ``backend``."""

    backend = None

    def setUp(self):
        super().setUp()
        self.db = base.get_backend(self.backend)
        try:
            self.db.check_available()
        except base.ServiceUnavailable as exc:
            if base.ALLOW_SKIP:
                self.skipTest('%s (CIMING_TEST_ALLOW_SKIP=1)' % exc)
            raise AssertionError(
                '%s; start it with tools/ensure-services, or set '
                'CIMING_TEST_ALLOW_SKIP=1 to skip these tests' % exc)
        self.dir = tempfile.mkdtemp(prefix='ciming-migrations-')
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.database = 'ciming_mig_%s' % uuid.uuid4().hex[:12]
        self.db.create(self.database)
        self.addCleanup(self.db.drop, self.database)
        self.url = self.db.url(self.database)
        self.engine = sa.create_engine(self.url,
                                       poolclass=sa.pool.NullPool)
        self.addCleanup(self.engine.dispose)
        self.config_file = os.path.join(self.dir, 'ciming.conf')
        base.write_config(self.config_file, {
            'DEFAULT': {'auth_strategy': 'noauth',
                        'transport_url': 'fake://',
                        'state_path': self.dir},
            'database': {'connection': self.url},
        })
        self.log = os.path.join(self.dir, 'manage.log')
        self.addOnException(self._attach_log)

    def _attach_log(self, exc_info):
        self.addDetail('manage-log', testtools.content.text_content(
            base.tail(self.log)))

    def manage(self, *args):
        return base.run_command(
            [base.find_command('ciming-manage'),
             '--config-file', self.config_file] + list(args), self.log)

    # ModelsMigrationsSync

    def db_sync(self, engine):
        self.manage('db', 'sync')

    def get_engine(self):
        return self.engine

    def get_metadata(self):
        return models.BASE.metadata

    def include_object(self, object_, name, type_, reflected, compare_to):
        # TaskFlow's persistence shares the database with its own tables,
        # created by its own migrations (db sync runs both).
        if type_ == 'table' and name in TASKFLOW_TABLES | VERSION_TABLES:
            return False
        return super().include_object(object_, name, type_, reflected,
                                      compare_to)

    # Tests

    def test_sync_then_version_is_head(self):
        head = alembic_head()
        self.assertIsNotNone(head)
        self.assertEqual('None', self.manage('db', 'version').strip()
                         .splitlines()[-1])
        self.manage('db', 'sync')
        self.assertEqual(head, self.manage('db', 'version').strip()
                         .splitlines()[-1])
        # Idempotent: a second sync changes nothing and does not fail.
        self.manage('db', 'sync')
        self.assertEqual(head, self.manage('db', 'version').strip()
                         .splitlines()[-1])
        tables = set(sa.inspect(self.engine).get_table_names())
        self.assertTrue({'clouds', 'images', 'locations', 'jobs',
                         'job_targets', 'ciming_alembic_version'} <= tables,
                        tables)
        # TaskFlow's flow persistence, for jobs that outlive a conductor.
        self.assertTrue(TASKFLOW_TABLES <= tables, tables)


class SQLiteMigrationsTest(MigrationsMixin, testtools.TestCase):
    backend = 'sqlite'

    def setUp(self):
        super().setUp()
        self.addCleanup(shutil.rmtree, self.db.dir, True)


class MariaDBMigrationsTest(MigrationsMixin, testtools.TestCase):
    backend = 'mysql'


class PostgreSQLMigrationsTest(MigrationsMixin, testtools.TestCase):
    backend = 'postgresql'
