"""The lease of an upload in progress, in the SQLAlchemy backend.

While an API process streams an upload it renews the image's heartbeat;
an upload whose lease ended (its process died) is reset to ``queued``.
"""

from oslo_utils import timeutils
import sqlalchemy as sa

from ciming.common import states
from ciming.db.sqlalchemy import contention
from ciming.db.sqlalchemy import models
from ciming.db.sqlalchemy import queries

# An image whose upload did not finish: queued again, as if never begun.
UPLOAD_RESET = {
    'status': states.IMAGE_QUEUED, 'size': None, 'checksum': None,
    'os_hash_algo': None, 'os_hash_value': None, 'staged': False,
    'staged_host': None, 'upload_host': None, 'upload_pid': None,
    'upload_heartbeat_at': None,
}


def _uploads_of(query, host=None, pid=None):
    query = query.filter(models.Image.status == states.IMAGE_UPLOADING)
    if host is not None:
        query = query.filter(models.Image.upload_host == host)
    if pid is not None:
        query = query.filter(models.Image.upload_pid == pid)
    return query


def _lease_ended(query, before):
    return query.filter(sa.or_(
        models.Image.upload_heartbeat_at < before,
        sa.and_(models.Image.upload_heartbeat_at.is_(None),
                models.Image.updated_at < before)))


class UploadLeases:
    """The upload-lease queries of :class:`~.api.Connection`."""

    @contention.retry_on_contention
    def renew_upload(self, image_id, host, pid):
        with queries.session_for_write() as session:
            return _uploads_of(session.query(models.Image), host, pid).filter(
                models.Image.id == image_id).update(
                {'upload_heartbeat_at': timeutils.utcnow()},
                synchronize_session=False) == 1

    def list_uploads(self, host=None, heartbeat_before=None):
        with queries.session_for_read() as session:
            query = _uploads_of(session.query(models.Image), host)
            if heartbeat_before is not None:
                query = _lease_ended(query, heartbeat_before)
            return query.all()

    @contention.retry_on_contention
    def reset_upload(self, image_id, host, pid, heartbeat_before=None):
        with queries.session_for_write() as session:
            query = _uploads_of(session.query(models.Image), host,
                                pid).filter(models.Image.id == image_id)
            if heartbeat_before is not None:
                query = _lease_ended(query, heartbeat_before)
            return query.update(dict(
                UPLOAD_RESET, updated_at=timeutils.utcnow()),
                synchronize_session=False) == 1
