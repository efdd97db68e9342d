"""The staging area: uploaded data waits here until every target has it."""

import os
import time

from oslo_log import log
from oslo_utils import uuidutils

from ciming.common import exception
from ciming.common import utils
from ciming.conf import CONF

LOG = log.getLogger(__name__)

_PART = '.part'


class StagingArea:
    """A directory of files named by image id."""

    def __init__(self, directory=None):
        self.dir = directory or CONF.staging.dir

    def _path(self, image_id):
        utils.check_uuid(image_id)
        return os.path.join(self.dir, image_id)

    def path(self, image_id):
        return self._path(image_id)

    def exists(self, image_id):
        return os.path.isfile(self._path(image_id))

    def size(self, image_id):
        return os.path.getsize(self._path(image_id))

    def open_writer(self, image_id):
        """Open the partial file an upload streams into."""
        os.makedirs(self.dir, exist_ok=True)
        return open(self._path(image_id) + _PART, 'wb')

    def commit(self, image_id):
        """Make a complete upload visible to the conductors."""
        path = self._path(image_id)
        os.replace(path + _PART, path)

    def open(self, image_id):
        try:
            return open(self._path(image_id), 'rb')
        except FileNotFoundError:
            raise exception.TransferFailed(
                reason='staged data of image %s is gone' % image_id)

    def partial_ids(self):
        """Ids of the images with a partial file (an upload, or its wreck)."""
        try:
            names = os.listdir(self.dir)
        except FileNotFoundError:
            return []
        ids = []
        for name in names:
            image_id = name[:-len(_PART)]
            if name.endswith(_PART) and uuidutils.is_uuid_like(image_id):
                ids.append(image_id)
        return ids

    def delete_partial(self, image_id):
        """Remove an upload's partial file only, if there is one."""
        try:
            os.unlink(self._path(image_id) + _PART)
        except FileNotFoundError:
            pass

    def delete(self, image_id):
        """Remove the staged data, complete or partial, if any."""
        path = self._path(image_id)
        for candidate in (path, path + _PART):
            try:
                os.unlink(candidate)
                LOG.debug('Removed staged data %s', candidate)
            except FileNotFoundError:
                pass


class GrowingFile:
    """The staged data of an upload still arriving, read as it is written.

    A job copying an upload starts with it, so its reader catches up with
    the writer. ``read(n)`` waits for ``n`` bytes, or for the end of the
    upload. The upload writes the partial file, renames it (commit) and
    only then records the image staged, so the end is told by
    ``upload_ended()``: True once the image is staged, False while the
    upload runs; it raises when the upload failed. ``check()`` is called
    while waiting (it raises to stop, on a cancelled job).

    The file is told by its inode: the partial file of a later upload of
    the same image is not this one's.
    """

    def __init__(self, image_id, upload_ended, check=lambda: None,
                 area=None, poll_interval=0.02, check_interval=1.0):
        self.image_id = image_id
        self._area = area or StagingArea()
        self._upload_ended = upload_ended
        self._check = check
        self._poll = poll_interval
        self._check_interval = check_interval
        self._file = None
        self._inode = None
        self._ended = False
        self._checked_at = float('-inf')

    def _paths(self):
        path = self._area.path(self.image_id)
        return path, path + _PART

    def _open(self):
        for path in self._paths():
            try:
                self._file = open(path, 'rb', buffering=0)
            except FileNotFoundError:
                continue
            self._inode = os.fstat(self._file.fileno()).st_ino
            return

    def _still_written(self):
        """Whether our file is still the upload's partial file."""
        try:
            return os.stat(self._paths()[1]).st_ino == self._inode
        except FileNotFoundError:
            return False

    def _wait(self):
        """Sleep a little, unless the upload ended; raise if it failed.

        The database is asked every ``check_interval`` seconds while the
        partial file grows (a dead upload leaves it behind), and more
        often once it was renamed or removed: the record follows.
        """
        self._check()
        if self._file is None:
            self._open()
        now = time.monotonic()
        growing = self._file is not None and self._still_written()
        interval = (self._check_interval if growing or self._file is None
                    else 5 * self._poll)
        if now >= self._checked_at + interval:
            self._checked_at = now
            if self._upload_ended():
                if self._file is None:
                    self._open()
                if self._file is None:
                    raise exception.TransferFailed(
                        reason='staged data of image %s is gone'
                               % self.image_id)
                self._ended = True
                return
        time.sleep(self._poll)

    def read(self, size=-1):
        """Up to ``size`` bytes; fewer only at the end of the upload."""
        if size is None or size < 0:
            size = CONF.transfer.chunk_size
        pieces = []
        wanted = size
        while wanted > 0:
            data = self._file.read(wanted) if self._file is not None else b''
            if data:
                pieces.append(data)
                wanted -= len(data)
            elif self._ended:
                break
            else:
                self._wait()
        return b''.join(pieces)

    def close(self):
        if self._file is not None:
            self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
