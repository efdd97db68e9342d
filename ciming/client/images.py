"""Images: the one record of a disk image, and its data (``/v1/images``)."""

from oslo_utils import uuidutils

from ciming.client import base
from ciming.client import exceptions
from ciming.client import upload as upload_body

# The API version that creates images from a URL.
URL_IMPORT_VERSION = (1, 2)


class ImageManager(base.Manager):

    def create(self, name, targets, disk_format=None, container_format=None,
               source=None, credentials=None):
        """A new image record, ``queued``, pending in every target.

        ``targets`` are cloud names or ids. With ``source``
        (``{'url': ..., 'checksum': 'sha256:<hex>'}`` or ``{'url': ...,
        'checksums_url': ...}``, API 1.2) the service imports the data
        from the URL: the image comes back ``importing`` with the ``job``
        doing it; ``credentials`` are those of the targets that need
        some.
        """
        body = {'name': name, 'targets': list(targets)}
        if disk_format:
            body['disk_format'] = disk_format
        if container_format:
            body['container_format'] = container_format
        if source is None:
            return self.http.request('POST', '/images', json_body=body)
        if self.http.negotiate_version() < URL_IMPORT_VERSION:
            raise exceptions.VersionNotSupported(
                'Importing from a URL needs API version 1.2; this '
                'session uses %d.%d' % self.http.negotiate_version())
        body['source'] = dict(source)
        return self.http.request('POST', '/images', json_body=body,
                                 credentials=self._credentials(credentials))

    def list(self, name=None, status=None, available_in=None,
             missing_in=None, sort_key=None, sort_dir=None,
             all_projects=False, limit=None):
        """Images matching the filters (exact name), every page."""
        params = {'name': name, 'status': status,
                  'available_in': available_in, 'missing_in': missing_in,
                  'sort_key': sort_key, 'sort_dir': sort_dir}
        if all_projects:
            params['all_projects'] = 'true'
        return self._list('/images', 'images', params, limit=limit)

    def get(self, image_id):
        return self.http.request('GET', '/images/%s' % base.quote(image_id))

    def find(self, name_or_id):
        """An image by id, or by its name when exactly one has it."""
        if uuidutils.is_uuid_like(name_or_id):
            try:
                return self.get(name_or_id)
            except exceptions.NotFound:
                pass
        found = self.list(name=name_or_id)
        if len(found) == 1:
            return found[0]
        if not found:
            raise exceptions.ImageNotFound(
                'No image with name or id %s' % name_or_id, http_status=404)
        raise exceptions.ClientException(
            'More than one image is named %s; use its id' % name_or_id)

    def update(self, image_id, name):
        return self.http.request('PATCH', '/images/%s' % base.quote(image_id),
                                 json_body={'name': name})

    def delete(self, image_id, purge=False, credentials=None):
        """Forget the image; with ``purge``, delete its copies first."""
        self.http.request(
            'DELETE', '/images/%s' % base.quote(image_id),
            params={'purge': 'true'} if purge else None,
            credentials=self._credentials(credentials) if purge else None)

    def upload(self, image_id, data, size=None, progress=None,
               credentials=None, checksum=None, os_hash_value=None):
        """Stream the data of a queued image; the Job importing it.

        :param data: a path, or a binary file-like object, read chunk by
            chunk as it is sent.
        :param size: bytes to send, when the file cannot tell.
        :param progress: ``progress(bytes_sent, total_or_None)``.
        :param checksum: md5 hex the service must find (optional).
        :param os_hash_value: sha512 hex the service must find (optional).
        """
        fileobj, owned = upload_body.open_data(data)
        try:
            body = upload_body.UploadBody(fileobj, size=size,
                                          progress=progress)
            headers = {'Content-Type': 'application/octet-stream'}
            if checksum:
                headers['Content-MD5'] = checksum
            if os_hash_value:
                headers['X-Image-Os-Hash-Value'] = os_hash_value
            return self.http.request(
                'PUT', '/images/%s/file' % base.quote(image_id),
                data=body, headers=headers,
                credentials=self._credentials(credentials))
        finally:
            if owned:
                fileobj.close()

    def sync(self, image_id, targets=None, credentials=None):
        """Copy the image where it is not active yet; the Job."""
        body = {}
        if targets:
            body['targets'] = list(targets)
        return self.http.request(
            'POST', '/images/%s/sync' % base.quote(image_id),
            json_body=body, credentials=self._credentials(credentials))

    def adopt(self, source_cloud, remote_id, name=None, targets=None,
              credentials=None):
        """Track an image that exists in a cloud, and copy it to targets.

        Returns the Image, with ``"job"``: the Job syncing it (or None).
        """
        body = {'source': {'cloud': source_cloud, 'remote_id': remote_id}}
        if name:
            body['name'] = name
        if targets:
            body['targets'] = list(targets)
        return self.http.request('POST', '/images/adopt', json_body=body,
                                 credentials=self._credentials(credentials))

    def refresh(self, image_id, credentials=None):
        """Check every location in its cloud now; the locations, live."""
        body = self.http.request(
            'POST', '/images/%s/refresh' % base.quote(image_id),
            json_body={}, credentials=self._credentials(credentials))
        return body.get('locations', [])
