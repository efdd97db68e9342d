"""The sync flow: copy an image from one source to several targets.

It serves both a fresh upload (the source is the staging area) and a sync
from a cloud that holds the image (the source is that cloud):

    (settle on revert) → refresh the other locations → choose the
    source → wait for the whole upload (a job started with its upload,
    when a target needs the size first or a conversion) → convert (when
    a target needs raw: read the source once into scratch, inspected,
    then qemu-img) → prepare each target (with the
    source's carried properties) → transfer (read once, fan out, every
    stream inspected) → finalize each target → apply the pending
    metadata to each target (and to the clouds of ``metadata_ids``, whose
    data is already there) → remove the scratch data → complete

A failure of the whole flow (the source is corrupt, the job is cancelled)
reverts every prepare, deleting whatever the job created in the targets,
and then settles the job as failed or cancelled.
"""

from taskflow.patterns import linear_flow

from ciming.conductor.tasks import convert
from ciming.conductor.tasks import lifecycle
from ciming.conductor.tasks import live_upload
from ciming.conductor.tasks import metadata
from ciming.conductor.tasks import monitor
from ciming.conductor.tasks import source
from ciming.conductor.tasks import targets
from ciming.conductor.tasks import transfer


def get_sync_flow(cloud_ids, metadata_ids=()):
    """Build the flow for a job copying to ``cloud_ids``.

    ``metadata_ids`` are the job's other targets, which only get the
    image's pending metadata.
    """
    flow = linear_flow.Flow('sync')
    flow.add(lifecycle.SettleJobOnRevert())
    flow.add(monitor.RefreshLocations(cloud_ids))
    flow.add(source.ChooseSource())
    flow.add(live_upload.AwaitUpload(cloud_ids))
    flow.add(convert.Convert(cloud_ids))
    flow.add(*[targets.PrepareTarget(c) for c in cloud_ids])
    flow.add(transfer.Transfer(cloud_ids))
    flow.add(*[targets.FinalizeTarget(c) for c in cloud_ids])
    flow.add(*[metadata.ApplyMetadata(c)
               for c in list(cloud_ids) + list(metadata_ids)])
    flow.add(convert.RemoveScratch())
    flow.add(lifecycle.CompleteJob(name='complete'))
    return flow
