"""A failing database is a JSON 503/500 naming the request, never SQL."""

from unittest import mock

from oslo_db import exception as db_exc
from sqlalchemy import exc as sa_exc

from tests.unit.api import base

# What oslo.db raises: the driver's text, the statement, its parameters.
SQL = 'UPDATE images SET status=? WHERE images.id = ?'
PARAMS = ('uploading', 'secret-parameter-value')
PATH = '/var/lib/ciming/ciming.sqlite'


def db_error(message):
    return db_exc.DBError(sa_exc.OperationalError(
        SQL, PARAMS, Exception('%s (%s)' % (message, PATH))))


class DatabaseErrorTestCase(base.APITestCase):

    def assertNothingInternal(self, response):
        for leak in ('UPDATE', 'images.id', 'secret-parameter-value',
                     PATH, 'sqlite', 'Traceback'):
            self.assertNotIn(leak, response.text)

    def test_database_error_is_a_500_with_the_request_id(self):
        with mock.patch('ciming.db.sqlalchemy.api.Connection.list_clouds',
                        side_effect=db_error('disk I/O error')):
            response = self.get('/v1/clouds')
        error = self.assertError(response, 500, 'internal_error')
        self.assertNothingInternal(response)
        request_id = response.headers['X-OpenStack-Request-Id']
        self.assertIn(request_id, error['message'])

    def test_locked_database_after_the_retries_is_a_503(self):
        self.config(db_max_retries=1, db_retry_interval=0,
                    group='database')
        self.create_cloud('dev-a')
        calls = []

        def locked(*args, **kwargs):
            calls.append(args)
            raise db_error('database is locked')

        with mock.patch('ciming.db.sqlalchemy.api._guarded_update',
                        side_effect=locked):
            response = self.patch('/v1/clouds/dev-a',
                                  {'description': 'new'})
        error = self.assertError(response, 503, 'database_busy')
        self.assertEqual('The database is busy, try again later.',
                         error['message'])
        self.assertNothingInternal(response)
        self.assertEqual(2, len(calls))  # the write, and one retry
