"""Initial tables: clouds, images, locations, jobs, job_targets.

Revision ID: b1c1f0a0e001
Revises:
Create Date: 2026-11-26
"""

from alembic import op
from oslo_db.sqlalchemy import types as db_types
import sqlalchemy as sa

revision = 'b1c1f0a0e001'
down_revision = None


def _timestamps():
    return [sa.Column('created_at', sa.DateTime, nullable=True),
            sa.Column('updated_at', sa.DateTime, nullable=True)]


def upgrade():
    op.create_table(
        'clouds',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('type', sa.String(64), nullable=False),
        sa.Column('region', sa.String(255), nullable=True),
        sa.Column('options', db_types.JsonEncodedDict, nullable=False),
        sa.Column('credential_ref', sa.String(1024), nullable=True),
        sa.Column('shared', sa.Boolean, nullable=False),
        sa.Column('description', sa.String(255), nullable=True),
        *_timestamps(),
        sa.UniqueConstraint('project_id', 'name',
                            name='uniq_clouds0project_id0name'),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
    op.create_index('clouds_shared_idx', 'clouds', ['shared'])

    op.create_table(
        'images',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('disk_format', sa.String(32), nullable=False),
        sa.Column('container_format', sa.String(32), nullable=False),
        sa.Column('size', sa.BigInteger, nullable=True),
        sa.Column('checksum', sa.String(32), nullable=True),
        sa.Column('os_hash_algo', sa.String(64), nullable=True),
        sa.Column('os_hash_value', sa.String(128), nullable=True),
        sa.Column('status', sa.String(32), nullable=False),
        sa.Column('staged', sa.Boolean, nullable=False),
        sa.Column('staged_host', sa.String(255), nullable=True),
        *_timestamps(),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
    op.create_index('images_project_id_idx', 'images', ['project_id'])
    op.create_index('images_os_hash_value_idx', 'images', ['os_hash_value'])

    op.create_table(
        'locations',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('image_id', sa.String(36),
                  sa.ForeignKey('images.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('cloud_id', sa.String(36), sa.ForeignKey('clouds.id'),
                  nullable=False),
        sa.Column('remote_id', sa.String(255), nullable=True),
        sa.Column('status', sa.String(32), nullable=False),
        sa.Column('error', sa.Text, nullable=True),
        sa.Column('last_seen_at', sa.DateTime, nullable=True),
        *_timestamps(),
        sa.UniqueConstraint('image_id', 'cloud_id',
                            name='uniq_locations0image_id0cloud_id'),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
    op.create_index('locations_cloud_id_idx', 'locations', ['cloud_id'])

    op.create_table(
        'jobs',
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('image_id', sa.String(36), nullable=False),
        sa.Column('action', sa.String(32), nullable=False),
        sa.Column('state', sa.String(32), nullable=False),
        sa.Column('source', db_types.JsonEncodedDict, nullable=False),
        sa.Column('trust_id', sa.String(255), nullable=True),
        sa.Column('error', sa.Text, nullable=True),
        sa.Column('conductor_host', sa.String(255), nullable=True),
        sa.Column('started_at', sa.DateTime, nullable=True),
        sa.Column('finished_at', sa.DateTime, nullable=True),
        *_timestamps(),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
    op.create_index('jobs_project_id_idx', 'jobs', ['project_id'])
    op.create_index('jobs_image_id_idx', 'jobs', ['image_id'])
    op.create_index('jobs_state_idx', 'jobs', ['state'])

    op.create_table(
        'job_targets',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('job_id', sa.String(36),
                  sa.ForeignKey('jobs.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('cloud_id', sa.String(36), nullable=False),
        sa.Column('state', sa.String(32), nullable=False),
        sa.Column('bytes_done', sa.BigInteger, nullable=False),
        sa.Column('bytes_total', sa.BigInteger, nullable=True),
        sa.Column('remote_id', sa.String(255), nullable=True),
        sa.Column('error', sa.Text, nullable=True),
        *_timestamps(),
        sa.UniqueConstraint('job_id', 'cloud_id',
                            name='uniq_job_targets0job_id0cloud_id'),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
