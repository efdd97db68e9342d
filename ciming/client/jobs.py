"""Jobs: copies of an image in progress (``/v1/jobs``)."""

import time

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
             sleep=time.sleep, clock=time.monotonic):
        """Poll a job until it ends; the final Job.

        :param timeout: seconds before :class:`JobTimeout`; None waits
            for ever.
        :param callback: ``callback(job)`` after every poll.
        """
        deadline = None if timeout is None else clock() + timeout
        while True:
            job = self.get(job_id)
            if callback is not None:
                callback(job)
            if job['state'] in FINAL_STATES:
                return job
            if deadline is not None and clock() >= deadline:
                raise exceptions.JobTimeout(
                    'Job %s is still %s after %ss' % (
                        job_id, job['state'], timeout))
            sleep(interval)
