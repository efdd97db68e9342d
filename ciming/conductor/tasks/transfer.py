"""The transfer task: read the source once, stream it to every target."""

from concurrent import futures
import time

from oslo_log import log

from ciming.common import exception
from ciming.common import staging
from ciming.common import states
from ciming.common import streams
from ciming.conductor.tasks import base
from ciming.conductor.tasks import targets as target_tasks
from ciming.conf import CONF

LOG = log.getLogger(__name__)


class Transfer(base.JobTask):
    """Fan the source's chunks out to every prepared target in parallel.

    The data is hashed (md5 and sha512) as it streams; a source that does
    not match the image's recorded hash fails the whole job, which reverts
    every target. Staged uploads were hashed on their way in, so they are
    only hashed again when ``[transfer] rehash_staged_data`` asks for it.
    A target that fails alone is recorded and dropped.
    Provides ``transferred``: ``{cloud_id: remote_id}`` of the targets
    that received every byte.
    """

    def __init__(self, cloud_ids):
        super().__init__(name='transfer', provides='transferred',
                         requires=[target_tasks.remote_key(c)
                                   for c in cloud_ids])
        self.cloud_ids = list(cloud_ids)

    def execute(self, job_id, image_id, source, **prepared):
        image = self.dbapi.get_image(image_id)
        remote_ids = {c: prepared[target_tasks.remote_key(c)]
                      for c in self.cloud_ids
                      if prepared.get(target_tasks.remote_key(c))}
        if not remote_ids:
            return {}
        drivers = {c: self.driver_for(job_id, c) for c in remote_ids}
        pulled = self._server_side_copies(job_id, image, source, drivers,
                                          remote_ids)
        for cloud_id in pulled:
            self.dbapi.update_job_target(job_id, cloud_id,
                                         {'bytes_done': image.size})
        remote_ids = {c: r for c, r in remote_ids.items() if c not in pulled}
        if not remote_ids:
            return pulled
        cancel_event = self.runtime(job_id).cancel_event

        fanout = streams.FanOut(
            CONF.transfer.queue_depth,
            progress=_Progress(self.dbapi, job_id, remote_ids, cancel_event))
        for cloud_id, remote_id in remote_ids.items():
            fanout.add(cloud_id, _writer(drivers[cloud_id], remote_id))
        digests = None
        if source['type'] != 'staging' or CONF.transfer.rehash_staged_data:
            digests = streams.Digests()
            digests.attach(fanout)

        with self._open_source(job_id, image, source) as stream:
            results = fanout.run(streams.read_chunks(
                stream, CONF.transfer.chunk_size))
        self._check_source(image, fanout.bytes_read, digests)

        done = fanout.bytes_consumed()
        transferred = dict(pulled)
        for cloud_id, remote_id in remote_ids.items():
            error = results[cloud_id]
            if error is None:
                transferred[cloud_id] = remote_id
                self.dbapi.update_job_target(
                    job_id, cloud_id, {'bytes_done': done[cloud_id]})
            else:
                target_tasks.discard_remote(drivers[cloud_id], remote_id)
                self.fail_target(job_id, image_id, cloud_id, error)
        return transferred

    def _server_side_copies(self, job_id, image, source, drivers,
                            remote_ids):
        """Targets that copied the data from the source cloud themselves.

        Only for a cloud source and an image whose size and hashes are
        known, since finalize_import verifies the copy against them. A
        target that cannot, or whose copy fails, is streamed to instead.
        """
        candidates = [c for c in remote_ids
                      if drivers[c].capabilities.server_side_copy]
        if (source['type'] != 'cloud' or not candidates
                or image.size is None or image.os_hash_value is None):
            return {}
        source_driver = self.driver_for(job_id, source['cloud_id'])

        def pull(cloud_id):
            try:
                return drivers[cloud_id].pull_import(
                    remote_ids[cloud_id], source_driver,
                    source['remote_id'])
            except exception.CimingException as exc:
                LOG.warning('Job %(job)s: server-side copy to %(cloud)s '
                            'failed, streaming instead: %(error)s',
                            {'job': job_id, 'cloud': cloud_id, 'error': exc})
                return False

        with futures.ThreadPoolExecutor(len(candidates)) as pool:
            done = dict(zip(candidates, pool.map(pull, candidates)))
        return {c: remote_ids[c] for c, ok in done.items() if ok}

    def _open_source(self, job_id, image, source):
        if source['type'] == 'staging':
            return staging.StagingArea().open(image.id)
        driver = self.driver_for(job_id, source['cloud_id'])
        return driver.open_export(source['remote_id'])

    def _check_source(self, image, size, digests):
        """The bytes read must be the image's; learn its hash if unknown."""
        known = {'size': image.size}
        seen = {'size': size}
        if digests is not None:
            known.update(checksum=image.checksum,
                         os_hash_value=image.os_hash_value)
            seen.update(checksum=digests.checksum,
                        os_hash_value=digests.os_hash_value)
        for field, value in known.items():
            if value is not None and value != seen[field]:
                raise exception.TransferFailed(
                    reason='the source data has %s %s, the image %s'
                           % (field, seen[field], value))
        if digests is not None and any(v is None for v in known.values()):
            self.dbapi.update_image(image.id, dict(
                seen, os_hash_algo=streams.HASH_ALGO))


def _writer(driver, remote_id):
    def consume(chunks):
        driver.write_import(remote_id, chunks)
    return consume


class _Progress:
    """Write per-target byte counts now and then; notice cancellation."""

    def __init__(self, dbapi, job_id, cloud_ids, cancel_event):
        self.dbapi = dbapi
        self.job_id = job_id
        self.cloud_ids = list(cloud_ids)
        self.cancel_event = cancel_event
        self._next = 0.0

    def __call__(self, total, fanout):
        if self.cancel_event.is_set():
            raise exception.JobCancelled(job=self.job_id)
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + CONF.conductor.progress_interval
        done = fanout.bytes_consumed()
        for cloud_id in self.cloud_ids:
            self.dbapi.update_job_target(self.job_id, cloud_id,
                                         {'bytes_done': done[cloud_id]})
        job = self.dbapi.get_job(self.job_id)
        if job.state == states.JOB_CANCELLING:
            self.cancel_event.set()
            raise exception.JobCancelled(job=self.job_id)
