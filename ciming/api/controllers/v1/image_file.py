"""``/v1/images/{id}/file``: the image's data, uploaded once.

* ``PUT`` raw bytes (optional ``Content-MD5`` and
  ``X-Image-Os-Hash-Value``; credentials in the ``X-CIMinG-Credentials``
  header) -> 202 Job importing the data to every target.
* ``GET`` -> 405: data is never downloadable.

The data streams to the staging area (:mod:`ciming.api.upload`) while
the image is ``uploading``; then a job is recorded and cast.
"""

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
        try:
            with upload_lease.Lease(dbapi, image.id):
                digests, inspector = upload.stream_to_staging(
                    image.id, upload.request_body(pecan.request), expected,
                    image.disk_format)
            dbapi.update_image(image.id, {
                'size': digests.size,
                'virtual_size': inspector.virtual_size,
                'checksum': digests.checksum,
                'os_hash_algo': streams.HASH_ALGO,
                'os_hash_value': digests.os_hash_value,
                'staged': True,
                'staged_host': CONF.host,
            }, expected_status=[states.IMAGE_UPLOADING])
            job = job_records.create_job({
                'project_id': image.project_id,
                'image_id': image.id,
                'action': states.ACTION_IMPORT_UPLOAD,
                'source': {'type': 'staging', 'host': CONF.host},
                'image_status': states.IMAGE_IMPORTING,
                'expected_image_status': [states.IMAGE_UPLOADING],
            }, targets, supplied)
        except BaseException:
            self._forget_upload(image.id)
            raise
        job_records.cast_job(job, None if CONF.staging.shared else CONF.host,
                             supplied)
        return job_records.accepted(job)

    @staticmethod
    def _forget_upload(image_id):
        """Put the image back as it was before the upload started."""
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
