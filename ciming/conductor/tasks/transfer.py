"""The transfer task: read the source once, stream it to every target."""

from concurrent import futures
import time
import types

from oslo_log import log

from ciming.common import exception
from ciming.common import image_format
from ciming.common import staging
from ciming.common import states
from ciming.common import streams
from ciming.common import testhooks
from ciming.conductor.tasks import base
from ciming.conductor.tasks import live_upload
from ciming.conductor.tasks import targets as target_tasks
from ciming.conductor.tasks import url_source
from ciming.conf import CONF
from ciming.drivers import base as driver_base

LOG = log.getLogger(__name__)


def open_source(task, job_id, image, source, source_image,
                while_waiting=None):
    """The data a job reads: staged, from a URL, or a cloud's export.

    ``task`` builds the source cloud's driver (the job's, once per job).
    An upload that may still be arriving is read as it is written;
    ``while_waiting()`` is called while its data is awaited.
    """
    if live_upload.is_live(source):
        return live_upload.open_growing(task, job_id, image.id, source,
                                        while_waiting)
    if source['type'] == 'staging':
        return staging.StagingArea().open(image.id)
    if source['type'] == url_source.SOURCE_TYPE:
        return url_source.open_source(source)
    described = driver_base.RemoteImage(**{
        k: v for k, v in source_image.items() if k != 'cloud_id'})
    driver = task.driver_for(job_id, source_image['cloud_id'])
    return driver.open_export(described.remote_id, described)


class Transfer(base.JobTask):
    """Fan the source's chunks out to every prepared target in parallel.

    The data is hashed (md5 and sha512) as it streams; a source that does
    not match the image's recorded hash fails the whole job, which reverts
    every target. Staged uploads were hashed on their way in, so they are
    only hashed again when ``[transfer] rehash_staged_data`` asks for it;
    nor is a copy every target verifies itself (see
    :meth:`_needs_hashing`): there a wrong source fails each target as it
    is finalized.
    A target that fails alone is recorded and dropped. Targets that can
    copy the image from the source cloud themselves (server-side copy) are
    asked to, and streamed to only when they could not.
    Every stream is inspected (:mod:`ciming.common.image_format`): data
    that is not its declared format, or unsafe, fails the job. When the
    job converted the data (``converted``), the targets that need raw
    receive the raw result and the others the scratch copy of the source.
    Provides ``transferred``: ``{cloud_id: remote_id}`` of the targets
    that received every byte.
    """

    def __init__(self, cloud_ids):
        super().__init__(name='transfer', provides='transferred',
                         requires=[target_tasks.remote_key(c)
                                   for c in cloud_ids] + ['converted'])
        self.cloud_ids = list(cloud_ids)

    def execute(self, job_id, image_id, source, source_image, converted,
                **prepared):
        image = self.dbapi.get_image(image_id)
        remote_ids = {c: prepared[target_tasks.remote_key(c)]
                      for c in self.cloud_ids
                      if prepared.get(target_tasks.remote_key(c))}
        if not remote_ids:
            return {}
        drivers = {c: self.driver_for(job_id, c) for c in remote_ids}
        if converted is not None:
            return self._stream_converted(job_id, image, converted, drivers,
                                          remote_ids)
        pullers = self._pullers(image, source, drivers)
        if not pullers:
            return self._stream(job_id, image, source, source_image, drivers,
                                remote_ids)

        # Server-side copies run while the other targets are streamed to;
        # a target whose copy did not happen is streamed to afterwards.
        source_driver = self.driver_for(job_id, source_image['cloud_id'])
        with futures.ThreadPoolExecutor(len(pullers)) as pool:
            pulls = {c: pool.submit(self._pull, job_id, drivers[c],
                                    remote_ids[c], source_driver,
                                    source_image['remote_id'])
                     for c in pullers}
            transferred = self._stream(
                job_id, image, source, source_image, drivers,
                {c: r for c, r in remote_ids.items() if c not in pulls})
            not_pulled = {}
            for cloud_id, pull in pulls.items():
                try:
                    pulled = pull.result()
                except exception.ServerSideCopyFailed as exc:
                    target_tasks.discard_remote(drivers[cloud_id],
                                                remote_ids[cloud_id])
                    self.fail_target(job_id, image.id, cloud_id, exc)
                    continue
                if pulled:
                    transferred[cloud_id] = remote_ids[cloud_id]
                    self.dbapi.update_job_target(
                        job_id, cloud_id, {'bytes_done': image.size})
                else:
                    not_pulled[cloud_id] = remote_ids[cloud_id]
        transferred.update(self._stream(job_id, image, source, source_image,
                                        drivers, not_pulled))
        return transferred

    @staticmethod
    def _pullers(image, source, drivers):
        """Targets that may copy the data from the source cloud themselves.

        Only for a cloud source and an image whose size and hashes are
        known, since finalize_import verifies the copy against them.
        """
        if (source['type'] != 'cloud' or image.size is None
                or image.os_hash_value is None):
            return []
        return [c for c, driver in drivers.items()
                if driver.capabilities.can_copy_server_side]

    @staticmethod
    def _pull(job_id, driver, remote_id, source_driver, source_remote_id):
        """Whether ``driver``'s cloud copied the source image itself.

        ServerSideCopyFailed goes through: that target fails.
        """
        try:
            return driver.pull_import(remote_id, source_driver,
                                      source_remote_id)
        except exception.ServerSideCopyFailed:
            raise
        except exception.CimingException as exc:
            LOG.warning('Job %(job)s: server-side copy to %(cloud)s failed, '
                        'streaming instead: %(error)s',
                        {'job': job_id, 'cloud': driver.name, 'error': exc})
            return False

    def _stream_converted(self, job_id, image, converted, drivers,
                          remote_ids):
        """Raw to the targets needing it, the source copy to the others."""
        raw = {c: r for c, r in remote_ids.items()
               if c in converted['targets']}
        transferred = self._stream(
            job_id, image, None, None, drivers,
            {c: r for c, r in remote_ids.items() if c not in raw},
            opened=lambda: open(converted['source_path'], 'rb'))
        as_raw = types.SimpleNamespace(id=image.id, **converted['raw'])
        transferred.update(self._stream(
            job_id, as_raw, None, None, drivers, raw,
            opened=lambda: open(converted['raw_path'], 'rb')))
        return transferred

    def _stream(self, job_id, image, source, source_image, drivers,
                remote_ids, opened=None):
        """Read the source once, write every one of ``remote_ids``.

        ``opened`` opens a local copy to read instead of the source: the
        scratch copy of the source, or its raw conversion (then
        ``image`` describes that data).
        """
        if not remote_ids:
            return {}
        cancel_event = self.runtime(job_id).cancel_event
        progress = _Progress(self.dbapi, job_id, remote_ids, cancel_event,
                             image.id)
        fanout = streams.FanOut(CONF.transfer.queue_depth, progress=progress)
        for cloud_id, remote_id in remote_ids.items():
            fanout.add(cloud_id, _writer(drivers[cloud_id], remote_id))
        digests = None
        if self._needs_hashing(image, source, opened,
                               [drivers[c] for c in remote_ids]):
            digests = streams.Digests()
            digests.attach(fanout)

        if opened is not None:
            stream, inspector = opened(), None
        else:
            stream = open_source(
                self, job_id, image, source, source_image,
                while_waiting=lambda: progress(fanout.bytes_read, fanout))
            inspector = image_format.StreamInspector(image.disk_format)
        with stream:
            read = streams.read_chunks(stream, CONF.transfer.chunk_size)
            results = fanout.run(read if inspector is None
                                 else inspector.inspect(read))
        if source is not None and live_upload.is_live(source):
            # The upload ended while it was read: now its size is known.
            image = self.dbapi.get_image(image.id)
            self.dbapi.update_job(job_id, {'data': {
                'source': base.image_data(image), 'converted': None}})
        # When every target failed the source was not read to its end:
        # its size and hash say nothing, the targets' own errors do.
        if any(results[c] is None for c in remote_ids):
            self._check_source(image, fanout.bytes_read, digests)

        done = fanout.bytes_consumed()
        transferred = {}
        for cloud_id, remote_id in remote_ids.items():
            error = results[cloud_id]
            if error is None:
                transferred[cloud_id] = remote_id
                # bytes_total too: a live upload's size is known now.
                self.dbapi.update_job_target(
                    job_id, cloud_id, {'bytes_done': done[cloud_id],
                                       'bytes_total': image.size})
            else:
                target_tasks.discard_remote(drivers[cloud_id], remote_id)
                self.fail_target(job_id, image.id, cloud_id, error)
        return transferred

    @staticmethod
    def _needs_hashing(image, source, opened, drivers):
        """Whether the conductor must hash the data it copies.

        Not a staged upload (the API hashed it on its way in), unless
        ``[transfer] rehash_staged_data``; not a cloud source whose size
        and hashes are known when every target hashes what it receives
        itself (finalize compares that with the image's), unless
        ``[transfer] hash_verified_copies``.
        """
        if opened is not None:
            return True
        if source['type'] == 'staging':
            return CONF.transfer.rehash_staged_data
        known = (image.size is not None and image.checksum is not None
                 and image.os_hash_value is not None
                 and image.os_hash_algo == streams.HASH_ALGO)
        verified = all(d.capabilities.verifies_received_data
                       for d in drivers)
        return not (known and verified) or CONF.transfer.hash_verified_copies

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

    def __init__(self, dbapi, job_id, cloud_ids, cancel_event,
                 image_id=None):
        self.dbapi = dbapi
        self.job_id = job_id
        self.image_id = image_id
        self.cloud_ids = list(cloud_ids)
        self.cancel_event = cancel_event
        self._next = 0.0
        self._started = False

    def __call__(self, total, fanout):
        if not self._started:
            self._started = True
            testhooks.pause(testhooks.MID_TRANSFER, self.job_id,
                            self.image_id)
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
