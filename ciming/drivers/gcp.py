"""Google Cloud: Compute Engine images, imported through Cloud Storage.

An import streams the raw image as ``disk.raw`` in a gzip'd tar built on
the fly (:mod:`ciming.drivers.gcp_tarball`) to the cloud's staging
bucket, with a resumable upload (:mod:`ciming.drivers.gcp_storage`), then
asks Compute Engine to make the image from it (``images.insert`` with
``rawDisk.source``) and waits for the operation. The staging object is
deleted whatever happens. Names, labels and the mapping of properties
are in :mod:`ciming.drivers.gcp_images`.

Compute Engine cannot hand an image's data back. An image made from a
tarball that still exists in Cloud Storage (one made outside CIMinG and
adopted) is exported by reading ``disk.raw`` out of that tarball; any
other is not exportable, and says so (``RemoteImage.exportable``).
"""

import json

from oslo_log import log

from ciming.common import exception
from ciming.drivers import base
from ciming.drivers import gcp_access
from ciming.drivers import gcp_images
from ciming.drivers import gcp_metadata
from ciming.drivers import gcp_storage
from ciming.drivers import gcp_tarball

LOG = log.getLogger(__name__)

STAGING_PREFIX = 'ciming-staging/'


class GCPDriver(gcp_metadata.GCPMetadataMixin, base.CloudDriver):
    """Compute Engine images of one project, staged in one bucket."""

    capabilities = base.Capabilities(
        can_export=True, can_import=True, disk_formats=('raw',),
        can_find_by_hash=True, exports_per_image=True,
        can_update_metadata=True, can_deprecate=True)
    credentials_schema = gcp_access.CREDENTIALS_SCHEMA

    @classmethod
    def validate_options(cls, options):
        gcp_access.validate_options(options)

    def __init__(self, cloud, credentials=None, project_id=None):
        super().__init__(cloud, credentials=credentials,
                         project_id=project_id)
        self._google = None
        self._compute = None
        self._session = None
        self._buckets = {}
        # What prepare_import learnt, for write and finalize; also kept
        # next to the tarball for a job resumed by another conductor.
        self._pending = {}

    # Connection

    @property
    def options(self):
        return self.cloud.get('options') or {}

    @property
    def project(self):
        return self.options['project']

    def _credentials(self):
        if self._google is None:
            self._google = gcp_access.service_account_credentials(
                self.name, self.credentials)
        return self._google

    def _client(self):
        if self._compute is None:
            self._compute = gcp_access.compute_client(
                self._credentials(), self.options.get('compute_endpoint'))
        return self._compute

    def bucket(self, name=None):
        """The staging bucket, or another one an image was made from."""
        name = name or self.options['bucket']
        if name not in self._buckets:
            if self._session is None:
                self._session = gcp_access.storage_session(
                    self._credentials())
            self._buckets[name] = gcp_storage.Bucket(
                self._session, self.options.get(
                    'storage_endpoint', gcp_access.STORAGE_URL),
                name, self.name)
        return self._buckets[name]

    def _call(self, what, request, missing_ok=False, conflict_ok=False):
        return gcp_access.execute(self.name, what, request,
                                  missing_ok=missing_ok,
                                  conflict_ok=conflict_ok)

    # Projects on a cloud shared through one identity

    @property
    def _one_identity(self):
        return bool(self.cloud.get('shared_identity'))

    def _visible(self, image):
        return not self._one_identity or (
            (image.get('labels') or {}).get(gcp_images.OWNER_LABEL)
            == gcp_images.label_value(self.project_id))

    # Reading

    def validate(self):
        self._call('read project %s' % self.project,
                   self._client().projects().get(project=self.project))
        self.bucket().test_permissions((
            'storage.objects.create', 'storage.objects.get',
            'storage.objects.delete'))

    def _label_filter(self, labels):
        if self._one_identity:
            labels = dict(labels, **{gcp_images.OWNER_LABEL:
                                     gcp_images.label_value(
                                         self.project_id)})
        return ' AND '.join('(labels.%s = "%s")' % item
                            for item in sorted(labels.items())) or None

    def _list(self, labels=None):
        images = self._client().images()
        request = images.list(project=self.project,
                              filter=self._label_filter(labels or {}),
                              maxResults=500)
        found = []
        while request is not None:
            page = self._call('list images', request)
            found.extend(i for i in page.get('items', [])
                         if self._visible(i))
            request = images.list_next(request, page)
        return found

    def list_images(self, filters=None):
        filters = filters or {}
        images = [gcp_images.normalize(i) for i in self._list()]
        return [i for i in images
                if all(getattr(i, k, None) == v for k, v in filters.items())]

    def _raw_image(self, remote_id):
        image = None
        if isinstance(remote_id, str) and remote_id:
            image = self._call('get image %s' % remote_id,
                               self._client().images().get(
                                   project=self.project, image=remote_id),
                               missing_ok=True)
        if image is None or not self._visible(image):
            raise exception.RemoteImageNotFound(remote_id=remote_id,
                                                cloud=self.name)
        return image

    def _tarball(self, image):
        """``(bucket, object)`` of the image's tarball if it still exists."""
        staged = gcp_images.staged_object(image)
        if staged is None:
            return None
        try:
            if self.bucket(staged[0]).stat(staged[1]) is None:
                return None
        except exception.CimingException as exc:
            LOG.info('Cloud %(cloud)s: the tarball of %(image)s cannot be '
                     'read: %(error)s', {'cloud': self.name,
                                         'image': image.get('name'),
                                         'error': exc})
            return None
        return staged

    def get_image(self, remote_id):
        image = self._raw_image(remote_id)
        return gcp_images.normalize(
            image, exportable=self._tarball(image) is not None)

    def open_export(self, remote_id, described=None):
        image = self._raw_image(remote_id)
        staged = self._tarball(image)
        if staged is None:
            raise exception.SourceCannotExport(
                cloud=self.name, remote_id=remote_id,
                reason='Compute Engine does not give back image data, and '
                       'the tarball the image was made from is gone')
        return gcp_tarball.DiskReader(self.bucket(staged[0]).open(
            staged[1]))

    def find_by_hash(self, os_hash_value):
        found = self._list({gcp_images.HASH_LABEL: gcp_images.label_value(
            os_hash_value)})
        images = [gcp_images.normalize(i) for i in found]
        return [i for i in images
                if i.os_hash_value == os_hash_value and i.status == 'active']

    # Writing

    @staticmethod
    def _object(remote_id):
        return STAGING_PREFIX + remote_id + '.tar.gz'

    @staticmethod
    def _manifest(remote_id):
        return STAGING_PREFIX + remote_id + '.json'

    def prepare_import(self, image_id, meta):
        if meta.size is None:
            raise exception.DriverError(
                cloud=self.name, reason='the image size must be known '
                'before the upload (the tarball header holds it)')
        remote_id = gcp_images.image_name(meta.name, image_id)
        # A resumed job starts afresh: the image a previous attempt made
        # is deleted (the whole data is sent again anyway).
        for found in self._list({gcp_images.ID_LABEL:
                                 gcp_images.label_value(image_id)}):
            self._delete_image(found['name'])
        self._delete_image(remote_id)
        pending = {'image_id': image_id, 'size': meta.size,
                   'properties': dict(meta.properties or {})}
        self.bucket().put(self._manifest(remote_id),
                          json.dumps(pending).encode())
        self._pending[remote_id] = pending
        return remote_id

    def _pending_for(self, remote_id):
        pending = self._pending.get(remote_id)
        if pending is None:
            stream = None
            try:
                stream = self.bucket().open(self._manifest(remote_id))
                pending = json.loads(stream.read(65536))
            except (exception.CimingException, ValueError):
                raise exception.DriverError(
                    cloud=self.name, reason='what %s was prepared for is '
                    'lost; the target must be prepared again' % remote_id)
            finally:
                if stream is not None:
                    stream.close()
            self._pending[remote_id] = pending
        return pending

    def write_import(self, remote_id, chunks):
        pending = self._pending_for(remote_id)
        bucket = self.bucket()
        tarball = gcp_tarball.build(chunks, pending['size'])
        pending['tarball_size'] = bucket.upload(self._object(remote_id),
                                                tarball)
        LOG.info('Cloud %(cloud)s: tarball of %(image)s: %(size)d bytes '
                 'for %(raw)d raw, %(sent)d sent, %(resumes)d resumes',
                 {'cloud': self.name, 'image': remote_id,
                  'size': pending['tarball_size'], 'raw': pending['size'],
                  'sent': bucket.bytes_sent, 'resumes': bucket.resumes})

    def finalize_import(self, remote_id, expected):
        try:
            return self._create_image(remote_id, expected)
        finally:
            self._delete_staging(remote_id)

    def _create_image(self, remote_id, expected):
        pending = self._pending_for(remote_id)
        bucket = self.bucket()
        source = '%s/%s/%s' % (gcp_access.STORAGE_URL, bucket.bucket,
                               self._object(remote_id))
        body = gcp_images.image_body(
            remote_id, source, expected, pending['image_id'],
            pending['properties'], self.options.get('storage_location'),
            owner=self.project_id if self._one_identity else None)
        operation = self._call('create image %s' % remote_id,
                               self._client().images().insert(
                                   project=self.project, body=body),
                               conflict_ok=True)
        if operation is not None:
            self._wait(operation)
        image = self._raw_image(remote_id)
        if (image.get('labels') or {}).get(gcp_images.ID_LABEL) != \
                gcp_images.label_value(pending['image_id']):
            raise exception.DriverError(
                cloud=self.name, reason='image %s exists and is not this '
                'image\'s' % remote_id)
        remote = gcp_images.normalize(image, exportable=False)
        if remote.status != 'active':
            raise exception.DriverError(
                cloud=self.name, reason='image %s is %s' % (
                    remote_id, image.get('status')))
        mismatch = base.data_mismatch(expected, remote)
        if mismatch is not None:
            field, want, got = mismatch
            raise exception.DriverError(
                cloud=self.name, reason='Compute Engine reports %s %s, '
                'expected %s' % (field, got, want))
        return remote

    def _wait(self, operation):
        return gcp_access.wait(self.name, self._client(), self.project,
                               operation)

    def _delete_staging(self, remote_id):
        for name in (self._object(remote_id), self._manifest(remote_id)):
            try:
                self.bucket().delete(name)
            except exception.CimingException:
                LOG.exception('Cloud %(cloud)s: could not delete staging '
                              'object %(name)s', {'cloud': self.name,
                                                  'name': name})
        self._pending.pop(remote_id, None)

    def _delete_image(self, remote_id):
        operation = self._call('delete image %s' % remote_id,
                               self._client().images().delete(
                                   project=self.project, image=remote_id),
                               missing_ok=True)
        if operation is not None:
            self._wait(operation)

    def delete(self, remote_id):
        try:
            self._raw_image(remote_id)
        except exception.RemoteImageNotFound:
            pass  # gone, or another project's: only staging is ours
        else:
            self._delete_image(remote_id)
        self._delete_staging(remote_id)
