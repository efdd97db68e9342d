"""The staging area: uploaded data waits here until every target has it."""

import os

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
