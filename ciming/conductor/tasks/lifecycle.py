"""The tasks that open and close a job's flow: its settlement.

As Octavia's lifecycle tasks: the first task does nothing going forward,
and its revert (the last thing a failed or cancelled flow does, after
every other task has undone its work) settles the job. The last task
settles a job whose flow completed.
"""

from ciming.common import exception
from ciming.common import states
from ciming.common import testhooks
from ciming.conductor.tasks import base
from ciming.conductor import utils


class SettleJobOnRevert(base.JobTask):
    """On revert, end the job ``cancelled`` or ``failed`` with the error."""

    def __init__(self):
        super().__init__(name='settle-on-revert')

    def execute(self, job_id):
        pass

    def revert(self, job_id, *args, **kwargs):
        failures = list((kwargs.get('flow_failures') or {}).values())
        if any(f.check(exception.JobCancelled) for f in failures):
            state, error = states.JOB_CANCELLED, None
        else:
            state, error = states.JOB_FAILED, _message(failures)
        utils.end_job(self.dbapi, job_id, state, error)


def _message(failures):
    """What a user may read of the first failure (never SQL or paths)."""
    for failure in failures:
        if failure.exception is not None:
            return exception.safe_message(failure.exception)
        return exception.safe_message(RuntimeError())
    return None


class CompleteJob(base.JobTask):
    """Job state from its targets: succeeded, partial or failed."""

    def execute(self, job_id, image_id):
        testhooks.pause(testhooks.BEFORE_COMPLETE, job_id, image_id)
        return utils.complete_job(self.dbapi, job_id)
