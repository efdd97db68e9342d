"""Images hold the metadata not yet in every cloud, and their deprecation.

Revision ID: e7b4c2d8f304
Revises: e7f3b2a90c14
Create Date: 2026-12-03
"""

from alembic import op
from oslo_db.sqlalchemy import types as db_types
import sqlalchemy as sa

revision = 'e7b4c2d8f304'
down_revision = 'e7f3b2a90c14'


def upgrade():
    op.add_column('images', sa.Column('pending_metadata',
                                      db_types.JsonEncodedDict,
                                      nullable=True))
    op.add_column('images', sa.Column('deprecated', sa.Boolean,
                                      nullable=False,
                                      server_default=sa.false()))
