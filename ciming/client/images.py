"""Images: the one record of a disk image, and its data (``/v1/images``)."""

from oslo_utils import uuidutils

from ciming.client import base
from ciming.client import exceptions
from ciming.client import http
from ciming.client import upload as upload_body

MERGE_PATCH = 'application/merge-patch+json'
LIFECYCLE_VERSION = (1, 1)
URL_IMPORT_VERSION = (1, 2)
# The microversion each optional field of an image first appears in.
FIELD_VERSIONS = {
    'properties': LIFECYCLE_VERSION, 'tags': LIFECYCLE_VERSION,
    'visibility': LIFECYCLE_VERSION, 'protected': LIFECYCLE_VERSION,
    'min_disk': LIFECYCLE_VERSION, 'min_ram': LIFECYCLE_VERSION,
    'source': URL_IMPORT_VERSION,
}


class ImageManager(base.Manager):

    def create(self, name, targets, disk_format=None, container_format=None,
               source=None, credentials=None, **fields):
        """A new image record, ``queued``, pending in every target.

        ``targets`` are cloud names or ids. ``fields`` are the image's
        metadata (API 1.1: ``properties``, ``tags``, ``visibility``,
        ``protected``, ``min_disk``, ``min_ram``). With ``source``
        (``{'url': ..., 'checksum': 'sha256:<hex>'}`` or ``{'url': ...,
        'checksums_url': ...}``, API 1.2) the service imports the data from
        the URL, and the image comes back with the ``job`` doing it;
        ``credentials`` are those of the targets that need some.
        """
        body = {'name': name, 'targets': list(targets)}
        if disk_format:
            body['disk_format'] = disk_format
        if container_format:
            body['container_format'] = container_format
        body.update(self._fields(dict(fields, source=source)))
        if source is None:
            return self.http.request('POST', '/images', json_body=body)
        return self.http.request('POST', '/images', json_body=body,
                                 credentials=self._credentials(credentials))

    def _credentials_header(self, credentials):
        """Credentials of a call whose body has no room for them."""
        credentials = self._credentials(credentials)
        if not credentials:
            return {}
        return {http.CREDENTIALS_HEADER: http.credentials_header(
            credentials)}

    def _fields(self, fields):
        """The given fields, checked against the microversion they need."""
        given = {k: v for k, v in fields.items() if v is not None}
        for key in given:
            needed = FIELD_VERSIONS.get(key)
            if needed is None:
                raise TypeError('Unknown image field %r' % key)
            self.http.require(needed, 'the image field %r' % key)
        return given

    def list(self, name=None, status=None, available_in=None,
             missing_in=None, sort_key=None, sort_dir=None,
             all_projects=False, limit=None, marker=None):
        """Images matching the filters (exact name), every page.

        With ``limit`` one page of that many images, after ``marker``
        (an image id) when given.
        """
        params = {'name': name, 'status': status,
                  'available_in': available_in, 'missing_in': missing_in,
                  'sort_key': sort_key, 'sort_dir': sort_dir,
                  'marker': marker}
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

    def update(self, image_id, name=None, credentials=None, **fields):
        """Change an image: a JSON merge patch of ``fields`` (RFC 7396).

        ``name`` at any version; ``properties`` (a key set to None is
        removed), ``tags`` (the whole new list), ``visibility``,
        ``protected``, ``min_disk`` and ``min_ram`` from API 1.1. Returns
        the image; when clouds must change it carries ``job_id``, the
        ``update`` job doing it.
        """
        body = {}
        fields = dict(fields, name=name)
        for key, value in fields.items():
            if key == 'properties' and value is not None:
                # None values are meaningful here: they remove a key.
                self.http.require(FIELD_VERSIONS[key], 'properties')
                body[key] = dict(value)
            elif key == 'name':
                if value is not None:
                    body[key] = value
            else:
                body.update(self._fields({key: value}))
        # 1.0 knows only application/json (for a name).
        content_type = (MERGE_PATCH if self.http.supports(LIFECYCLE_VERSION)
                        else 'application/json')
        headers = dict(self._credentials_header(credentials),
                       **{'Content-Type': content_type})
        return self.http.request(
            'PATCH', '/images/%s' % base.quote(image_id), json_body=body,
            headers=headers)

    def deprecate(self, image_id, replacement=None, deprecate_at=None,
                  credentials=None):
        """Hide the image in every cloud (API 1.1); the Job doing it.

        :param replacement: the id of the image to use instead.
        :param deprecate_at: an ISO 8601 time (or a datetime) from which it
            is deprecated; None: now.
        """
        self.http.require(LIFECYCLE_VERSION, 'deprecation')
        if hasattr(deprecate_at, 'isoformat'):
            deprecate_at = deprecate_at.isoformat()
        body = {}
        if replacement is not None:
            body['replacement'] = replacement
        if deprecate_at is not None:
            body['deprecate_at'] = deprecate_at
        return self.http.request(
            'POST', '/images/%s/deprecate' % base.quote(image_id),
            json_body=body, headers=self._credentials_header(credentials))

    def undeprecate(self, image_id, credentials=None):
        """Show the image again in every cloud (API 1.1); the Job."""
        self.http.require(LIFECYCLE_VERSION, 'deprecation')
        return self.http.request(
            'POST', '/images/%s/undeprecate' % base.quote(image_id),
            json_body={}, headers=self._credentials_header(credentials))

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

    def sync(self, image_id, targets=None, credentials=None,
             metadata=False):
        """Copy the image where it is not active yet; the Job.

        With ``metadata`` (API 1.1) also apply the image's metadata again
        where a copy differs.
        """
        body = {}
        if targets:
            body['targets'] = list(targets)
        if metadata:
            self.http.require(LIFECYCLE_VERSION, 'sync of metadata')
            body['metadata'] = True
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
