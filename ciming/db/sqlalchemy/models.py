"""SQLAlchemy models: what CIMinG remembers about clouds, images and jobs.

Secrets never live here: a cloud holds at most a Barbican secret href, a
job at most a Keystone trust id.
"""

from oslo_db.sqlalchemy import models
from oslo_db.sqlalchemy import types as db_types
import sqlalchemy as sa
from sqlalchemy.ext import compiler
from sqlalchemy import orm
from sqlalchemy.sql import elements
from sqlalchemy.sql import operators

BASE = orm.declarative_base(cls=models.ModelBase)

UUID_LEN = 36
NAME_LEN = 255


class TimestampMixin(models.TimestampMixin):
    pass


class Cloud(BASE, TimestampMixin):
    """A place images live in: a Glance region, an AWS account, a folder."""

    __tablename__ = 'clouds'
    __table_args__ = (
        sa.UniqueConstraint('project_id', 'name',
                            name='uniq_clouds0project_id0name'),
        sa.Index('clouds_shared_idx', 'shared'),
    )

    id = sa.Column(sa.String(UUID_LEN), primary_key=True)
    project_id = sa.Column(sa.String(NAME_LEN), nullable=False)
    name = sa.Column(sa.String(NAME_LEN), nullable=False)
    type = sa.Column(sa.String(64), nullable=False)
    region = sa.Column(sa.String(NAME_LEN), nullable=True)
    options = sa.Column(db_types.JsonEncodedDict, nullable=False,
                        default=dict)
    credential_ref = sa.Column(sa.String(1024), nullable=True)
    shared = sa.Column(sa.Boolean, nullable=False, default=False)
    description = sa.Column(sa.String(NAME_LEN), nullable=True)


class Image(BASE, TimestampMixin):
    """The one record of a disk image, whatever clouds hold copies."""

    __tablename__ = 'images'
    # And the indexes of the list's sort keys, after the class.
    __table_args__ = (
        sa.Index('images_os_hash_value_idx', 'os_hash_value'),
    )

    id = sa.Column(sa.String(UUID_LEN), primary_key=True)
    project_id = sa.Column(sa.String(NAME_LEN), nullable=False)
    name = sa.Column(sa.String(NAME_LEN), nullable=True)
    disk_format = sa.Column(sa.String(32), nullable=False)
    container_format = sa.Column(sa.String(32), nullable=False)
    size = sa.Column(sa.BigInteger, nullable=True)
    checksum = sa.Column(sa.String(32), nullable=True)
    os_hash_algo = sa.Column(sa.String(64), nullable=True)
    os_hash_value = sa.Column(sa.String(128), nullable=True)
    # The size of the disk the data describes (a qcow2's virtual size).
    virtual_size = sa.Column(sa.BigInteger, nullable=True)
    status = sa.Column(sa.String(32), nullable=False)
    staged = sa.Column(sa.Boolean, nullable=False, default=False)
    staged_host = sa.Column(sa.String(NAME_LEN), nullable=True)
    # The lease of an upload in progress: the process streaming it and
    # when it last said it was alive.
    upload_host = sa.Column(sa.String(NAME_LEN), nullable=True)
    upload_pid = sa.Column(sa.Integer, nullable=True)
    upload_heartbeat_at = sa.Column(sa.DateTime, nullable=True)
    # A metadata change some clouds do not have yet (see
    # ciming.common.metadata); empty once every cloud has it.
    pending_metadata = sa.Column(db_types.JsonEncodedDict, nullable=True)
    deprecated = sa.Column(sa.Boolean, nullable=False, default=False,
                           server_default=sa.false())

    locations = orm.relationship(
        'Location', lazy='selectin', cascade='all, delete-orphan',
        order_by='Location.created_at', back_populates='image')


class NullsFirst(elements.UnaryExpression):
    """A column of an index whose NULLs come first ascending.

    MariaDB and sqlite index NULLs so already and know no ``NULLS
    FIRST``: there it is the bare column. PostgreSQL puts them last
    unless told. (An ascending modifier: MariaDB's DDL would take any
    other for an expression and parenthesize it, which it refuses.)
    """

    inherit_cache = True

    def __init__(self, column):
        super().__init__(column, modifier=operators.asc_op)


@compiler.compiles(NullsFirst)
def _column_only(element, sql_compiler, **kw):
    return sql_compiler.process(element.element, **kw)


@compiler.compiles(NullsFirst, 'postgresql')
def _nulls_first(element, sql_compiler, **kw):
    return '%s NULLS FIRST' % sql_compiler.process(element.element, **kw)


# A project's images in the order of each sort key of GET /v1/images,
# NULLs first and ties broken by id: a page is read from an index in
# order, not sorted (see ciming.db.sqlalchemy.queries.paginate).
IMAGE_SORT_KEYS = ('created_at', 'updated_at', 'name', 'size', 'status')
for _key in IMAGE_SORT_KEYS:
    sa.Index('images_project_id_%s_idx' % _key, Image.__table__.c.project_id,
             NullsFirst(Image.__table__.c[_key]), Image.__table__.c.id)


class Location(BASE, TimestampMixin):
    """Where one image exists (or should exist) in one cloud."""

    __tablename__ = 'locations'
    __table_args__ = (
        sa.UniqueConstraint('image_id', 'cloud_id',
                            name='uniq_locations0image_id0cloud_id'),
        sa.Index('locations_cloud_id_idx', 'cloud_id'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    image_id = sa.Column(sa.String(UUID_LEN),
                         sa.ForeignKey('images.id', ondelete='CASCADE'),
                         nullable=False)
    cloud_id = sa.Column(sa.String(UUID_LEN),
                         sa.ForeignKey('clouds.id'), nullable=False)
    remote_id = sa.Column(sa.String(NAME_LEN), nullable=True)
    status = sa.Column(sa.String(32), nullable=False)
    error = sa.Column(sa.Text, nullable=True)
    last_seen_at = sa.Column(sa.DateTime, nullable=True)
    # What this copy holds, when it is not the image's own data (a raw
    # conversion of a qcow2); None: the image's format, size and hash.
    disk_format = sa.Column(sa.String(32), nullable=True)
    size = sa.Column(sa.BigInteger, nullable=True)
    os_hash_value = sa.Column(sa.String(128), nullable=True)

    image = orm.relationship('Image', back_populates='locations')


class Job(BASE, TimestampMixin):
    """One run of a flow for one image: an upload import, a sync."""

    __tablename__ = 'jobs'
    __table_args__ = (
        sa.Index('jobs_project_id_idx', 'project_id'),
        sa.Index('jobs_image_id_idx', 'image_id'),
        sa.Index('jobs_state_idx', 'state'),
    )

    id = sa.Column(sa.String(UUID_LEN), primary_key=True)
    project_id = sa.Column(sa.String(NAME_LEN), nullable=False)
    image_id = sa.Column(sa.String(UUID_LEN), nullable=False)
    action = sa.Column(sa.String(32), nullable=False)
    state = sa.Column(sa.String(32), nullable=False)
    source = sa.Column(db_types.JsonEncodedDict, nullable=False,
                       default=dict)
    trust_id = sa.Column(sa.String(NAME_LEN), nullable=True)
    # Ids of the clouds whose credentials came with the request (never
    # the credentials): a job that lost them waits for them again.
    credential_clouds = sa.Column(db_types.JsonEncodedList, nullable=True)
    error = sa.Column(sa.Text, nullable=True)
    conductor_host = sa.Column(sa.String(NAME_LEN), nullable=True)
    started_at = sa.Column(sa.DateTime, nullable=True)
    finished_at = sa.Column(sa.DateTime, nullable=True)
    # What the job read and what it converted it to: ``{"source": {...},
    # "converted": {...} or None}``, each with disk_format, size, hashes.
    data = sa.Column(db_types.JsonEncodedDict, nullable=True)

    targets = orm.relationship(
        'JobTarget', lazy='selectin', cascade='all, delete-orphan',
        order_by='JobTarget.id', back_populates='job')


class JobTarget(BASE, TimestampMixin):
    """Progress of one job in one target cloud, in bytes."""

    __tablename__ = 'job_targets'
    __table_args__ = (
        sa.UniqueConstraint('job_id', 'cloud_id',
                            name='uniq_job_targets0job_id0cloud_id'),
    )

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    job_id = sa.Column(sa.String(UUID_LEN),
                       sa.ForeignKey('jobs.id', ondelete='CASCADE'),
                       nullable=False)
    cloud_id = sa.Column(sa.String(UUID_LEN), nullable=False)
    state = sa.Column(sa.String(32), nullable=False)
    bytes_done = sa.Column(sa.BigInteger, nullable=False, default=0)
    bytes_total = sa.Column(sa.BigInteger, nullable=True)
    remote_id = sa.Column(sa.String(NAME_LEN), nullable=True)
    error = sa.Column(sa.Text, nullable=True)

    job = orm.relationship('Job', back_populates='targets')
