"""Copying an upload while it still arrives.

With ``[api] copy_during_upload`` the API records and casts an upload's
job when the upload starts (the job's source is ``{"type": "staging",
"live": true}``): the targets receive the data while the client still
sends it, instead of after. The job reads the staging file as it grows
(:class:`ciming.common.staging.GrowingFile`); the image record tells it
when the upload completed (the image is staged) or failed (it is no
longer ``uploading``).

Targets that need the data's size before its bytes (an EBS snapshot, a
Compute Engine tarball), and conversions, wait for the whole upload:
:class:`AwaitUpload` holds the job until then.
"""

from oslo_log import log

from ciming.common import exception
from ciming.common import staging
from ciming.common import states
from ciming.conductor.tasks import base

LOG = log.getLogger(__name__)

# How often a job waiting for a whole upload reads its image record.
WAIT_INTERVAL = 0.5


def is_live(source):
    """Whether a job's source is an upload that may still be arriving."""
    return source['type'] == 'staging' and bool(source.get('live'))


def upload_ended(dbapi, job_id, image_id, source):
    """True once the upload is staged, False while it runs; else raise.

    The upload is the job's own while the image names the process that
    started the job (``source``: its host and ``upload_pid``): after a
    crash, a new upload of the image is not this job's. An upload the
    API refused cancelled the job first: JobCancelled.
    """
    image = dbapi.get_image(image_id)
    ours = (image.upload_host == source.get('host')
            and image.upload_pid == source.get('upload_pid'))
    if ours and image.staged:
        return True
    if ours and image.status == states.IMAGE_UPLOADING:
        return False
    if dbapi.get_job(job_id).state == states.JOB_CANCELLING:
        raise exception.JobCancelled(job=job_id)
    raise exception.TransferFailed(
        reason='the upload of image %s did not complete' % image_id)


def open_growing(task, job_id, image_id, source, while_waiting=None):
    """The staged data of a live upload, read as it is written.

    ``while_waiting()`` is called while the reader waits for data (the
    transfer's progress report, which also notices a cancellation).
    """
    cancel_event = task.runtime(job_id).cancel_event

    def check():
        if cancel_event.is_set():
            raise exception.JobCancelled(job=job_id)
        if while_waiting is not None:
            while_waiting()

    return staging.GrowingFile(
        image_id, lambda: upload_ended(task.dbapi, job_id, image_id, source),
        check=check)


class AwaitUpload(base.JobTask):
    """Hold a live upload's job until the upload ends, when it must.

    Every target must take data of unknown size
    (``Capabilities.accepts_unknown_size``) and none may need a
    conversion; otherwise the job waits for the whole upload, as it
    would have been cast after it.
    """

    def __init__(self, cloud_ids):
        super().__init__(name='await-upload')
        self.cloud_ids = list(cloud_ids)

    def execute(self, job_id, image_id, source):
        if not is_live(source):
            return
        image = self.dbapi.get_image(image_id)
        waiting_for = self._needing_whole_upload(job_id, image)
        if not waiting_for:
            return
        LOG.info('Job %(job)s waits for the whole upload of image '
                 '%(image)s: %(clouds)s need it',
                 {'job': job_id, 'image': image_id,
                  'clouds': ', '.join(waiting_for)})
        cancel_event = self.runtime(job_id).cancel_event
        while not upload_ended(self.dbapi, job_id, image_id, source):
            # The record too: the cancel's cast may never have come.
            if (cancel_event.wait(WAIT_INTERVAL)
                    or self.dbapi.get_job(job_id).state
                    == states.JOB_CANCELLING):
                raise exception.JobCancelled(job=job_id)

    def _needing_whole_upload(self, job_id, image):
        return [cloud_id for cloud_id, driver in self.target_drivers(
            job_id, self.cloud_ids).items()
            if not driver.capabilities.accepts_unknown_size
            or base.needs_conversion(driver, image.disk_format)]
