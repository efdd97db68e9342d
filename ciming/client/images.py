"""Images: the one record of a disk image, and its data (``/v1/images``)."""

from oslo_utils import uuidutils

from ciming.client import base
from ciming.client import exceptions
from ciming.client import http
from ciming.client import upload as upload_body


# Image metadata applied in the clouds (API 1.1).
METADATA_FIELDS = ('properties', 'tags', 'visibility', 'protected',
                   'min_disk', 'min_ram')
LIFECYCLE_VERSION = (1, 1)
# update(): a name not given is not changed (None clears it).
_UNSET = object()


class ImageManager(base.Manager):

    def _require_lifecycle(self, what):
        if self.http.negotiate_version() < LIFECYCLE_VERSION:
            raise exceptions.VersionNotSupported(
                '%s needs API version 1.1 or later' % what)

    def _credentials_header(self, credentials):
        """Credentials of a call whose body has no room for them."""
        credentials = self._credentials(credentials)
        if not credentials:
            return None
        return {http.CREDENTIALS_HEADER: http.credentials_header(
            credentials)}

    def create(self, name, targets, disk_format=None, container_format=None,
               **metadata):
        """A new image record, ``queued``, pending in every target.

        ``targets`` are cloud names or ids. ``metadata`` (API 1.1):
        ``properties`` (dict), ``tags`` (list), ``visibility``,
        ``protected``, ``min_disk``, ``min_ram``, applied in every target
        by the import.
        """
        unknown = set(metadata) - set(METADATA_FIELDS)
        if unknown:
            raise TypeError('unknown image fields: %s'
                            % ', '.join(sorted(unknown)))
        body = {'name': name, 'targets': list(targets)}
        if disk_format:
            body['disk_format'] = disk_format
        if container_format:
            body['container_format'] = container_format
        given = {k: v for k, v in metadata.items() if v is not None}
        if given:
            self._require_lifecycle('Image metadata')
            body.update(given)
        return self.http.request('POST', '/images', json_body=body)

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

    def update(self, image_id, name=_UNSET, credentials=None, **fields):
        """Change the image: a merge patch of ``name`` and its metadata.

        ``fields``: ``name`` and, from API 1.1, ``properties`` (a key set
        to None is removed), ``tags`` (the whole new list),
        ``visibility``, ``protected``, ``min_disk``, ``min_ram``. Returns
        the Image; when clouds change it also has ``job_id``, the
        ``update`` job with a result per cloud.
        """
        if name is not _UNSET:
            fields['name'] = name
        unknown = set(fields) - {'name'} - set(METADATA_FIELDS)
        if unknown:
            raise TypeError('unknown image fields: %s'
                            % ', '.join(sorted(unknown)))
        if set(fields) - {'name'}:
            self._require_lifecycle('Changing image metadata')
        return self.http.request(
            'PATCH', '/images/%s' % base.quote(image_id), json_body=fields,
            headers=self._credentials_header(credentials))

    def deprecate(self, image_id, replacement=None, deprecate_at=None,
                  credentials=None):
        """Hide the image in every cloud, naming its replacement; the Job.

        ``deprecate_at``: an ISO 8601 time, or a datetime (None: now).
        """
        self._require_lifecycle('Deprecation')
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
        """Undo the deprecation in every cloud; the Job."""
        self._require_lifecycle('Deprecation')
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

        ``metadata`` (API 1.1): also restore the metadata of every copy
        that drifted.
        """
        body = {}
        if targets:
            body['targets'] = list(targets)
        if metadata:
            self._require_lifecycle('Syncing metadata')
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
