"""Images hold the lease of the upload streaming into them.

Revision ID: d5e8a1c9f203
Revises: c3a2f7d41b02
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa

revision = 'd5e8a1c9f203'
down_revision = 'c3a2f7d41b02'


def upgrade():
    op.add_column('images', sa.Column('upload_host', sa.String(255),
                                      nullable=True))
    op.add_column('images', sa.Column('upload_pid', sa.Integer,
                                      nullable=True))
    op.add_column('images', sa.Column('upload_heartbeat_at', sa.DateTime,
                                      nullable=True))
