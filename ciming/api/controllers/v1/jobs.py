"""``/v1/jobs``: copies of an image in progress, and their outcome.

* ``GET /v1/jobs`` ?image_id, state, marker, limit, all_projects ->
  {"jobs": [Job], "next": url (only when the page is full)}, newest
  first.
* ``GET /v1/jobs/{id}`` -> Job, with per-target progress in bytes.
* ``POST /v1/jobs/{id}/cancel`` -> 202 Job: a pending job is cancelled at
  once, a running one becomes ``cancelling`` until its conductor stops;
  409 invalid_state when the job already ended.
* ``POST /v1/jobs/{id}/resume`` {credentials} -> 202 Job: a job in
  ``awaiting_credentials`` (its conductor died with the per-request
  credentials it needed) goes on with them; 400 when a cloud that had
  them is missing, 409 when the job is not waiting.

Job is described in :mod:`ciming.api.views`.
"""

import pecan
from pecan import rest

from ciming.api import job_records
from ciming.api import request_credentials
from ciming.api.schemas import jobs as schemas
from ciming.api import utils
from ciming.api import views
from ciming.common import exception
from ciming.common import states


class JobsController(rest.RestController):

    _custom_actions = {'cancel': ['POST'], 'resume': ['POST']}

    @pecan.expose('json')
    def get_all(self, **params):
        params = utils.query(params, 'image_id', 'state', 'marker', 'limit',
                             'all_projects')
        project_id = utils.list_project(params['all_projects'])
        utils.authorize('ciming:job:list', utils.project_target())
        limit = utils.parse_limit(params['limit'])
        if params['state'] is not None:
            utils.parse_choice('state', params['state'], states.JOB_STATES)
        filters = {'image_id': params['image_id'], 'state': params['state']}
        records = pecan.request.dbapi.list_jobs(
            project_id, filters=filters, marker=params['marker'],
            limit=limit)
        names = utils.CloudNames(project_id)
        result = {'jobs': [views.job(j, names) for j in records]}
        next_url = utils.next_link('jobs', records, limit,
                                   image_id=params['image_id'],
                                   state=params['state'],
                                   all_projects=params['all_projects'])
        if next_url:
            result['next'] = next_url
        return result

    @pecan.expose('json')
    def get_one(self, job_id):
        job = utils.check_job_policy_and_retrieve('ciming:job:get', job_id)
        return views.job(job)

    @pecan.expose('json')
    def cancel(self, job_id):
        utils.load_body(schemas.CANCEL, allow_empty=True)
        job = utils.check_job_policy_and_retrieve('ciming:job:cancel',
                                                  job_id)
        job = job_records.cancel(job)
        pecan.response.status = 202
        pecan.response.location = utils.url('v1', 'jobs', job.id)
        return views.job(job)

    @pecan.expose('json')
    def resume(self, job_id):
        body = utils.load_body(schemas.RESUME)
        job = utils.check_job_policy_and_retrieve('ciming:job:resume',
                                                  job_id)
        if job.state != states.JOB_AWAITING_CREDENTIALS:
            raise exception.InvalidState(
                resource='Job', id=job.id, state=job.state,
                reason='only a job awaiting credentials can be resumed')
        supplied = request_credentials.from_request(body, job.project_id) or {}
        missing = set(job.credential_clouds or ()) - set(supplied)
        if missing:
            raise exception.InvalidParameterValue(
                err='Credentials are needed for the clouds %s.'
                    % ', '.join(sorted(missing)))
        pecan.request.rpcapi.resume_job(utils.context(), job.id,
                                        credentials=supplied)
        pecan.response.status = 202
        pecan.response.location = utils.url('v1', 'jobs', job.id)
        return views.job(job)
