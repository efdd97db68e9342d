"""A project's images indexed in the order of every list sort key.

``GET /v1/images`` reads one page of a project's images ordered by
``sort_key`` then id. With only ``project_id`` indexed, the database read
and sorted every image of the project for each page (over 100 ms at
10,000 images on MariaDB); ``(project_id, key, id)`` gives the page in
order. They replace the index on ``project_id`` alone, their prefix.
Pages put NULLs first ascending: so do MariaDB's and sqlite's indexes,
PostgreSQL's are built so (``NULLS FIRST``), or it sorts again.

Revision ID: f2a9c3d1e405
Revises: e7b4c2d8f304
Create Date: 2026-12-03
"""

from alembic import op

revision = 'f2a9c3d1e405'
down_revision = 'e7b4c2d8f304'

SORT_KEYS = ('created_at', 'updated_at', 'name', 'size', 'status')


def upgrade():
    for key in SORT_KEYS:
        op.create_index('images_project_id_%s_idx' % key, 'images',
                        ['project_id', key, 'id'],
                        postgresql_ops={key: 'NULLS FIRST'})
    op.drop_index('images_project_id_idx', table_name='images')
