"""How a Glance driver moves image data (see :class:`GlanceDataMixin`)."""

import time
from urllib import parse

from glanceclient.common import utils as glance_utils
from oslo_log import log
from urllib3 import exceptions as urllib3_exc

from ciming.common import exception
from ciming.common import streams
from ciming.conf import CONF

LOG = log.getLogger(__name__)


def poll_delays(cap=None):
    """Seconds to wait between two checks of an image's status.

    A quarter of ``[glance] poll_interval`` first, growing by half each
    time up to ``cap`` (the interval itself by default): a quick import
    is seen soon, and a long one's end at most ``cap`` late.
    """
    cap = CONF.glance.poll_interval if cap is None else cap
    delay = CONF.glance.poll_interval / 4
    while True:
        yield delay
        delay = min(delay * 1.5, cap)


class GlanceDataMixin:
    """Image data of a Glance driver, moved by CIMinG or by Glance itself.

    Data goes in one streamed GET or PUT on the session's keep-alive
    connections; glanceclient stays for metadata, as its data calls cost
    a metadata GET first and send uploads in 1 MiB chunks. A server-side
    copy has the target Glance pull from the source (glance-download).
    """

    def _endpoint(self):
        """The session and the Glance endpoint, without a version."""
        http = self._client().http_client
        endpoint = self._call('find the image endpoint', http.get_endpoint)
        if not endpoint:
            raise exception.DriverError(cloud=self.name,
                                        reason='no image endpoint')
        endpoint, _version = glance_utils.strip_version(endpoint)
        return http.session, endpoint.rstrip('/')

    def _data_url(self, remote_id):
        """The session and the URL of an image's data."""
        session, endpoint = self._endpoint()
        return session, '%s/v2/images/%s/file' % (
            endpoint, parse.quote(remote_id, safe=''))

    def _data_error(self, response, what, remote_id):
        """The CIMinG error for a data request Glance refused."""
        status = response.status_code
        if status == 404:
            return exception.RemoteImageNotFound(remote_id=remote_id,
                                                 cloud=self.name)
        if status == 401:
            return exception.CloudAuthFailed(cloud=self.name,
                                             reason=response.reason)
        if status == 204:
            return exception.DriverError(
                cloud=self.name,
                reason='image %s has no data: it is not active' % remote_id)
        return exception.DriverError(
            cloud=self.name,
            reason='%s: %s %s' % (what, status, response.reason or ''))

    def open_export(self, remote_id, described=None):
        what = 'download image %s' % remote_id
        if self._one_identity and described is None:
            # Glance cannot tell the projects of one identity apart.
            self._raw_image(remote_id)
        session, url = self._data_url(remote_id)
        response = self._call(what, session.get, url, stream=True,
                              raise_exc=False,
                              headers={'Accept': 'application/octet-stream'})
        if response.status_code != 200:
            response.close()
            raise self._data_error(response, what, remote_id)
        return ImageData(self.name, remote_id, response)

    def write_import(self, remote_id, chunks):
        what = 'upload image %s' % remote_id
        session, url = self._data_url(remote_id)
        response = self._call(
            what, session.put, url, raise_exc=False,
            data=streams.frames(chunks, CONF.glance.upload_frame_size),
            headers={'Content-Type': 'application/octet-stream'})
        response.close()
        if response.status_code not in (200, 201, 204):
            raise self._data_error(response, what, remote_id)

    # Server-side copy: the target Glance pulls from the source Glance.

    def _same_keystone_and_identity(self, source):
        return (isinstance(source, GlanceDataMixin)
                and source.cloud.get('region')
                and source.cloud.get('region') != self.cloud.get('region')
                and source.options.get('auth_url')
                == self.options.get('auth_url')
                and source.credentials == self.credentials)

    def _offers_glance_download(self, session, endpoint):
        response = self._call('read import methods', session.get,
                              endpoint + '/v2/info/import', raise_exc=False)
        if response.status_code != 200:
            return False
        methods = response.json().get('import-methods', {}).get('value')
        return 'glance-download' in (methods or ())

    def pull_import(self, remote_id, source, source_remote_id):
        """Import ``remote_id`` with Glance's glance-download method.

        Only between regions of one Keystone seen with one identity: the
        target Glance reaches the source with the caller's token. False
        when Glance does not offer it, refuses it, or reports its import
        failed (the image is ``queued`` again): then the data is
        streamed. ServerSideCopyFailed when the import went wrong
        otherwise after Glance took it (the image was killed, or never
        became ``active`` or ``queued`` again).
        """
        if not (CONF.glance.server_side_copy
                and self._same_keystone_and_identity(source)):
            return False
        session, endpoint = self._endpoint()
        if not self._offers_glance_download(session, endpoint):
            LOG.info('%s does not offer glance-download: streaming',
                     self.name)
            return False
        response = self._call(
            'import image %s' % remote_id, session.post,
            '%s/v2/images/%s/import' % (endpoint, parse.quote(remote_id,
                                                              safe='')),
            raise_exc=False, json={'method': {
                'name': 'glance-download',
                'glance_image_id': source_remote_id,
                'glance_region': source.cloud['region'],
                'glance_service_interface':
                    source.options.get('interface', 'public')}})
        if response.status_code != 202:
            LOG.warning('%s refused glance-download of %s (%s %s): '
                        'streaming', self.name, remote_id,
                        response.status_code, response.reason)
            return False
        try:
            return self._wait_pulled(remote_id, session, endpoint)
        except exception.ServerSideCopyFailed:
            raise
        except exception.DriverError as exc:
            # Glance took the import: its image takes no upload now.
            raise exception.ServerSideCopyFailed(
                cloud=self.name, reason=exc.kwargs.get('reason', exc))

    def _wait_pulled(self, remote_id, session, endpoint):
        """True once active; False when Glance's import task failed.

        A failed glance-download leaves the image ``queued`` (ready for an
        upload); only the image's import task tells it apart from one not
        started yet, so the tasks are read only while the image is
        ``queued``. An ``importing`` image costs Glance one request a
        check, so it is checked twice as often as other waits (every
        half ``[glance] poll_interval`` at most) for the same requests:
        the copy's end is seen sooner.
        """
        deadline = time.monotonic() + CONF.glance.active_timeout
        delays = poll_delays(cap=CONF.glance.poll_interval / 2)
        while True:
            image = self._raw_image(remote_id)
            status = image.get('status')
            if status == 'active':
                return True
            if status in ('killed', 'deleted', 'deactivated'):
                raise exception.DriverError(
                    cloud=self.name, reason='image %s became %s during '
                    'glance-download' % (remote_id, status))
            failure = (self._failed_import(session, endpoint, remote_id)
                       if status == 'queued' else None)
            if failure is not None:
                LOG.warning('glance-download of %s in %s failed (%s): '
                            'streaming', remote_id, self.name, failure)
                return False
            if time.monotonic() > deadline:
                raise exception.DriverError(
                    cloud=self.name, reason='image %s still %s after %d s'
                    % (remote_id, status, CONF.glance.active_timeout))
            time.sleep(next(delays))

    def _failed_import(self, session, endpoint, remote_id):
        """The message of the image's failed import task, else None."""
        response = self._call(
            'read the tasks of image %s' % remote_id, session.get,
            '%s/v2/images/%s/tasks' % (endpoint, parse.quote(remote_id,
                                                             safe='')),
            raise_exc=False)
        if response.status_code != 200:
            return None
        tasks = sorted(response.json().get('tasks') or (),
                       key=lambda t: t.get('created_at') or '')
        if tasks and tasks[-1].get('status') == 'failure':
            return tasks[-1].get('message') or 'failure'
        return None


class ImageData:
    """The body of an image's data, read as a file.

    Reads go straight to the HTTP response, so a read of a chunk is one
    socket read into one buffer; a broken-off download is the cloud's
    DriverError.
    """

    def __init__(self, cloud_name, remote_id, response):
        self.cloud_name = cloud_name
        self.remote_id = remote_id
        self._response = response

    def read(self, size=-1):
        try:
            return self._response.raw.read(None if size < 0 else size)
        except (urllib3_exc.HTTPError, OSError) as exc:
            raise exception.DriverError(
                cloud=self.cloud_name, reason='download of image %s broke '
                'off: %s' % (self.remote_id, exc))

    def close(self):
        self._response.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
