"""Jobs remember which clouds had per-request credentials.

Revision ID: c3a2f7d41b02
Revises: b1c1f0a0e001
Create Date: 2026-11-26
"""

from alembic import op
from oslo_db.sqlalchemy import types as db_types
import sqlalchemy as sa

revision = 'c3a2f7d41b02'
down_revision = 'b1c1f0a0e001'


def upgrade():
    op.add_column('jobs', sa.Column('credential_clouds',
                                    db_types.JsonEncodedList,
                                    nullable=True))
