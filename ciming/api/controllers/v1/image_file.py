"""``/v1/images/{id}/file``: the image's data, uploaded once.

* ``PUT`` raw bytes (optional ``Content-MD5`` and
  ``X-Image-Os-Hash-Value``; credentials in the ``X-CIMinG-Credentials``
  header) -> 202 Job importing the data to every target.
* ``GET`` -> 405: data is never downloadable.

The data streams to the staging area (:mod:`ciming.api.upload`) while
the image is ``uploading``. The job copying it to the targets is
recorded and cast when the upload starts, and reads the staging file as
it grows (``[api] copy_during_upload``,
:mod:`ciming.conductor.tasks.live_upload`); otherwise, or with a shared
staging area, once the upload is complete.
"""

import os
import time

from oslo_log import log
import pecan
from pecan import rest

from ciming.api import job_records
from ciming.api import request_credentials
from ciming.api import upload
from ciming.api import utils
from ciming.common import exception
from ciming.common import states
from ciming.common import streams
from ciming.common import upload_lease
from ciming.conf import CONF

LOG = log.getLogger(__name__)

# How long a complete upload waits for the job of an earlier upload of
# the same image (that died or was refused) to end, and how often it
# looks; past that it is refused with 409 image_busy.
EARLIER_JOB_WAIT = 30
EARLIER_JOB_POLL = 0.2


class ImageFileController(rest.RestController):
    """``/v1/images/{id}/file``: upload only."""

    def __init__(self, image_id):
        self.image_id = image_id

    @pecan.expose('json')
    def get(self):
        pecan.abort(405, headers={'Allow': 'PUT'})

    @pecan.expose('json')
    def put(self):
        dbapi = pecan.request.dbapi
        image = utils.check_image_policy_and_retrieve('ciming:image:upload',
                                                      self.image_id)
        if image.status != states.IMAGE_QUEUED:
            raise exception.InvalidState(
                resource='Image', id=image.id, state=image.status,
                reason='data can only be uploaded to a queued image')
        expected = upload.Expected.from_request(pecan.request)
        supplied = request_credentials.from_request(
            project_id=image.project_id)
        targets = [loc.cloud_id for loc in image.locations
                   if loc.status != states.LOC_ACTIVE]
        if not targets:
            raise exception.NothingToSync(image=image.id)

        # The guarded move is the lock: one upload per image at a time.
        # It names this process, whose lease tells if the upload died.
        dbapi.update_image(image.id, dict(upload_lease.owner(),
                                          status=states.IMAGE_UPLOADING),
                           expected_status=[states.IMAGE_QUEUED])
        started = []  # the job copying the data while it arrives, if any

        def start_copying():
            try:
                job = self._record_job(image, targets, supplied, live=True)
            except exception.ImageBusy as exc:
                # The job of an upload that died is still ending: this
                # upload is copied once complete (if that job ended).
                LOG.info('Image %s: not copied during its upload: %s',
                         image.id, exc.message)
                return
            started.append(job)
            job_records.cast_job(job, CONF.host, supplied)

        try:
            with upload_lease.Lease(dbapi, image.id) as lease:
                digests, inspector = upload.stream_to_staging(
                    image.id, upload.request_body(pecan.request),
                    expected, image.disk_format, stop=lease.lost,
                    on_more_than_a_chunk=(
                        start_copying if self._copies_during_upload()
                        else None))
            values = {
                'size': digests.size,
                'virtual_size': inspector.virtual_size,
                'checksum': digests.checksum,
                'os_hash_algo': streams.HASH_ALGO,
                'os_hash_value': digests.os_hash_value,
                'staged': True,
                'staged_host': CONF.host,
            }
            if started:
                values['status'] = states.IMAGE_IMPORTING
            dbapi.update_image(image.id, values,
                               expected_status=[states.IMAGE_UPLOADING])
            if not started:
                job = self._record_job_once_free(image, targets, supplied)
        except BaseException:
            self._forget_upload(image.id, started)
            raise
        if started:
            job = job_records.settle_if_ended(started[0])
        else:
            job_records.cast_job(
                job, None if CONF.staging.shared else CONF.host, supplied)
        return job_records.accepted(job)

    @staticmethod
    def _copies_during_upload():
        """Whether the job starts with the upload (see the module)."""
        return (CONF.api.copy_during_upload and not CONF.staging.shared
                and pecan.request.rpcapi.can_copy_during_upload())

    @staticmethod
    def _record_job(image, targets, supplied, live):
        """The import job; a live one leaves the image ``uploading``."""
        values = {
            'project_id': image.project_id,
            'image_id': image.id,
            'action': states.ACTION_IMPORT_UPLOAD,
            'source': {'type': 'staging', 'host': CONF.host},
            'expected_image_status': [states.IMAGE_UPLOADING],
        }
        if live:
            # The job tells its upload from a later one by this process.
            values['source'].update(live=True, upload_pid=os.getpid())
        else:
            values['image_status'] = states.IMAGE_IMPORTING
        return job_records.create_job(values, targets, supplied)

    @classmethod
    def _record_job_once_free(cls, image, targets, supplied):
        """The job of a complete upload, once an earlier one's job ended.

        The image was queued when this upload began, so a job copying an
        earlier upload as it arrived is left from an upload that failed
        or died: it ends by itself as soon as its conductor sees that
        (at once when cancelled, as a pending one is here).
        """
        deadline = time.monotonic() + EARLIER_JOB_WAIT
        while True:
            try:
                return cls._record_job(image, targets, supplied, live=False)
            except exception.ImageBusy as exc:
                busy = pecan.request.dbapi.get_job(exc.kwargs['job'])
                if (not (busy.source or {}).get('live')
                        or time.monotonic() > deadline):
                    raise
                if busy.state == states.JOB_PENDING:
                    try:
                        job_records.cancel(busy)
                    except exception.InvalidState:
                        pass  # taken or ended meanwhile
                time.sleep(EARLIER_JOB_POLL)

    @staticmethod
    def _forget_upload(image_id, started):
        """Put the image back as it was before the upload started.

        A job that started copying the data is cancelled first (its
        conductor removes what it wrote), so that it ends cancelled when
        it sees the upload gone.
        """
        for job in started:
            try:
                job_records.cancel(job)
            except exception.CimingException as exc:
                LOG.info('Job %s of the failed upload of image %s not '
                         'cancelled: %s', job.id, image_id, exc.message)
        upload.discard(image_id)
        try:
            pecan.request.dbapi.update_image(image_id, {
                'status': states.IMAGE_QUEUED, 'size': None,
                'checksum': None, 'os_hash_algo': None,
                'virtual_size': None,
                'os_hash_value': None, 'staged': False,
                'staged_host': None, 'upload_host': None,
                'upload_pid': None, 'upload_heartbeat_at': None,
            }, expected_status=[states.IMAGE_UPLOADING])
        except exception.CimingException as exc:
            LOG.warning('Image %s not returned to queued: %s', image_id,
                        exc.message)
