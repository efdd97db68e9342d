"""Base class of unit tests: config fixture, temp state dir, a clean DB.

One sqlite database per test process is migrated once; every test starts
with empty tables and its own state directory (staging, local clouds).
"""

import atexit
import hashlib
import shutil
import tempfile

import fixtures
from oslo_config import fixture as config_fixture
from oslo_db.sqlalchemy import enginefacade
import testtools

from ciming.common import context
from ciming.common import staging
from ciming.common import states
from ciming.conductor import persistence
from ciming.conductor import runtime
from ciming.conf import CONF
from ciming.db import api as dbapi
from ciming.db.sqlalchemy import migration
from ciming.db.sqlalchemy import models

_DB_DIR = None


def _init_db_once():
    global _DB_DIR
    if _DB_DIR is not None:
        return
    _DB_DIR = tempfile.mkdtemp(prefix='ciming-unit-db-')
    atexit.register(shutil.rmtree, _DB_DIR, True)
    CONF([], project='ciming', default_config_files=[])
    CONF.set_override('connection', 'sqlite:///%s/ciming.sqlite' % _DB_DIR,
                      group='database')
    CONF.set_override('sqlite_synchronous', False, group='database')
    CONF.set_override('persistence_connection',
                      'sqlite:///%s/taskflow.sqlite' % _DB_DIR,
                      group='taskflow')
    migration.upgrade()
    persistence.upgrade_persistence()


def _wipe_tables():
    with enginefacade.writer.get_engine().begin() as connection:
        for table in reversed(models.BASE.metadata.sorted_tables):
            connection.execute(table.delete())


class TestCase(testtools.TestCase):
    """A test with a clean database and its own state directory."""

    def setUp(self):
        super().setUp()
        _init_db_once()
        # The config fixture leaves CONF unparsed when a test ends.
        CONF([], project='ciming', default_config_files=[])
        self.addCleanup(_wipe_tables)
        self.config = self.useFixture(config_fixture.Config(CONF)).config
        self.state_path = self.useFixture(fixtures.TempDir()).path
        self.config(state_path=self.state_path)
        self.dbapi = dbapi.get_instance()
        self.context = context.RequestContext(
            project_id='project-a', user_id='user-a',
            roles=['member', 'reader'])

    def create_local_cloud(self, name, project_id='project-a', **kwargs):
        values = {'name': name, 'type': 'local', 'project_id': project_id,
                  'options': {'path': name}}
        values.update(kwargs)
        return self.dbapi.create_cloud(values)


def run_job_now(manager, context, job_id, credentials=None):
    """Run a pending job in the calling thread, as a conductor would."""
    job = manager.dbapi.get_job(job_id)
    runtime.register(job, context, credentials)
    try:
        persistence.save_flow(job)
        manager.executor.run(job_id)
    finally:
        runtime.forget(job_id)


def stage_image(dbapi, targets, data, recorded=None, host='test-host'):
    """An uploaded image with ``data`` staged for ``targets`` (clouds).

    The record holds the size and hashes of ``recorded`` (by default the
    staged data itself), so that a test can stage corrupt data.
    """
    recorded = data if recorded is None else recorded
    image = dbapi.create_image(
        {'project_id': 'project-a', 'name': 'img', 'disk_format': 'raw',
         'container_format': 'bare', 'status': states.IMAGE_UPLOADING},
        [c.id for c in targets])
    area = staging.StagingArea()
    with area.open_writer(image.id) as out:
        out.write(data)
    area.commit(image.id)
    return dbapi.update_image(image.id, {
        'size': len(recorded),
        'checksum': hashlib.md5(recorded).hexdigest(),
        'os_hash_algo': 'sha512',
        'os_hash_value': hashlib.sha512(recorded).hexdigest(),
        'staged': True, 'staged_host': host})
