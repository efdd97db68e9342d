"""Base of API unit tests: the whole WSGI app, noauth, no conductor.

The conductor is replaced by :class:`FakeConductorAPI`, which records the
calls the API makes; what a conductor does with them is tested elsewhere.
"""

import fixtures
import webtest

from ciming.api import app
from ciming.common import policy
from tests.unit import base

MEMBER = {'X-Project-Id': 'project-a', 'X-Roles': 'member,reader',
          'X-User-Id': 'user-a'}
READER = {'X-Project-Id': 'project-a', 'X-Roles': 'reader',
          'X-User-Id': 'user-r'}
OTHER = {'X-Project-Id': 'project-b', 'X-Roles': 'member,reader',
         'X-User-Id': 'user-b'}
ADMIN = {'X-Project-Id': 'admin-project', 'X-Roles': 'admin,member,reader',
         'X-User-Id': 'admin'}


class FakeConductorAPI:
    """Records every call; verify_location answers ``remote``."""

    def __init__(self):
        self.calls = []
        self.remote = {}
        self.listing = []
        self.refreshed = {}
        self.error = None
        self.describes_locations = True
        self.runs_metadata_jobs = True
        self.copies_during_upload = True

    def _record(self, name, **kwargs):
        self.calls.append((name, kwargs))
        if self.error is not None:
            raise self.error

    def called(self, name):
        return [kwargs for call, kwargs in self.calls if call == name]

    def run_job(self, context, job_id, host=None, credentials=None,
                metadata=False, live_upload=False):
        extra = {'metadata': True} if metadata else {}
        if live_upload:
            extra['live_upload'] = True
        self._record('run_job', job_id=job_id, host=host,
                     credentials=credentials, **extra)

    def can_run_metadata_jobs(self):
        return self.runs_metadata_jobs

    def can_copy_during_upload(self):
        return self.copies_during_upload

    def cancel_job(self, context, job_id):
        self._record('cancel_job', job_id=job_id)

    def resume_job(self, context, job_id, credentials=None):
        self._record('resume_job', job_id=job_id, credentials=credentials)

    def validate_cloud(self, context, cloud_id, credentials=None):
        self._record('validate_cloud', cloud_id=cloud_id,
                     credentials=credentials)
        return True

    def verify_location(self, context, image_id, cloud_id, remote_id,
                        force=False, credentials=None):
        self._record('verify_location', image_id=image_id,
                     cloud_id=cloud_id, remote_id=remote_id, force=force,
                     credentials=credentials)
        return dict(self.remote, remote_id=remote_id)

    def describe_remote_image(self, context, cloud_id, remote_id,
                              credentials=None):
        self._record('describe_remote_image', cloud_id=cloud_id,
                     remote_id=remote_id, credentials=credentials)
        return dict(self.remote, remote_id=remote_id)

    def list_cloud_images(self, context, cloud_id, credentials=None):
        self._record('list_cloud_images', cloud_id=cloud_id,
                     credentials=credentials)
        return list(self.listing)

    def purge_image(self, context, image_id, credentials=None):
        self._record('purge_image', image_id=image_id,
                     credentials=credentials)

    def refresh_image(self, context, image_id, credentials=None):
        self._record('refresh_image', image_id=image_id,
                     credentials=credentials)
        return dict(self.refreshed)

    def can_describe_locations(self):
        return self.describes_locations

    def describe_locations(self, context, image_id, credentials=None):
        self._record('describe_locations', image_id=image_id,
                     credentials=credentials)
        return dict(self.refreshed)


class APITestCase(base.TestCase):
    """Requests through make_app() as project-a's member by default."""

    def setUp(self):
        super().setUp()
        self.config(auth_strategy='noauth')
        self.config(host='api-host')
        policy.reset()
        self.addCleanup(policy.reset)
        self.rpcapi = FakeConductorAPI()
        self.useFixture(fixtures.MockPatch(
            'ciming.conductor.rpcapi.ConductorAPI',
            return_value=self.rpcapi))
        self.app = webtest.TestApp(app.make_app())

    def request(self, method, url, body=None, headers=None, status=None,
                **kwargs):
        """Send a request; ``body`` is sent as JSON unless it is bytes."""
        all_headers = dict(MEMBER)
        all_headers.update(headers or {})
        call = getattr(self.app, method.lower())
        if isinstance(body, (bytes, str)):
            kwargs['params'] = body
        elif body is not None:
            call = getattr(self.app, method.lower() + '_json')
            kwargs['params'] = body
        return call(url, headers=all_headers, status=status or '*',
                    expect_errors=True, **kwargs)

    def get(self, url, **kwargs):
        return self.request('GET', url, **kwargs)

    def post(self, url, body=None, **kwargs):
        return self.request('POST', url, body, **kwargs)

    def patch(self, url, body=None, **kwargs):
        return self.request('PATCH', url, body, **kwargs)

    def delete(self, url, **kwargs):
        return self.request('DELETE', url, **kwargs)

    def assertError(self, response, status, code):
        """An error response in CIMinG's JSON shape."""
        self.assertEqual(status, response.status_int, response.text)
        self.assertEqual('application/json', response.content_type)
        error = response.json['error']
        self.assertEqual({'code', 'title', 'message'}, set(error))
        self.assertEqual(code, error['code'])
        self.assertNotIn('Traceback', response.text)
        return error

    # Records through the API

    def create_cloud(self, name='dev-a', headers=None, **fields):
        body = {'name': name, 'type': 'local', 'options': {'path': name}}
        body.update(fields)
        response = self.post('/v1/clouds', body, headers=headers)
        self.assertEqual(201, response.status_int, response.text)
        return response.json

    def create_image(self, targets=('dev-a',), headers=None, **fields):
        body = {'name': 'img', 'targets': list(targets)}
        body.update(fields)
        response = self.post('/v1/images', body, headers=headers)
        self.assertEqual(201, response.status_int, response.text)
        return response.json
