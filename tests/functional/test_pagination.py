"""Paging through images on real sqlite, MariaDB and PostgreSQL.

The databases disagree on where NULLs sort (MariaDB and sqlite put them
first ascending, PostgreSQL last), and a marker whose sort key is NULL
cannot be compared with ``<`` or ``>``. Every sort key, in both
directions, with small pages, must return each of 1,000 images exactly
once and in one documented order: NULLs before every value ascending,
after them descending, ties broken by id.
"""

import datetime
import random
import threading
import uuid

import fixtures
from oslo_db.sqlalchemy import enginefacade
import testtools

from ciming.db.sqlalchemy import api as db_api
from ciming.db.sqlalchemy import models
from tests.functional import base

COUNT = 1000
PAGE_SIZES = (7, 100)
SORT_KEYS = ('created_at', 'updated_at', 'name', 'size', 'status')
PROJECT = 'project-a'
START = datetime.datetime(2026, 1, 1)


def _images():
    """1,000 images with NULLs and ties in every nullable sort key."""
    rand = random.Random(1150)
    ids = ['%036d' % n for n in rand.sample(range(10 ** 6), COUNT)]
    images = []
    for n, image_id in enumerate(ids):
        images.append({
            'id': image_id, 'project_id': PROJECT,
            'disk_format': 'raw', 'container_format': 'bare',
            'name': None if n % 5 == 0 else 'image-%03d' % (n % 40),
            'size': None if n % 4 == 0 else (n % 30) * 1024,
            'status': ('queued', 'active', 'partial')[n % 3],
            'created_at': START + datetime.timedelta(seconds=n % 90),
            'updated_at': (None if n % 3 == 0
                           else START + datetime.timedelta(hours=n % 20)),
        })
    rand.shuffle(images)
    return images


def _expected(images, sort_key, sort_dir):
    def key(image):
        value = image[sort_key]
        return (value is not None, value if value is not None else 0,
                image['id'])
    return [i['id'] for i in sorted(images, key=key,
                                    reverse=sort_dir == 'desc')]


class PaginationMixin:
    """One backend; subclasses set ``backend``."""

    backend = None

    def setUp(self):
        super().setUp()
        db = base.get_backend(self.backend)
        try:
            db.check_available()
        except base.ServiceUnavailable as exc:
            if base.ALLOW_SKIP:
                self.skipTest('%s (CIMING_TEST_ALLOW_SKIP=1)' % exc)
            raise AssertionError('%s; start it with tools/ensure-services'
                                 % exc)
        database = 'ciming_page_%s' % uuid.uuid4().hex[:12]
        db.create(database)
        self.addCleanup(db.drop, database)
        # A transaction factory of its own, on this database, used by the
        # real Connection in place of the process-wide one.
        factory = enginefacade.transaction_context()
        factory.configure(connection=db.url(database))
        self.addCleanup(factory.dispose_pool)
        models.BASE.metadata.create_all(
            factory.writer.get_engine())
        self.useFixture(fixtures.MockPatchObject(
            db_api, '_session_for_read',
            lambda: factory.reader.using(threading.local())))
        self.images = _images()
        with factory.writer.using(threading.local()) as session:
            for values in self.images:
                session.add(models.Image(**values))
        self.dbapi = db_api.Connection()

    def _pages(self, sort_key, sort_dir, limit):
        seen, marker = [], None
        for _page in range(COUNT + 1):
            page = self.dbapi.list_images(
                project_id=PROJECT, marker=marker, limit=limit,
                sort_key=sort_key, sort_dir=sort_dir)
            if not page:
                return seen
            self.assertLessEqual(len(page), limit)
            seen.extend(i.id for i in page)
            marker = page[-1].id
        self.fail('paging %s %s never ended' % (sort_key, sort_dir))

    def test_every_record_once_in_order(self):
        for sort_key in SORT_KEYS:
            for sort_dir in ('asc', 'desc'):
                expected = _expected(self.images, sort_key, sort_dir)
                for limit in PAGE_SIZES:
                    seen = self._pages(sort_key, sort_dir, limit)
                    self.assertEqual(COUNT, len(set(seen)),
                                     '%s %s by %d' % (sort_key, sort_dir,
                                                      limit))
                    self.assertEqual(expected, seen, '%s %s by %d' % (
                        sort_key, sort_dir, limit))

    def test_one_query_without_a_limit_is_the_same_order(self):
        for sort_key in SORT_KEYS:
            for sort_dir in ('asc', 'desc'):
                self.assertEqual(
                    _expected(self.images, sort_key, sort_dir),
                    [i.id for i in self.dbapi.list_images(
                        project_id=PROJECT, sort_key=sort_key,
                        sort_dir=sort_dir)])


class SQLitePaginationTest(PaginationMixin, testtools.TestCase):
    backend = 'sqlite'


class MariaDBPaginationTest(PaginationMixin, testtools.TestCase):
    backend = 'mysql'


class PostgreSQLPaginationTest(PaginationMixin, testtools.TestCase):
    backend = 'postgresql'
