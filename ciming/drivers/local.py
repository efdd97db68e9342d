"""A cloud that is a directory: the developer environment of the seeds.

Each image is ``<remote_id>.img`` with a ``<remote_id>.json`` sidecar of
its metadata; data is written to ``<remote_id>.img.part`` and renamed only
once complete and verified, so a reader never sees half an image.
Chunks of zeros are skipped rather than written, leaving holes: the file
reads back the same and takes only the disk its data needs.

One directory may be shared by several projects (a shared cloud): the
sidecar records the project that stored each image, and a project sees,
reads and deletes only its own. A file without a recorded owner (put
there by hand) belongs to the project that defined the cloud.

A project's own local clouds are confined to ``projects/<project id>/``
under the root; no two clouds may overlap (see :meth:`overlaps`).
"""

import functools
import json
import os
import re

from oslo_utils import timeutils

from ciming.common import exception
from ciming.common import image_format
from ciming.common import metadata
from ciming.conf import CONF
from ciming.drivers import base

_REMOTE_ID = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$')
_DATA = '.img'
_META = '.json'
_PART = '.part'
PROJECTS_DIR = 'projects'


@functools.lru_cache(maxsize=4)
def _zeros(size):
    return bytes(size)


def _is_zero(chunk):
    """True for a chunk of zeros.

    The comparison stops at the first byte that is not zero, so a chunk
    of data costs next to nothing.
    """
    return chunk == _zeros(len(chunk))


def _root():
    return os.path.realpath(CONF.local_driver.root)


def resolve_path(path):
    """The absolute directory of a cloud whose option ``path`` is given.

    Relative paths are taken from ``[local_driver] root``; whatever the
    spelling (``..``, absolute paths, symlinks), the result must lie
    inside that root.
    """
    root = _root()
    if not isinstance(path, str) or not path or '\0' in path:
        raise exception.InvalidParameterValue(
            err='A local cloud needs a "path" option.')
    full = os.path.realpath(os.path.join(root, path))
    if full == root or os.path.commonpath([root, full]) != root:
        raise exception.PathOutsideRoot(path=path)
    return full


def _contains(parent, child):
    return os.path.commonpath([parent, child]) == parent


class LocalDriver(base.CloudDriver):
    """Images as files in a directory under ``[local_driver] root``."""

    capabilities = base.Capabilities(can_export=True, can_import=True,
                                     keeps_id=True, can_update_metadata=True,
                                     can_deprecate=True,
                                     accepts_unknown_size=True)

    @classmethod
    def validate_options(cls, options):
        unknown = set(options) - {'path', 'disk_formats'}
        if unknown:
            raise exception.InvalidParameterValue(
                err='Unknown options for a local cloud: %s.'
                    % ', '.join(sorted(unknown)))
        resolve_path(options.get('path'))
        if 'disk_formats' in options:
            formats = options['disk_formats']
            if (not isinstance(formats, list) or not formats
                    or not all(f in image_format.DISK_FORMATS
                               for f in formats)):
                raise exception.InvalidParameterValue(
                    err='The disk_formats option of a local cloud is a '
                        'list of disk formats among %s.'
                        % ', '.join(image_format.DISK_FORMATS))

    @classmethod
    def accepted_formats(cls, options):
        """Any format, unless the ``disk_formats`` option names some.

        A local cloud taking only raw stands in for a public cloud that
        does, so that conversion can be tried without one.
        """
        formats = options.get('disk_formats')
        if formats:
            return tuple(formats)
        return super().accepted_formats(options)

    @classmethod
    def confine_options(cls, options, project_id):
        """Take the path inside ``projects/<project_id>/`` of the root."""
        path = options.get('path')
        if (not isinstance(project_id, str) or not project_id
                or not _REMOTE_ID.match(project_id)):
            raise exception.InvalidParameterValue(
                err='This project cannot define local clouds.')
        if not isinstance(path, str) or not path or '\0' in path:
            raise exception.InvalidParameterValue(
                err='A local cloud needs a "path" option.')
        confinement = os.path.join(_root(), PROJECTS_DIR, project_id)
        full = os.path.realpath(os.path.join(confinement, path))
        if full == os.path.realpath(confinement) or not _contains(
                os.path.realpath(confinement), full):
            raise exception.PathOutsideRoot(path=path)
        return dict(options, path=os.path.relpath(full, _root()))

    @classmethod
    def overlaps(cls, options, other_options):
        """Equal directories, or one inside the other (symlinks resolved)."""
        try:
            mine = resolve_path(options.get('path'))
            theirs = resolve_path(other_options.get('path'))
        except exception.Invalid:
            return False  # a record no longer usable shares nothing
        return _contains(mine, theirs) or _contains(theirs, mine)

    @property
    def directory(self):
        return resolve_path(self.cloud['options'].get('path'))

    def _file(self, remote_id, suffix):
        if not isinstance(remote_id, str) or not _REMOTE_ID.match(remote_id):
            raise exception.PathOutsideRoot(path=remote_id)
        return os.path.join(self.directory, remote_id + suffix)

    def _error(self, reason):
        return exception.DriverError(cloud=self.name, reason=reason)

    def _not_found(self, remote_id):
        return exception.RemoteImageNotFound(remote_id=remote_id,
                                             cloud=self.name)

    def _sidecar(self, remote_id):
        try:
            with open(self._file(remote_id, _META)) as sidecar:
                meta = json.load(sidecar)
        except (OSError, ValueError):
            return {}  # a file put there by hand: only its size is known
        return meta if isinstance(meta, dict) else {}

    def _owned(self, meta):
        """Whether this driver's project stored the image of ``meta``."""
        owner = meta.get('project_id') or self.cloud.get('project_id')
        return owner == self.project_id

    def validate(self):
        directory = self.directory
        try:
            os.makedirs(directory, exist_ok=True)
        except OSError as exc:
            raise self._error(exc.strerror or str(exc))
        if not os.access(directory, os.R_OK | os.W_OK | os.X_OK):
            raise self._error('%s is not writable' % directory)

    def list_images(self, filters=None):
        filters = filters or {}
        try:
            names = sorted(os.listdir(self.directory))
        except FileNotFoundError:
            return []
        images = []
        for name in names:
            if name.endswith(_DATA):
                try:
                    image = self.get_image(name[:-len(_DATA)])
                except (exception.RemoteImageNotFound,
                        exception.PathOutsideRoot):
                    continue  # another project's, or not an image name
                if all(getattr(image, k, None) == v
                       for k, v in filters.items()):
                    images.append(image)
        return images

    def get_image(self, remote_id):
        data = self._file(remote_id, _DATA)
        try:
            size = os.path.getsize(data)
        except OSError:
            raise self._not_found(remote_id)
        meta = self._sidecar(remote_id)
        if not self._owned(meta):
            raise self._not_found(remote_id)
        known = {k: meta.get(k) for k in (
            'name', 'disk_format', 'container_format', 'checksum',
            'os_hash_algo', 'os_hash_value', 'protected', 'min_disk',
            'min_ram')}
        return base.RemoteImage(remote_id=remote_id, size=size,
                                status='active',
                                visibility=meta.get('visibility', 'private'),
                                properties=meta.get('properties', {}),
                                tags=meta.get('tags', []), **known)

    def open_export(self, remote_id, described=None):
        self.get_image(remote_id)
        return open(self._file(remote_id, _DATA), 'rb')

    def prepare_import(self, image_id, meta):
        remote_id = image_id
        if os.path.exists(self._file(remote_id, _DATA)) and not self._owned(
                self._sidecar(remote_id)):
            raise self._error('%s is taken by another project' % remote_id)
        try:
            os.makedirs(self.directory, exist_ok=True)
            # Truncating makes a resumed job start the upload afresh.
            with open(self._file(remote_id, _DATA + _PART), 'wb'):
                pass
        except OSError as exc:
            raise self._error(exc.strerror or str(exc))
        return remote_id

    def write_import(self, remote_id, chunks):
        try:
            with open(self._file(remote_id, _DATA + _PART), 'wb') as out:
                for chunk in chunks:
                    if _is_zero(chunk):
                        out.seek(len(chunk), os.SEEK_CUR)
                    else:
                        out.write(chunk)
                # A hole at the end needs the size set: seek alone does not.
                out.truncate()
        except OSError as exc:
            raise self._error(exc.strerror or str(exc))

    def finalize_import(self, remote_id, expected):
        part = self._file(remote_id, _DATA + _PART)
        try:
            size = os.path.getsize(part)
        except FileNotFoundError:
            # Finalized already: a job resumed after a crash right after
            # the rename re-runs this step, and must find it done.
            done = self.get_image(remote_id)
            if expected.size is not None and done.size != expected.size:
                raise self._error('%s holds %d bytes, expected %d'
                                  % (remote_id, done.size, expected.size))
            return done
        except OSError as exc:
            raise self._error(exc.strerror or str(exc))
        if expected.size is not None and size != expected.size:
            raise self._error('wrote %d bytes, expected %d'
                              % (size, expected.size))
        meta = {k: getattr(expected, k) for k in (
            'name', 'disk_format', 'container_format', 'checksum',
            'os_hash_algo', 'os_hash_value', 'properties')}
        meta['size'] = size
        meta['project_id'] = self.project_id
        try:
            self._write_sidecar(remote_id, meta)
            os.replace(part, self._file(remote_id, _DATA))
        except OSError as exc:
            raise self._error(exc.strerror or str(exc))
        return self.get_image(remote_id)

    def _write_sidecar(self, remote_id, meta):
        sidecar = self._file(remote_id, _META)
        with open(sidecar + _PART, 'w') as out:
            json.dump(meta, out, indent=2, sort_keys=True)
        os.replace(sidecar + _PART, sidecar)

    # Metadata: kept in the sidecar, as Glance would keep it.

    def _change_sidecar(self, remote_id, change):
        self.get_image(remote_id)  # there, and this project's
        meta = self._sidecar(remote_id)
        meta.setdefault('project_id', self.project_id)
        change(meta)
        try:
            self._write_sidecar(remote_id, meta)
        except OSError as exc:
            raise self._error(exc.strerror or str(exc))

    def update_metadata(self, remote_id, change):
        def apply(meta):
            properties = dict(meta.get('properties') or {})
            properties.update(change.set_properties)
            for key in change.unset_properties:
                properties.pop(key, None)
            meta['properties'] = properties
            for field in metadata.FIELDS:
                value = getattr(change, field)
                if value is not None:
                    meta[field] = value
        self._change_sidecar(remote_id, apply)

    def deprecate(self, remote_id, replacement=None, deprecate_at=None):
        def apply(meta):
            meta['deprecated'] = {
                'replacement': replacement,
                'deprecate_at': deprecate_at or timeutils.utcnow().replace(
                    microsecond=0).isoformat()}
        self._change_sidecar(remote_id, apply)

    def undeprecate(self, remote_id):
        self._change_sidecar(remote_id,
                             lambda meta: meta.pop('deprecated', None))

    def delete(self, remote_id):
        # Another project's image is not there for this one: deleting it
        # is a no-op, like deleting an image already gone.
        if os.path.exists(self._file(remote_id, _DATA)) and not self._owned(
                self._sidecar(remote_id)):
            return
        for suffix in (_DATA, _DATA + _PART, _META, _META + _PART):
            try:
                os.unlink(self._file(remote_id, suffix))
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise self._error(exc.strerror or str(exc))
