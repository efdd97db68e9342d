"""Database schema upgrades with alembic (``ciming-manage db sync``)."""

import os

import alembic
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from alembic import script as alembic_script
from oslo_db.sqlalchemy import enginefacade

_INI = os.path.join(os.path.dirname(__file__), 'alembic.ini')

# Not alembic's default name: TaskFlow's persistence may share the
# database, and its own migrations keep their revision in alembic_version.
VERSION_TABLE = 'ciming_alembic_version'


def _config():
    return alembic_config.Config(_INI)


def upgrade(revision='head'):
    """Bring the schema up to ``revision``."""
    engine = enginefacade.writer.get_engine()
    with engine.begin() as connection:
        config = _config()
        config.attributes['connection'] = connection
        alembic.command.upgrade(config, revision)


def head():
    """The newest revision of the migrations shipped with this code."""
    return alembic_script.ScriptDirectory.from_config(
        _config()).get_current_head()


def version():
    """The schema revision the database is at, or None."""
    engine = enginefacade.writer.get_engine()
    with engine.connect() as connection:
        return alembic_migration.MigrationContext.configure(
            connection, opts={'version_table': VERSION_TABLE}
        ).get_current_revision()
