"""What a job holds in memory only: its context, credentials and drivers.

TaskFlow's store and the jobboard are persisted, so they name the job and
nothing else; each task looks the rest up here. A conductor that takes a
job over (after a crash, or from the jobboard) rebuilds the context from
the job record: its project and its trust. Per-request credentials cannot
be rebuilt: such a job waits in ``awaiting_credentials`` until
``POST /v1/jobs/{id}/resume`` brings them again. Each cloud's driver is
built once per job, on first use, and kept here with the job.
"""

import threading

from ciming.common import context as ciming_context
from ciming.conductor import cloud_access

_lock = threading.Lock()
_runtimes = {}


class JobRuntime:
    """The in-memory side of one running job."""

    def __init__(self, context, credentials_by_cloud=None, project_id=None):
        self.context = context
        self.clouds = cloud_access.CloudAccess(
            context, credentials_by_cloud, project_id=project_id)
        self.cancel_event = threading.Event()

    @property
    def credentials_by_cloud(self):
        """``{cloud_id: credentials}`` given with the request or read."""
        return self.clouds.credentials_by_cloud

    def driver(self, cloud_id):
        """The job's driver of a cloud, built once."""
        return self.clouds.driver(cloud_id)


def context_for(job):
    """A context acting for a job's project through its trust."""
    context = ciming_context.RequestContext(project_id=job.project_id,
                                            overwrite=False)
    context.trust_id = job.trust_id
    return context


def register(job, context=None, credentials_by_cloud=None):
    """Hold a job's context and credentials while this process runs it."""
    if context is None:
        context = context_for(job)
    context.trust_id = job.trust_id
    runtime = JobRuntime(context, credentials_by_cloud,
                         project_id=job.project_id)
    with _lock:
        _runtimes[job.id] = runtime
    return runtime


def get(job_id):
    with _lock:
        return _runtimes[job_id]


def find(job_id):
    with _lock:
        return _runtimes.get(job_id)


def forget(job_id):
    with _lock:
        _runtimes.pop(job_id, None)


def running():
    with _lock:
        return dict(_runtimes)
