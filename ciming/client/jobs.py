"""Jobs: copies of an image in progress (``/v1/jobs``)."""

import time

import tenacity

from ciming.client import base
from ciming.client import exceptions

FINAL_STATES = ('succeeded', 'partial', 'failed', 'cancelled')


class JobManager(base.Manager):

    def list(self, image_id=None, state=None, all_projects=False,
             limit=None):
        """Jobs, newest first."""
        params = {'image_id': image_id, 'state': state}
        if all_projects:
            params['all_projects'] = 'true'
        return self._list('/jobs', 'jobs', params, limit=limit)

    def get(self, job_id):
        return self.http.request('GET', '/jobs/%s' % base.quote(job_id))

    def cancel(self, job_id):
        """Cancel a job; the Job, ``cancelled`` or ``cancelling``."""
        return self.http.request(
            'POST', '/jobs/%s/cancel' % base.quote(job_id), json_body={})

    def resume(self, job_id, credentials):
        """Give again the credentials a job lost with its conductor."""
        return self.http.request(
            'POST', '/jobs/%s/resume' % base.quote(job_id),
            json_body={'credentials': credentials})

    def wait(self, job_id, timeout=None, callback=None, interval=1.0,
             sleep=time.sleep):
        """Poll a job until it ends; the final Job.

        :param timeout: seconds before :class:`JobTimeout` (whose ``job``
            is the last Job seen); None waits for ever.
        :param callback: ``callback(job)`` after every poll.
        """
        def poll():
            job = self.get(job_id)
            if callback is not None:
                callback(job)
            return job

        def timed_out(state):
            job = state.outcome.result()
            raise exceptions.JobTimeout(
                'Job %s is still %s after %ss' % (job_id, job['state'],
                                                  timeout), job=job)

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_result(
                lambda job: job['state'] not in FINAL_STATES),
            stop=(tenacity.stop_never if timeout is None
                  else tenacity.stop_after_delay(timeout)),
            wait=tenacity.wait_fixed(interval), sleep=sleep,
            retry_error_callback=timed_out)
        return retrying(poll)
