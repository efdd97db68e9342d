"""The lease of an upload: how a dead upload is told from a slow one.

An upload moves its image to ``uploading`` and names itself on the image
row (``upload_host``, ``upload_pid``); while the body streams, a thread
renews ``upload_heartbeat_at`` every ``[api] upload_heartbeat_interval``
seconds, however slowly the client sends. If the process dies, nothing
else would ever move the image again, so:

* at start, the API (or the all-in-one) returns to ``queued`` the images
  its own host's dead processes were uploading -- its own pid (a process
  that starts has no upload yet) or a pid that no longer runs -- and
  removes partial files left in its staging area;
* everywhere, the conductors' periodic sweep does the same for uploads
  whose heartbeat is older than ``[api] upload_lease_timeout``, whichever
  host they were on.

The database is passed in: this module only knows what a lease means.
"""

import datetime
import os
import threading

from oslo_log import log
from oslo_utils import timeutils

from ciming.common import staging
from ciming.conf import CONF

LOG = log.getLogger(__name__)


def owner():
    """The fields naming this process as an upload's owner, renewed now."""
    return {'upload_host': CONF.host, 'upload_pid': os.getpid(),
            'upload_heartbeat_at': timeutils.utcnow()}


class Lease:
    """Renew an upload's lease while the ``with`` block runs."""

    def __init__(self, dbapi_conn, image_id):
        self.dbapi = dbapi_conn
        self.image_id = image_id
        self._done = threading.Event()
        # Set once the lease is gone: the upload should stop.
        self.lost = threading.Event()
        self._thread = threading.Thread(
            target=self._renew, name='upload-lease-%s' % image_id,
            daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._done.set()
        self._thread.join()

    def _renew(self):
        while not self._done.wait(CONF.api.upload_heartbeat_interval):
            try:
                if not self.dbapi.renew_upload(self.image_id, CONF.host,
                                               os.getpid()):
                    LOG.warning('Upload of image %s lost its lease: its '
                                'image was reset (was the lease too '
                                'short?)', self.image_id)
                    self.lost.set()
                    return
            except Exception:
                LOG.exception('Could not renew the lease of the upload of '
                              'image %s', self.image_id)


def _pid_runs(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _discard(image_id):
    try:
        staging.StagingArea().delete(image_id)
    except OSError as exc:
        LOG.error('Could not remove the partial upload of image %s: %s',
                  image_id, exc)


def recover_own(dbapi_conn):
    """At start: reset this host's dead uploads; drop stray partial files.

    A partial file is stray when its image is not being uploaded (the
    sweep of another host reset it while this host was down). Best
    effort: what fails here (the database is not up yet) is left to the
    conductors' sweep.
    """
    try:
        _recover_own(dbapi_conn)
    except Exception:
        LOG.exception('Could not look for the uploads this host left; the '
                      'conductors reset them when their lease ends')


def _recover_own(dbapi_conn):
    me = os.getpid()
    for image in dbapi_conn.list_uploads(host=CONF.host):
        pid = image.upload_pid
        if pid is not None and pid != me and _pid_runs(pid):
            continue  # another process of this host: its lease tells
        if dbapi_conn.reset_upload(image.id, CONF.host, pid):
            LOG.warning('Upload of image %(image)s died with process '
                        '%(pid)s; the image is queued again',
                        {'image': image.id, 'pid': pid})
            _discard(image.id)
    # Files first: an upload that starts meanwhile is uploading before
    # it opens its file, so it is in the list read after.
    area = staging.StagingArea()
    partial = area.partial_ids()
    uploading = {image.id for image in dbapi_conn.list_uploads()}
    for image_id in partial:
        if image_id not in uploading:
            LOG.info('Removing the partial upload of image %s: no upload '
                     'runs', image_id)
            try:
                area.delete_partial(image_id)
            except OSError as exc:
                LOG.error('Could not remove the partial upload of image '
                          '%s: %s', image_id, exc)


def reset_expired(dbapi_conn):
    """Reset the uploads whose lease ended; the ids of those reset.

    The partial file is removed where this process can reach it: a shared
    staging area, or this host's; another host removes its own when it
    starts again.
    """
    cutoff = timeutils.utcnow() - datetime.timedelta(
        seconds=CONF.api.upload_lease_timeout)
    reset = []
    for image in dbapi_conn.list_uploads(heartbeat_before=cutoff):
        if not dbapi_conn.reset_upload(image.id, image.upload_host,
                                       image.upload_pid,
                                       heartbeat_before=cutoff):
            continue  # renewed or finished meanwhile
        LOG.warning('Upload of image %(image)s on %(host)s sent no '
                    'heartbeat since %(at)s; the image is queued again',
                    {'image': image.id, 'host': image.upload_host,
                     'at': image.upload_heartbeat_at})
        if CONF.staging.shared or image.upload_host == CONF.host:
            _discard(image.id)
        reset.append(image.id)
    return reset
