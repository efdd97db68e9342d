"""[database] options, owned by oslo.db; CIMinG only sets the default URL."""

from oslo_db import options as db_options

_DEFAULT_SQL_CONNECTION = 'sqlite:////var/lib/ciming/ciming.sqlite'


def register_opts(conf):
    db_options.set_defaults(conf, connection=_DEFAULT_SQL_CONNECTION)


def list_opts():
    return db_options.list_opts()[0][1]
