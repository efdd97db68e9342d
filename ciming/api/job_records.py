"""Recording a job and casting it to a conductor.

A job is recorded before it is cast, so it is never lost: a job whose
cast fails stays ``pending`` and a conductor's sweep runs it. With
Keystone the job gets the trust it will work through; it remembers which
clouds had per-request credentials (their ids, never the credentials),
which must be given again if its conductor dies.
"""

from oslo_log import log
from oslo_utils import timeutils
import pecan

from ciming.api import utils
from ciming.api import views
from ciming.common import exception
from ciming.common import keystone
from ciming.common import states

LOG = log.getLogger(__name__)


def create_job(values, target_ids, credentials_by_cloud=None):
    """Record a job (and its trust); the trust goes if the record fails."""
    if credentials_by_cloud:
        values = dict(values, credential_clouds=sorted(credentials_by_cloud))
    trust_id = None
    if keystone.trusts_enabled():
        trust_id = keystone.create_trust(
            pecan.request.environ['keystone.token_auth'])
        values = dict(values, trust_id=trust_id)
    try:
        return pecan.request.dbapi.create_job(values, target_ids)
    except BaseException:
        if trust_id is not None:
            keystone.delete_trust(trust_id)
        raise


def cast_job(job, host=None, credentials_by_cloud=None):
    """Cast a recorded job; if the cast fails a conductor sweep runs it."""
    try:
        pecan.request.rpcapi.run_job(
            utils.context(), job.id, host=host,
            credentials=credentials_by_cloud,
            metadata=job.action in states.METADATA_ACTIONS,
            live_upload=bool((job.source or {}).get('live')))
    except Exception:
        LOG.exception('Could not cast job %s; it stays pending', job.id)


def cancel(job):
    """Cancel a job: at once if pending, else through its conductor.

    Returns the job as it is now (``cancelled`` or ``cancelling``);
    InvalidState when it already ended.
    """
    try:
        return _cancel_pending(job)
    except exception.InvalidState:
        # Not pending (any more): a conductor has it, or it ended.
        job = pecan.request.dbapi.update_job(
            job.id, {'state': states.JOB_CANCELLING},
            expected_state=[states.JOB_RUNNING])
        pecan.request.rpcapi.cancel_job(utils.context(), job.id)
        return job


def _cancel_pending(job):
    dbapi = pecan.request.dbapi
    job = dbapi.update_job(
        job.id, {'state': states.JOB_CANCELLED,
                 'finished_at': timeutils.utcnow()},
        expected_state=[states.JOB_PENDING])
    for target in job.targets:
        dbapi.update_job_target(job.id, target.cloud_id,
                                {'state': states.TARGET_CANCELLED})
    # What the image is once a job that never started is gone (unless
    # the job never moved the image).
    _settle_importing_image(job.image_id, tried=False)
    if job.trust_id:
        keystone.delete_trust(job.trust_id)
    return dbapi.get_job(job.id)


def settle_if_ended(job):
    """After an upload the job copied as it arrived: the job as it is.

    A job that ended first (every target failed, say) left the image to
    the upload, which was just recorded: the image gets the status the
    job's end would have given it (as the conductor does, see
    ``ciming.conductor.utils.settle_image``).
    """
    job = pecan.request.dbapi.get_job(job.id)
    if job.state not in states.JOB_ACTIVE_STATES:
        # Unless the job's conductor settled it once it saw the upload end.
        _settle_importing_image(job.image_id)
    return job


def _settle_importing_image(image_id, tried=True):
    """An ``importing`` image's status from where its data is.

    Left as it is when it is not ``importing`` any more.
    """
    dbapi = pecan.request.dbapi
    image = dbapi.get_image(image_id)
    status = states.image_status([loc.status for loc in image.locations],
                                 image.staged, tried=tried)
    try:
        dbapi.update_image(image.id, {'status': status},
                           expected_status=[states.IMAGE_IMPORTING])
    except exception.InvalidState:
        pass


def accepted(job):
    """The 202 answer to a call that started ``job``."""
    pecan.response.status = 202
    pecan.response.location = utils.url('v1', 'jobs', job.id)
    return views.job(job)
