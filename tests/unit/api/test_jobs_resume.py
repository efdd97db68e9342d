"""POST /v1/jobs/{id}/resume: credentials given again to a waiting job."""

import logging

import fixtures
import oslo_messaging as messaging

from ciming.common import exception
from ciming.common import states
from tests.unit.api import base

CANARY = 'canary-of-the-resume-test'
FOREIGN = {'type': 'openstack', 'region': 'RegionOne',
           'options': {'auth_url': 'http://keystone.example:5000/v3'}}


class ResumeTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.log = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        self.cloud_a = self.create_cloud('dev-a', **FOREIGN)
        self.cloud_b = self.create_cloud('dev-b', **FOREIGN)
        self.image = self.create_image(targets=['dev-a', 'dev-b'])
        self.job = self.dbapi.create_job({
            'project_id': 'project-a', 'image_id': self.image['id'],
            'action': states.ACTION_SYNC,
            'source': {'type': 'staging', 'host': 'h'},
            'credential_clouds': sorted([self.cloud_a['id'],
                                         self.cloud_b['id']]),
            'image_status': states.IMAGE_IMPORTING},
            [self.cloud_a['id'], self.cloud_b['id']])
        self.dbapi.update_job(self.job.id,
                              {'state': states.JOB_AWAITING_CREDENTIALS})
        self.url = '/v1/jobs/%s/resume' % self.job.id

    def _credentials(self, *clouds):
        return {cloud: {'username': 'bob', 'password': CANARY}
                for cloud in clouds}

    def test_resume_with_every_cloud(self):
        response = self.post(self.url, {'credentials': self._credentials(
            'dev-a', self.cloud_b['id'])})
        self.assertEqual(202, response.status_int, response.text)
        self.assertTrue(response.location.endswith('/v1/jobs/%s'
                                                   % self.job.id))
        self.assertEqual('awaiting_credentials', response.json['state'])
        # Names are resolved to ids; the secret goes to the conductor only.
        calls = self.rpcapi.called('resume_job')
        self.assertEqual(1, len(calls))
        self.assertEqual(self.job.id, calls[0]['job_id'])
        self.assertEqual({self.cloud_a['id'], self.cloud_b['id']},
                         set(calls[0]['credentials']))
        self.assertNotIn(CANARY, response.text)
        self.assertNotIn(CANARY, self.log.output)

    def test_missing_cloud_is_400(self):
        response = self.post(self.url, {'credentials': self._credentials(
            'dev-a')})
        error = self.assertError(response, 400, 'invalid_parameter')
        self.assertIn(self.cloud_b['id'], error['message'])
        self.assertEqual([], self.rpcapi.called('resume_job'))
        self.assertNotIn(CANARY, response.text)

    def test_credentials_are_required(self):
        self.assertEqual(400, self.post(self.url, {}).status_int)
        self.assertEqual([], self.rpcapi.called('resume_job'))

    def test_not_waiting_is_409(self):
        self.dbapi.update_job(self.job.id, {'state': states.JOB_RUNNING})
        response = self.post(self.url, {'credentials': self._credentials(
            'dev-a', 'dev-b')})
        self.assertError(response, 409, 'invalid_state')
        self.assertEqual([], self.rpcapi.called('resume_job'))

    def test_other_project_is_404(self):
        response = self.post(self.url, {'credentials': {}},
                             headers=base.OTHER)
        self.assertError(response, 404, 'job_not_found')

    def test_reader_may_not_resume(self):
        response = self.post(self.url, {'credentials': self._credentials(
            'dev-a', 'dev-b')}, headers=base.READER)
        self.assertEqual(403, response.status_int, response.text)
        self.assertEqual([], self.rpcapi.called('resume_job'))

    def test_broker_down_is_503(self):
        self.rpcapi.error = exception.ServiceUnavailable(
            service='The message broker')
        response = self.post(self.url, {'credentials': self._credentials(
            'dev-a', 'dev-b')})
        self.assertError(response, 503, 'service_unavailable')
        self.assertEqual('awaiting_credentials',
                         self.dbapi.get_job(self.job.id).state)

    def test_no_conductor_answers_is_503(self):
        self.rpcapi.error = messaging.MessagingTimeout('no answer')
        response = self.post(self.url, {'credentials': self._credentials(
            'dev-a', 'dev-b')})
        self.assertError(response, 503, 'service_unavailable')
