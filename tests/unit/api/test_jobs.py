"""/v1/jobs: listing and cancelling."""

from ciming.common import states
from tests.unit.api import base


class JobsTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.cloud = self.create_cloud('dev-a')
        self.image = self.create_image(targets=['dev-a'])
        self.job = self.dbapi.create_job({
            'project_id': 'project-a', 'image_id': self.image['id'],
            'action': states.ACTION_IMPORT_UPLOAD,
            'source': {'type': 'staging', 'host': 'h'},
            'image_status': states.IMAGE_IMPORTING}, [self.cloud['id']])
        self.url = '/v1/jobs/%s' % self.job.id

    def test_get(self):
        response = self.get(self.url, headers=base.READER)
        self.assertEqual(200, response.status_int, response.text)
        job = response.json
        self.assertEqual('pending', job['state'])
        self.assertEqual([{'cloud_id': self.cloud['id'],
                           'cloud_name': 'dev-a', 'state': 'pending',
                           'bytes_done': 0, 'bytes_total': None,
                           'remote_id': None, 'error': None}],
                         job['targets'])
        self.assertIsNone(job['started_at'])

    def test_list_and_filters(self):
        response = self.get('/v1/jobs')
        self.assertEqual([self.job.id],
                         [j['id'] for j in response.json['jobs']])
        response = self.get('/v1/jobs?state=running')
        self.assertEqual([], response.json['jobs'])
        response = self.get('/v1/jobs?image_id=%s' % self.image['id'])
        self.assertEqual(1, len(response.json['jobs']))

    def test_list_next_link(self):
        response = self.get('/v1/jobs?limit=1')
        self.assertIn('marker=%s' % self.job.id, response.json['next'])

    def test_other_project_gets_404(self):
        self.assertError(self.get(self.url, headers=base.OTHER), 404,
                         'job_not_found')
        self.assertError(self.post(self.url + '/cancel',
                                   headers=base.OTHER),
                         404, 'job_not_found')
        response = self.get('/v1/jobs', headers=base.OTHER)
        self.assertEqual([], response.json['jobs'])

    def test_cancel_pending(self):
        response = self.post(self.url + '/cancel')
        self.assertEqual(202, response.status_int, response.text)
        self.assertEqual('cancelled', response.json['state'])
        self.assertIsNotNone(response.json['finished_at'])
        self.assertEqual(['cancelled'],
                         [t['state'] for t in response.json['targets']])
        self.assertEqual('queued',
                         self.dbapi.get_image(self.image['id']).status)
        self.assertEqual([], self.rpcapi.calls)

    def test_cancel_pending_of_staged_image(self):
        self.dbapi.update_image(self.image['id'], {'staged': True})
        self.assertEqual(202, self.post(self.url + '/cancel').status_int)
        self.assertEqual('partial',
                         self.dbapi.get_image(self.image['id']).status)

    def test_cancel_running(self):
        self.dbapi.update_job(self.job.id, {'state': states.JOB_RUNNING})
        response = self.post(self.url + '/cancel', {})
        self.assertEqual(202, response.status_int, response.text)
        self.assertEqual('cancelling', response.json['state'])
        self.assertEqual([{'job_id': self.job.id}],
                         self.rpcapi.called('cancel_job'))
        self.assertEqual('importing',
                         self.dbapi.get_image(self.image['id']).status)

    def test_cancel_finished_is_409(self):
        self.dbapi.update_job(self.job.id, {'state': states.JOB_SUCCEEDED})
        response = self.post(self.url + '/cancel')
        self.assertError(response, 409, 'invalid_state')
        self.assertEqual(states.JOB_SUCCEEDED,
                         self.dbapi.get_job(self.job.id).state)
        self.assertEqual([], self.rpcapi.calls)

    def test_reader_cannot_cancel(self):
        response = self.post(self.url + '/cancel', headers=base.READER)
        self.assertError(response, 403, 'forbidden')
        self.assertEqual('pending', self.dbapi.get_job(self.job.id).state)

    def test_cancel_refuses_a_body(self):
        response = self.post(self.url + '/cancel', {'now': True})
        self.assertError(response, 400, 'schema_validation_failed')
        self.assertEqual('pending', self.dbapi.get_job(self.job.id).state)
