"""What a job holds in memory only: its request context and credentials.

TaskFlow's store and the jobboard are persisted, so they name the job and
nothing else; each task looks the rest up here. A conductor that takes a
job over (after a crash, or from the jobboard) rebuilds the context from
the job record: its project and its trust. Per-request credentials cannot
be rebuilt: such a job waits in ``awaiting_credentials`` until
``POST /v1/jobs/{id}/resume`` brings them again.
"""

import threading

from ciming.common import context as ciming_context

_lock = threading.Lock()
_runtimes = {}


class JobRuntime:
    """The in-memory side of one running job."""

    def __init__(self, context, credentials=None):
        self.context = context
        self.credentials = dict(credentials or {})
        self.cancel_event = threading.Event()


def context_for(job):
    """A context acting for a job's project through its trust."""
    context = ciming_context.RequestContext(project_id=job.project_id,
                                            overwrite=False)
    context.trust_id = job.trust_id
    return context


def register(job, context=None, credentials=None):
    """Hold a job's context and credentials while this process runs it."""
    if context is None:
        context = context_for(job)
    context.trust_id = job.trust_id
    runtime = JobRuntime(context, credentials)
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
