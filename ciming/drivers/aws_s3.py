"""An S3 multipart upload fed from a stream, one part in memory at once."""

import hashlib

MAX_PARTS = 10000
MiB = 1024 * 1024


class PartUploader:
    """Send a stream of chunks as the parts of a multipart upload.

    Parts of ``part_size`` bytes go to ``upload_id`` of ``bucket``/``key``.
    ``call`` is the driver's wrapper of boto3 calls (errors become
    CIMinG's), ``error`` makes the driver's error from a reason. Only
    the part being filled is held; the data's size, MD5 and sha512 are
    computed as it flows.
    """

    def __init__(self, call, error, s3, bucket, key, upload_id, part_size):
        self._call, self._error = call, error
        self._s3, self.bucket, self.key = s3, bucket, key
        self.upload_id, self.part_size = upload_id, part_size
        self.parts = []
        self.size = 0
        self.md5, self.sha512 = hashlib.md5(), hashlib.sha512()

    def _send(self, buffer):
        if len(self.parts) >= MAX_PARTS:
            raise self._error('%s needs more than %d parts; raise [aws] '
                              'import_part_size' % (self.key, MAX_PARTS))
        number = len(self.parts) + 1
        sent = self._call('upload part %d of %s' % (number, self.key),
                          self._s3.upload_part, Bucket=self.bucket,
                          Key=self.key, UploadId=self.upload_id,
                          PartNumber=number, Body=bytes(buffer))
        self.parts.append({'PartNumber': number, 'ETag': sent['ETag']})
        del buffer[:]

    def upload(self, chunks):
        """Send every part and complete the upload (the caller aborts)."""
        buffer = bytearray()
        for chunk in chunks:
            self.md5.update(chunk)
            self.sha512.update(chunk)
            self.size += len(chunk)
            view = memoryview(chunk)
            while view:
                room = self.part_size - len(buffer)
                buffer += view[:room]
                view = view[room:]
                if len(buffer) == self.part_size:
                    self._send(buffer)
        if buffer or not self.parts:
            self._send(buffer)
        self._call('complete the upload of %s' % self.key,
                   self._s3.complete_multipart_upload, Bucket=self.bucket,
                   Key=self.key, UploadId=self.upload_id,
                   MultipartUpload={'Parts': self.parts})
        return self
