"""[database] options, owned by oslo.db; CIMinG sets the default URL and
adds how sqlite copes with concurrent writers."""

from oslo_config import cfg
from oslo_db import options as db_options

_DEFAULT_SQL_CONNECTION = 'sqlite:////var/lib/ciming/ciming.sqlite'

opts = [
    cfg.FloatOpt('sqlite_busy_timeout', default=60.0, min=0,
                 help='Seconds a write to an sqlite database waits for '
                      'another writer to finish before it fails (and is '
                      'retried, see db_max_retries). Also applies to '
                      'the TaskFlow persistence database when it is '
                      'sqlite.'),
    cfg.BoolOpt('sqlite_wal', default=True,
                help='Open sqlite databases in WAL mode, so that readers '
                     'and the writer do not wait for each other. WAL '
                     'needs the database on a local file system, not '
                     'NFS.'),
]


def register_opts(conf):
    db_options.set_defaults(conf, connection=_DEFAULT_SQL_CONNECTION)
    conf.register_opts(opts, group='database')


def list_opts():
    return db_options.list_opts()[0][1] + opts
