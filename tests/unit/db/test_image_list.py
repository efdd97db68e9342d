"""Listing images: a page read from an index, in a fixed number of queries.

The order itself (NULLs first ascending, ties by id, every image once
across pages) is proved on sqlite, MariaDB and PostgreSQL by
tests/functional/test_pagination.py.
"""

import contextlib
from unittest import mock

from oslo_db.sqlalchemy import enginefacade
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql
from sqlalchemy import event
from sqlalchemy import schema

from ciming.api.controllers.v1 import images as images_api
from ciming.common import states
from ciming.db.sqlalchemy import models
from ciming.db.sqlalchemy import queries
from tests.unit import base


class ImageListTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.clouds = [self.create_local_cloud('dev-%d' % n).id
                       for n in range(4)]

    def make_images(self, count):
        for n in range(count):
            image = self.dbapi.create_image({
                'project_id': 'project-a', 'name': 'img%d' % n,
                'disk_format': 'raw', 'container_format': 'bare',
                'status': states.IMAGE_ACTIVE}, self.clouds)
            self.dbapi.set_location(image.id, self.clouds[n % 4],
                                    {'status': states.LOC_ACTIVE})

    @contextlib.contextmanager
    def statements(self):
        """The (SQL, parameters) the database is sent meanwhile."""
        sent = []
        engine = enginefacade.reader.get_engine()

        def record(conn, cursor, statement, parameters, context, many):
            sent.append((statement, parameters))

        event.listen(engine, 'before_cursor_execute', record)
        try:
            yield sent
        finally:
            event.remove(engine, 'before_cursor_execute', record)

    def plan(self, **kwargs):
        """sqlite's plan of the query that lists the images."""
        with self.statements() as sent:
            self.dbapi.list_images('project-a', limit=2, **kwargs)
        [(statement, parameters)] = [(sql, params) for sql, params in sent
                                     if sql.startswith('SELECT images.')]
        with enginefacade.reader.get_engine().connect() as conn:
            return ' | '.join(row[-1] for row in conn.exec_driver_sql(
                'EXPLAIN QUERY PLAN ' + statement, parameters))

    def test_each_sort_key_pages_from_its_index_without_sorting(self):
        self.make_images(3)
        for key in models.IMAGE_SORT_KEYS:
            for sort_dir in ('asc', 'desc'):
                plan = self.plan(sort_key=key, sort_dir=sort_dir)
                self.assertIn('images_project_id_%s_idx' % key, plan,
                              (key, sort_dir))
                self.assertNotIn('TEMP B-TREE', plan, (key, sort_dir))

    def test_every_sort_key_of_the_api_has_its_index(self):
        self.assertEqual(set(images_api.SORT_KEYS),
                         set(models.IMAGE_SORT_KEYS))

    def test_filters_look_each_image_up_instead_of_listing_the_cloud(self):
        self.make_images(3)
        plan = self.plan(filters={'available_in': self.clouds[1],
                                  'missing_in': self.clouds[2]})
        self.assertIn('images_project_id_created_at_idx', plan)
        self.assertNotIn('TEMP B-TREE', plan)
        self.assertIn('CORRELATED', plan)
        self.assertNotIn('locations_cloud_id_idx', plan)

    def test_queries_do_not_grow_with_the_images_listed(self):
        filters = {'available_in': self.clouds[1],
                   'missing_in': self.clouds[2]}
        self.make_images(2)
        with self.statements() as few:
            self.dbapi.list_images('project-a', filters=filters)
        self.make_images(20)
        with self.statements() as many:
            listed = self.dbapi.list_images('project-a', filters=filters)
        self.assertEqual(6, len(listed))
        self.assertEqual(len(few), len(many))

    def _order_by(self, sort_dir, dialect):
        with queries.session_for_read() as session:
            query = queries.paginate(session.query(models.Image),
                                     models.Image, 10, 'name', sort_dir)
            sql = str(query.statement.compile(dialect=dialect))
        return sql.split('ORDER BY ')[1].split(' LIMIT')[0].strip()

    def test_order_by_is_on_the_columns_an_index_holds(self):
        self.assertEqual('images.name ASC, images.id ASC',
                         self._order_by('asc', mysql.dialect()))
        self.assertEqual('images.name DESC, images.id DESC',
                         self._order_by('desc', mysql.dialect()))

    def test_postgresql_is_told_nulls_come_first_ascending(self):
        with mock.patch.object(queries, '_nulls_sort_last',
                               return_value=True):
            self.assertEqual('images.name ASC NULLS FIRST, images.id ASC',
                             self._order_by('asc', postgresql.dialect()))
            self.assertEqual('images.name DESC NULLS LAST, images.id DESC',
                             self._order_by('desc', postgresql.dialect()))

    def test_sort_indexes_put_nulls_first_on_postgresql_only(self):
        index = [i for i in models.Image.__table__.indexes
                 if i.name == 'images_project_id_name_idx'][0]
        self.assertEqual(
            'CREATE INDEX images_project_id_name_idx ON images '
            '(project_id, name NULLS FIRST, id)',
            str(schema.CreateIndex(index).compile(
                dialect=postgresql.dialect())))
        # MariaDB refuses a parenthesized expression in an index.
        self.assertEqual(
            'CREATE INDEX images_project_id_name_idx ON images '
            '(project_id, name, id)',
            str(schema.CreateIndex(index).compile(dialect=mysql.dialect())))
