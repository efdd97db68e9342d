"""What data is where: an image's virtual size, each copy's own data.

A copy converted for a cloud (qcow2 to raw) holds other bytes than the
uploaded image: the location records their format, size and hash, and
the job what it read and what it converted.

Revision ID: e7f3b2a90c14
Revises: d5e8a1c9f203
Create Date: 2026-12-03
"""

from alembic import op
from oslo_db.sqlalchemy import types as db_types
import sqlalchemy as sa

revision = 'e7f3b2a90c14'
down_revision = 'd5e8a1c9f203'


def upgrade():
    op.add_column('images', sa.Column('virtual_size', sa.BigInteger,
                                      nullable=True))
    op.add_column('locations', sa.Column('disk_format', sa.String(32),
                                         nullable=True))
    op.add_column('locations', sa.Column('size', sa.BigInteger,
                                         nullable=True))
    op.add_column('locations', sa.Column('os_hash_value', sa.String(128),
                                         nullable=True))
    op.add_column('jobs', sa.Column('data', db_types.JsonEncodedDict,
                                    nullable=True))
