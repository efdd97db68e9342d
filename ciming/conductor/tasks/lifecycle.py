"""The last task: settle the job, the image and the staged data."""

from oslo_log import log
from oslo_utils import timeutils

from ciming.common import keystone
from ciming.common import notify
from ciming.common import staging
from ciming.common import states
from ciming.common import testhooks
from ciming.conductor.tasks import base

LOG = log.getLogger(__name__)


def image_status(image):
    """An image's status from its locations: all, some or none active."""
    located = [loc.status for loc in image.locations]
    active = located.count(states.LOC_ACTIVE)
    if located and active == len(located):
        return states.IMAGE_ACTIVE
    if active:
        return states.IMAGE_PARTIAL
    return states.IMAGE_ERROR


def settle_image(dbapi, image_id):
    """Set the image's status; drop staged data nobody needs any more."""
    image = dbapi.get_image(image_id)
    status = image_status(image)
    values = {'status': status}
    if image.staged and status == states.IMAGE_ACTIVE:
        staging.StagingArea().delete(image_id)
        values.update(staged=False, staged_host=None)
    elif not image.staged and not any(
            loc.status == states.LOC_ACTIVE for loc in image.locations):
        # No data anywhere: the image waits for an upload again.
        status = values['status'] = states.IMAGE_QUEUED
    updated = dbapi.update_image(image_id, values)
    if status != image.status:
        notify.emit(None, 'image.update', notify.image_payload(updated))
    return status


def release_trust(dbapi, job):
    """Delete a job's trust before the job is reported ended.

    Returns the values that record it gone (``trust_id`` None), to be
    written with the job's final state: a job is never seen ended while
    its trust lives on. A trust that could not be deleted keeps its id,
    and :meth:`ConductorManager.delete_ended_trusts` retries.
    """
    if not job.trust_id:
        return {}
    if keystone.delete_trust(job.trust_id):
        return {'trust_id': None}
    return {}


class CompleteJob(base.JobTask):
    """Job state from its targets: succeeded, partial or failed."""

    def execute(self, job_id, image_id):
        testhooks.pause(testhooks.BEFORE_COMPLETE, job_id, image_id)
        job = self.dbapi.get_job(job_id)
        target_states = [t.state for t in job.targets]
        good = sum(s in (states.TARGET_ACTIVE, states.TARGET_LINKED)
                   for s in target_states)
        if good == len(target_states):
            state, error = states.JOB_SUCCEEDED, None
        elif good:
            state, error = states.JOB_PARTIAL, _errors(job)
        else:
            state, error = states.JOB_FAILED, _errors(job)
        settle_image(self.dbapi, image_id)
        values = {'state': state, 'error': error,
                  'finished_at': timeutils.utcnow()}
        values.update(release_trust(self.dbapi, job))
        self.dbapi.update_job(job_id, values)
        LOG.info('Job %(job)s ended %(state)s', {'job': job_id,
                                                 'state': state})
        return state


def _errors(job):
    return '; '.join('%s: %s' % (t.cloud_id, t.error)
                     for t in job.targets if t.error)
