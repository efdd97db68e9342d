"""Recording a job and casting it to a conductor.

A job is recorded before it is cast, so it is never lost: a job whose
cast fails stays ``pending`` and a conductor's sweep runs it. With
Keystone the job gets the trust it will work through; it remembers which
clouds had per-request credentials (their ids, never the credentials),
which must be given again if its conductor dies.
"""

from oslo_log import log
import pecan

from ciming.api import utils
from ciming.api import views
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
            metadata=job.action in states.METADATA_ACTIONS)
    except Exception:
        LOG.exception('Could not cast job %s; it stays pending', job.id)


def accepted(job):
    """The 202 answer to a call that started ``job``."""
    pecan.response.status = 202
    pecan.response.location = utils.url('v1', 'jobs', job.id)
    return views.job(job)
