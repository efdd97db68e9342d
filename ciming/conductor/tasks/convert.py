"""The convert task: raw data for the targets that take only raw.

When no target needs a conversion this task only records what the job
reads. Otherwise it reads the source once into the job's scratch
directory (inspected as it flows), checks it is the image's data, and
converts it with ``qemu-img`` (:mod:`ciming.conductor.conversion`); the
transfer then streams the raw result to the targets that need it and
the scratch copy of the source to the others, so the source is read
once either way.
"""

from oslo_log import log

from ciming.common import exception
from ciming.common import streams
from ciming.conductor import conversion
from ciming.conductor.tasks import base
from ciming.conductor.tasks import transfer
from ciming.conf import CONF

LOG = log.getLogger(__name__)


class Convert(base.JobTask):
    """Provides ``converted``: None, or where the raw data is and what.

    ``converted`` is ``{"targets": [cloud ids], "source_path",
    "raw_path", "raw": {disk_format, size, checksum, os_hash_algo,
    os_hash_value}}``. Reverting (and the job's end) removes the
    scratch directory.
    """

    def __init__(self, cloud_ids):
        super().__init__(name='convert', provides='converted')
        self.cloud_ids = list(cloud_ids)

    def _needing(self, job_id, image):
        return [cloud_id for cloud_id, driver in self.target_drivers(
            job_id, self.cloud_ids).items()
            if base.needs_conversion(driver, image.disk_format)]

    def execute(self, job_id, image_id, source, source_image):
        image = self.dbapi.get_image(image_id)
        needing = self._needing(job_id, image)
        if not needing:
            self.dbapi.update_job(job_id, {'data': {
                'source': base.image_data(image), 'converted': None}})
            return None
        work = conversion.Conversion(job_id, image.disk_format)
        with transfer.open_source(self, job_id, image, source,
                                  source_image) as stream:
            read = work.receive(stream_chunks(stream))
        self._check_source(image, read)
        raw = work.convert()
        self.dbapi.update_job(job_id, {'data': {
            'source': read, 'converted': raw}})
        return {'targets': needing, 'source_path': work.source_path,
                'raw_path': work.raw_path, 'raw': raw}

    def _check_source(self, image, read):
        """The data read must be the image's; learn what is unknown."""
        for field in ('size', 'checksum', 'os_hash_value'):
            known = getattr(image, field)
            if known is not None and known != read[field]:
                raise exception.TransferFailed(
                    reason='the source data has %s %s, the image %s'
                           % (field, read[field], known))
        learnt = {k: read[k] for k in ('size', 'virtual_size', 'checksum',
                                       'os_hash_algo', 'os_hash_value')
                  if getattr(image, k) is None}
        if learnt:
            self.dbapi.update_image(image.id, learnt)

    def revert(self, job_id, *args, **kwargs):
        conversion.remove(job_id)


def stream_chunks(stream):
    """The chunks of a binary stream, at the transfer's chunk size."""
    return streams.read_chunks(stream, CONF.transfer.chunk_size)


class RemoveScratch(base.JobTask):
    """Remove the job's conversion scratch directory once it is used."""

    def __init__(self):
        super().__init__(name='remove-scratch')

    def execute(self, job_id, converted):
        if converted is not None:
            conversion.remove(job_id)
