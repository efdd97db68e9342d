"""Query helpers of the SQLAlchemy backend: sessions, visibility, pages."""

import contextlib
import threading

from oslo_db.sqlalchemy import enginefacade
import sqlalchemy as sa

from ciming.common import states
from ciming.db.sqlalchemy import contention
from ciming.db.sqlalchemy import models

_CONTEXT = threading.local()


def session_for_read():
    return enginefacade.reader.using(_CONTEXT)


@contextlib.contextmanager
def session_for_write():
    with contention.writing(), \
            enginefacade.writer.using(_CONTEXT) as session:
        yield session


def visible(query, model, project_id):
    if project_id is None:
        return query
    if model is models.Cloud:
        return query.filter(sa.or_(model.project_id == project_id,
                                   model.shared.is_(True)))
    return query.filter(model.project_id == project_id)


def active_in(cloud_id):
    """Whether the image has an active location in the cloud.

    A correlated EXISTS: the database walks the page's index and looks
    each image up in the locations' (image_id, cloud_id) index, stopping
    at the page's end. ``id NOT IN (images active there)`` made
    PostgreSQL read every active location of the cloud first.
    """
    return sa.exists().where(models.Location.image_id == models.Image.id,
                             models.Location.cloud_id == cloud_id,
                             models.Location.status == states.LOC_ACTIVE)


def paginate(query, model, limit, sort_key, sort_dir, marker=None):
    """A page of a keyset over (sort_key, id), NULLs included.

    The order is total and the same on every database: NULLs of the sort
    key come before every value ascending, after them descending, and the
    id breaks ties. (oslo.db's paginate_query compares the marker's NULL
    with ``<``/``>``, which matches nothing, so pages skipped or lost
    records; and databases disagree on where NULLs sort.) The ORDER BY is
    on the columns themselves, so that an index on (project_id, sort_key,
    id) yields the page without sorting the project's images: MariaDB and
    sqlite put NULLs first ascending by themselves, PostgreSQL is told to.
    """
    column = getattr(model, sort_key)
    ascending = sort_dir == 'asc'
    direction = sa.asc if ascending else sa.desc
    key_order = direction(column)
    if _nulls_sort_last(query):
        key_order = (key_order.nulls_first() if ascending
                     else key_order.nulls_last())
    query = query.order_by(key_order, direction(model.id))
    if marker is not None:
        after = (lambda a, b: a > b) if ascending else (lambda a, b: a < b)
        value = getattr(marker, sort_key)
        if value is None:
            same_key = sa.and_(column.is_(None), after(model.id, marker.id))
            later_keys = column.isnot(None) if ascending else sa.false()
        else:
            same_key = sa.and_(column == value, after(model.id, marker.id))
            later_keys = after(column, value)
            if not ascending:
                later_keys = sa.or_(later_keys, column.is_(None))
        query = query.filter(sa.or_(same_key, later_keys))
    if limit is not None:
        query = query.limit(limit)
    return query


def _nulls_sort_last(query):
    """Whether the query's database sorts NULLs after values ascending."""
    return query.session.get_bind().dialect.name == 'postgresql'
