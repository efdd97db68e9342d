"""``ciming-manage``: database administration (``db sync``, ``db version``)."""

import sys

from oslo_config import cfg

from ciming.common import service as ciming_service
from ciming.conductor import persistence
from ciming.conf import CONF
from ciming.db.sqlalchemy import migration


def _db_sync():
    migration.upgrade(CONF.command.revision)
    persistence.upgrade_persistence()


def _db_version():
    print(migration.version())


def _add_commands(subparsers):
    db = subparsers.add_parser('db', help='Database schema commands.')
    db_commands = db.add_subparsers(dest='db_command')
    db_commands.required = True
    sync = db_commands.add_parser('sync', help='Upgrade the schema.')
    sync.add_argument('revision', nargs='?', default='head')
    sync.set_defaults(func=_db_sync)
    version = db_commands.add_parser('version',
                                     help='Print the schema revision.')
    version.set_defaults(func=_db_version)


def main():
    CONF.register_cli_opt(cfg.SubCommandOpt(
        'command', title='Commands', handler=_add_commands))
    ciming_service.prepare_service()
    CONF.command.func()
    return 0


if __name__ == '__main__':
    sys.exit(main())
