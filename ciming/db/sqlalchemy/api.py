"""SQLAlchemy implementation of :mod:`ciming.db.api`.

Every write runs in a writer transaction (``BEGIN IMMEDIATE`` on sqlite)
and is retried on a deadlock or a lock timeout
(:mod:`ciming.db.sqlalchemy.contention`).
"""

from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import utils as db_utils
from oslo_utils import timeutils
from oslo_utils import uuidutils
import sqlalchemy as sa

from ciming.common import exception
from ciming.common import states
from ciming.db import api
from ciming.db.sqlalchemy import contention
from ciming.db.sqlalchemy import models
from ciming.db.sqlalchemy import queries
from ciming.db.sqlalchemy import uploads


def get_backend():
    """The backend is this module's Connection."""
    return Connection()


def _guarded_update(session, model, ident, values, column, expected):
    """UPDATE ... WHERE column IN expected; False when no row matched."""
    query = session.query(model).filter(model.id == ident)
    if expected is not None:
        query = query.filter(getattr(model, column).in_(tuple(expected)))
    values = dict(values, updated_at=timeutils.utcnow())
    return query.update(values, synchronize_session=False) == 1


def _update_or_raise(session, model, ident, values, column, expected,
                     not_found):
    """A guarded update; ``not_found`` or InvalidState when it misses."""
    if _guarded_update(session, model, ident, values, column, expected):
        return
    row = session.query(model).filter(model.id == ident).one_or_none()
    if row is None:
        raise not_found
    raise exception.InvalidState(
        resource=model.__name__, id=ident, state=getattr(row, column),
        reason='expected %s' % ', '.join(expected))


_session_for_read = queries.session_for_read
_session_for_write = queries.session_for_write
_visible = queries.visible
_paginate = queries.paginate
_active_in = queries.active_in


class Connection(uploads.UploadLeases, api.Connection):

    # Clouds

    @contention.retry_on_contention
    def create_cloud(self, values):
        values = dict(values)
        values.setdefault('id', uuidutils.generate_uuid())
        cloud = models.Cloud(**values)
        try:
            with _session_for_write() as session:
                session.add(cloud)
                session.flush()
        except db_exc.DBDuplicateEntry:
            raise exception.DuplicateName(resource='cloud',
                                          name=values['name'])
        return cloud

    def get_cloud(self, ident, project_id=None):
        with _session_for_read() as session:
            query = _visible(session.query(models.Cloud), models.Cloud,
                             project_id)
            cloud = query.filter(models.Cloud.id == ident).one_or_none()
            if cloud is None:
                # A name: the project's own cloud wins over a shared one.
                named = query.filter(models.Cloud.name == ident).all()
                named.sort(key=lambda c: c.project_id != project_id)
                cloud = named[0] if named else None
        if cloud is None:
            raise exception.CloudNotFound(cloud=ident)
        return cloud

    def list_clouds(self, project_id=None, cloud_type=None):
        with _session_for_read() as session:
            query = _visible(session.query(models.Cloud), models.Cloud,
                             project_id)
            if cloud_type:
                query = query.filter(models.Cloud.type == cloud_type)
            return query.order_by(models.Cloud.name, models.Cloud.id).all()

    @contention.retry_on_contention
    def update_cloud(self, cloud_id, values):
        try:
            with _session_for_write() as session:
                if not _guarded_update(session, models.Cloud, cloud_id,
                                       values, None, None):
                    raise exception.CloudNotFound(cloud=cloud_id)
        except db_exc.DBDuplicateEntry:
            raise exception.DuplicateName(resource='cloud',
                                          name=values.get('name'))
        return self.get_cloud(cloud_id)

    @contention.retry_on_contention
    def destroy_cloud(self, cloud_id):
        with _session_for_write() as session:
            used = session.query(models.Location.id).filter(
                models.Location.cloud_id == cloud_id).first()
            if used is not None:
                raise exception.CloudInUse(cloud=cloud_id)
            count = session.query(models.Cloud).filter(
                models.Cloud.id == cloud_id).delete()
            if not count:
                raise exception.CloudNotFound(cloud=cloud_id)

    # Images

    @contention.retry_on_contention
    def create_image(self, values, target_cloud_ids=()):
        values = dict(values)
        values.setdefault('id', uuidutils.generate_uuid())
        image = models.Image(**values)
        with _session_for_write() as session:
            session.add(image)
            for cloud_id in target_cloud_ids:
                session.add(models.Location(image_id=image.id,
                                            cloud_id=cloud_id,
                                            status=states.LOC_PENDING))
            session.flush()
        return self.get_image(image.id)

    def get_image(self, image_id, project_id=None):
        with _session_for_read() as session:
            query = _visible(session.query(models.Image), models.Image,
                             project_id)
            image = query.filter(models.Image.id == image_id).one_or_none()
        if image is None:
            raise exception.ImageNotFound(image=image_id)
        return image

    def list_images(self, project_id=None, filters=None, marker=None,
                    limit=None, sort_key='created_at', sort_dir='asc'):
        filters = filters or {}
        with _session_for_read() as session:
            query = _visible(session.query(models.Image), models.Image,
                             project_id)
            if filters.get('name') is not None:
                query = query.filter(models.Image.name == filters['name'])
            if filters.get('status') is not None:
                query = query.filter(
                    models.Image.status == filters['status'])
            if filters.get('available_in'):
                query = query.filter(_active_in(filters['available_in']))
            if filters.get('missing_in'):
                query = query.filter(~_active_in(filters['missing_in']))
            marker_obj = None
            if marker is not None:
                marker_obj = _visible(
                    session.query(models.Image), models.Image,
                    project_id).filter(models.Image.id == marker).first()
                if marker_obj is None:
                    raise exception.InvalidParameterValue(
                        err='Marker %s is not a visible image.' % marker)
            return _paginate(query, models.Image, limit, sort_key,
                             sort_dir, marker_obj).all()

    @contention.retry_on_contention
    def update_image(self, image_id, values, expected_status=None):
        with _session_for_write() as session:
            _update_or_raise(session, models.Image, image_id, values,
                             'status', expected_status,
                             exception.ImageNotFound(image=image_id))
        return self.get_image(image_id)

    @contention.retry_on_contention
    def destroy_image(self, image_id):
        with _session_for_write() as session:
            busy = session.query(models.Job.id).filter(
                models.Job.image_id == image_id,
                models.Job.state.in_(states.JOB_ACTIVE_STATES)).first()
            if busy is not None:
                raise exception.ImageBusy(image=image_id, job=busy[0])
            job_ids = sa.select(models.Job.id).where(
                models.Job.image_id == image_id)
            session.query(models.JobTarget).filter(
                models.JobTarget.job_id.in_(job_ids)).delete(
                synchronize_session=False)
            session.query(models.Job).filter(
                models.Job.image_id == image_id).delete()
            session.query(models.Location).filter(
                models.Location.image_id == image_id).delete()
            if not session.query(models.Image).filter(
                    models.Image.id == image_id).delete():
                raise exception.ImageNotFound(image=image_id)

    # Locations

    @contention.retry_on_contention
    def set_location(self, image_id, cloud_id, values):
        with _session_for_write() as session:
            location = session.query(models.Location).filter_by(
                image_id=image_id, cloud_id=cloud_id).one_or_none()
            if location is None:
                location = models.Location(image_id=image_id,
                                           cloud_id=cloud_id,
                                           status=states.LOC_PENDING)
                session.add(location)
            for key, value in values.items():
                setattr(location, key, value)
            session.flush()
            return location

    def tracked_remote_ids(self, cloud_id, project_id=None):
        with _session_for_read() as session:
            query = session.query(models.Location.remote_id,
                                  models.Location.image_id).join(
                models.Image).filter(models.Location.cloud_id == cloud_id,
                                     models.Location.remote_id.isnot(None))
            if project_id is not None:
                query = query.filter(models.Image.project_id == project_id)
            return dict(query.all())

    @contention.retry_on_contention
    def delete_location(self, image_id, cloud_id):
        with _session_for_write() as session:
            count = session.query(models.Location).filter_by(
                image_id=image_id, cloud_id=cloud_id).delete()
        if not count:
            raise exception.LocationNotFound(image=image_id, cloud=cloud_id)

    # Jobs

    @contention.retry_on_contention
    def create_job(self, values, target_cloud_ids):
        values = dict(values)
        values.setdefault('id', uuidutils.generate_uuid())
        values.setdefault('state', states.JOB_PENDING)
        image_status = values.pop('image_status', None)
        expected_image_status = values.pop('expected_image_status', None)
        # Written with the job, once it is sure no other job runs.
        image_values = values.pop('image_values', None)
        job = models.Job(**values)
        with _session_for_write() as session:
            # Lock the image row so two requests cannot both start a job.
            image = session.query(models.Image).filter(
                models.Image.id == job.image_id).with_for_update().one()
            busy = session.query(models.Job.id).filter(
                models.Job.image_id == job.image_id,
                models.Job.state.in_(states.JOB_ACTIVE_STATES)).first()
            if busy is not None:
                raise exception.ImageBusy(image=job.image_id, job=busy[0])
            if (expected_image_status is not None
                    and image.status not in expected_image_status):
                raise exception.InvalidState(
                    resource='Image', id=image.id, state=image.status,
                    reason='expected %s' % ', '.join(expected_image_status))
            if image_status is not None:
                image.status = image_status
            for key, value in (image_values or {}).items():
                setattr(image, key, value)
            session.add(job)
            for cloud_id in target_cloud_ids:
                session.add(models.JobTarget(job_id=job.id,
                                             cloud_id=cloud_id,
                                             state=states.TARGET_PENDING,
                                             bytes_done=0))
            session.flush()
        return self.get_job(job.id)

    def get_job(self, job_id, project_id=None):
        with _session_for_read() as session:
            query = _visible(session.query(models.Job), models.Job,
                             project_id)
            job = query.filter(models.Job.id == job_id).one_or_none()
        if job is None:
            raise exception.JobNotFound(job=job_id)
        return job

    def list_jobs(self, project_id=None, filters=None, marker=None,
                  limit=None):
        filters = filters or {}
        with _session_for_read() as session:
            query = _visible(session.query(models.Job), models.Job,
                             project_id)
            for key in ('image_id', 'state'):
                value = filters.get(key)
                if value is None:
                    continue
                column = getattr(models.Job, key)
                query = query.filter(
                    column.in_(value) if isinstance(value, (list, tuple))
                    else column == value)
            marker_obj = None
            if marker is not None:
                marker_obj = _visible(
                    session.query(models.Job), models.Job,
                    project_id).filter(models.Job.id == marker).first()
                if marker_obj is None:
                    raise exception.InvalidParameterValue(
                        err='Marker %s is not a visible job.' % marker)
            query = db_utils.paginate_query(
                query, models.Job, limit, ['created_at', 'id'],
                marker=marker_obj, sort_dir='desc')
            return query.all()

    @contention.retry_on_contention
    def update_job(self, job_id, values, expected_state=None):
        with _session_for_write() as session:
            _update_or_raise(session, models.Job, job_id, values, 'state',
                             expected_state,
                             exception.JobNotFound(job=job_id))
        return self.get_job(job_id)

    @contention.retry_on_contention
    def update_job_target(self, job_id, cloud_id, values):
        values = dict(values, updated_at=timeutils.utcnow())
        with _session_for_write() as session:
            session.query(models.JobTarget).filter_by(
                job_id=job_id, cloud_id=cloud_id).update(
                values, synchronize_session=False)

    def list_ended_jobs_with_trust(self):
        with _session_for_read() as session:
            return session.query(models.Job).filter(
                models.Job.state.in_(states.JOB_FINAL_STATES),
                models.Job.trust_id.is_not(None)).all()

    def list_stale_staging(self, older_than):
        with _session_for_read() as session:
            active = sa.select(models.Job.image_id).where(
                models.Job.state.in_(states.JOB_ACTIVE_STATES))
            return session.query(models.Image).filter(
                models.Image.staged.is_(True),
                models.Image.updated_at < older_than,
                models.Image.id.not_in(active)).all()
