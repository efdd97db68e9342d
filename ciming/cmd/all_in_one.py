"""``ciming-all-in-one``: API and conductor in one process, for development.

The same code paths as a deployment, only other defaults: sqlite, the
in-process ``fake://`` message transport, noauth, and local clouds under
``[all_in_one] data_dir`` registered as shared clouds.
"""

import os
import signal
import sys
import threading

from oslo_log import log

from ciming.api import app
from ciming.common import exception
from ciming.common import rpc
from ciming.common import service as ciming_service
from ciming.common import upload_lease
from ciming.common import wsgi_server
from ciming.conductor import persistence
from ciming.conductor import rpc_service
from ciming.conf import CONF
from ciming.db import api as dbapi
from ciming.db.sqlalchemy import migration

LOG = log.getLogger(__name__)

# Owner of the clouds the all-in-one registers; they are shared with all.
OPERATOR_PROJECT = 'admin'


def _set_defaults():
    rpc.register_opts(CONF)
    CONF.set_default('auth_strategy', 'noauth')
    CONF.set_default('transport_url', 'fake://')
    CONF.set_default('connection', 'sqlite:///$all_in_one.data_dir/'
                     'ciming.sqlite', group='database')
    CONF.set_default('state_path', '$all_in_one.data_dir')
    # A development database: crash-safe enough, and no fsync per write.
    CONF.set_default('sqlite_synchronous', False, group='database')
    # Flows persisted apart: two writers on one sqlite file wait for
    # each other.
    CONF.set_default('persistence_connection', 'sqlite:///'
                     '$all_in_one.data_dir/taskflow.sqlite',
                     group='taskflow')


def _absolute_data_dir():
    data_dir = os.path.abspath(CONF.all_in_one.data_dir)
    CONF.set_override('data_dir', data_dir, group='all_in_one')
    os.makedirs(data_dir, exist_ok=True)
    return data_dir


def register_local_clouds():
    """Create the shared local clouds of ``[all_in_one] local_clouds``."""
    db = dbapi.get_instance()
    for name in CONF.all_in_one.local_clouds:
        try:
            db.get_cloud(name, project_id=OPERATOR_PROJECT)
            continue
        except exception.CloudNotFound:
            pass
        db.create_cloud({'name': name, 'type': 'local', 'shared': True,
                         'project_id': OPERATOR_PROJECT,
                         'options': {'path': name},
                         'description': 'All-in-one local cloud'})
        os.makedirs(os.path.join(CONF.local_driver.root, name),
                    exist_ok=True)
        LOG.info('Registered shared local cloud %s', name)


def main():
    _set_defaults()
    ciming_service.prepare_service()
    data_dir = _absolute_data_dir()
    migration.upgrade()
    persistence.upgrade_persistence()
    register_local_clouds()
    # Uploads this process was streaming when it was killed.
    upload_lease.recover_own(dbapi.get_instance())
    rpc.init()

    conductor = rpc_service.ConductorService()
    conductor.start()
    server = wsgi_server.WSGIServer(app.make_app())
    server.start()
    print('CIMinG all-in-one: http://%s:%s  (data in %s, clouds: %s)'
          % (server.host, server.port, data_dir,
             ', '.join(CONF.all_in_one.local_clouds)), flush=True)

    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *args: stopped.set())
    stopped.wait()
    LOG.info('Stopping')
    server.stop()
    conductor.stop(graceful=False)
    rpc.cleanup()
    return 0


if __name__ == '__main__':
    sys.exit(main())
