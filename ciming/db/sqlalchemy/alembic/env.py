"""Alembic environment: migrate the engine oslo.db configured."""

from alembic import context
from oslo_db.sqlalchemy import enginefacade

from ciming.db.sqlalchemy import migration
from ciming.db.sqlalchemy import models

target_metadata = models.BASE.metadata


def run_migrations_online():
    engine = context.config.attributes.get('connection')
    if engine is not None:
        _run(engine)
        return
    with enginefacade.writer.get_engine().connect() as connection:
        _run(connection)


def _run(connection):
    context.configure(connection=connection,
                      target_metadata=target_metadata,
                      version_table=migration.VERSION_TABLE,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
