"""The update flow: change the metadata of an image's copies.

Serves ``update``, ``deprecate`` and ``undeprecate`` jobs (and a sync
that only re-applies metadata); the change is the image's pending
metadata, recorded by the API with the job:

    (settle on revert) → apply to each cloud → complete

Each cloud's result is its target's; one that refuses fails alone.
"""

from taskflow.patterns import linear_flow

from ciming.conductor.tasks import lifecycle
from ciming.conductor.tasks import metadata


def get_update_flow(cloud_ids):
    """Build the flow for a metadata job whose targets are ``cloud_ids``."""
    flow = linear_flow.Flow('update')
    flow.add(lifecycle.SettleJobOnRevert())
    flow.add(*[metadata.ApplyMetadata(c) for c in cloud_ids])
    flow.add(lifecycle.CompleteJob(name='complete'))
    return flow
