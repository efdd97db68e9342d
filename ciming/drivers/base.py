"""The interface every cloud driver implements.

A driver speaks to one cloud record (a Glance region, an AWS account, a
local directory). It knows nothing of the API, the database or jobs: the
conductor's tasks call it with plain values and streams.
"""

import abc
import dataclasses


@dataclasses.dataclass(frozen=True)
class Capabilities:
    """What a kind of cloud can do, checked by the API before any job.

    Each optional operation of :class:`CloudDriver` has a flag here; a
    driver whose flag is False does not offer it.
    """

    can_export: bool
    can_import: bool
    # None means any disk format.
    disk_formats: tuple = None
    # True when the remote image carries CIMinG's unified id as its id.
    keeps_id: bool = False
    # find_by_hash(): active images with a given sha512 (de-duplication).
    can_find_by_hash: bool = False
    # pull_import(): the cloud copies an image from another one itself
    # (glance-download, EC2 copy_image), sparing the conductor the data.
    can_copy_server_side: bool = False
    # update_metadata(): properties, tags, visibility of a remote image.
    can_update_metadata: bool = False
    # deprecate(): mark a remote image as deprecated.
    can_deprecate: bool = False
    # Whether a given image can be exported depends on the image (a
    # Compute Engine image only while its tarball exists): see
    # RemoteImage.exportable.
    exports_per_image: bool = False
    # The cloud hashes the data it receives and reports its size, md5
    # checksum and sha512 os_hash_value, which finalize_import compares
    # with the image's: a copy is verified without CIMinG hashing it.
    verifies_received_data: bool = False
    # write_import() takes data whose size and hashes are not known yet:
    # a job copies an upload to it while the upload still arrives.
    accepts_unknown_size: bool = False

    def accepts(self, disk_format):
        return self.disk_formats is None or disk_format in self.disk_formats


@dataclasses.dataclass
class RemoteImage:
    """Normalized metadata of an image as one cloud reports it."""

    remote_id: str
    name: str = None
    disk_format: str = None
    container_format: str = None
    size: int = None
    checksum: str = None
    os_hash_algo: str = None
    os_hash_value: str = None
    status: str = None
    visibility: str = None
    properties: dict = dataclasses.field(default_factory=dict)
    # For clouds whose capabilities say exports_per_image: whether
    # open_export() can read this image; None elsewhere.
    exportable: bool = None
    tags: list = dataclasses.field(default_factory=list)
    protected: bool = None
    min_disk: int = None
    min_ram: int = None
    # Keys of ``properties`` read from the image's own fields, fixed when
    # it was made (an AMI's architecture, say), not metadata set on it:
    # copies are not compared on them (see ciming.common.metadata).
    fixed_properties: list = dataclasses.field(default_factory=list)

    def to_dict(self):
        found = dataclasses.asdict(self)
        if found['exportable'] is None:
            del found['exportable']  # the other clouds' shape is unchanged
        if not found['fixed_properties']:
            del found['fixed_properties']
        return found


@dataclasses.dataclass
class MetadataChange:
    """A change to a remote image's metadata (see update_metadata()).

    A field left None is not changed; ``tags`` replaces the whole list.
    """

    name: str = None
    set_properties: dict = dataclasses.field(default_factory=dict)
    unset_properties: list = dataclasses.field(default_factory=list)
    tags: list = None
    visibility: str = None
    protected: bool = None
    min_disk: int = None
    min_ram: int = None

    @classmethod
    def from_patch(cls, patch):
        """The change a merge patch describes (a None property: unset)."""
        properties = patch.get('properties') or {}
        return cls(
            name=patch.get('name'),
            set_properties={k: v for k, v in properties.items()
                            if v is not None},
            unset_properties=sorted(k for k, v in properties.items()
                                    if v is None),
            tags=patch.get('tags'), visibility=patch.get('visibility'),
            protected=patch.get('protected'),
            min_disk=patch.get('min_disk'), min_ram=patch.get('min_ram'))

    def is_empty(self):
        return self == MetadataChange()


# Compared strongest first: the first difference found is reported.
_DATA_FIELDS = ('os_hash_value', 'checksum', 'size')


def data_mismatch(expected, actual):
    """How two descriptions of an image's data disagree, or None.

    ``expected`` and ``actual`` are anything with ``size``, ``checksum``
    and ``os_hash_value`` (a RemoteImage, an image record); a field one
    of them does not know is not compared. Returns ``(field, expected
    value, actual value)`` of the first difference.
    """
    for field in _DATA_FIELDS:
        want, got = getattr(expected, field), getattr(actual, field)
        if want is not None and got is not None and want != got:
            return field, want, got
    return None


class CloudDriver(metaclass=abc.ABCMeta):
    """One cloud, seen through one user's (or the service's) authority.

    :param cloud: mapping with the cloud record's ``id``, ``name``,
        ``region``, ``options``, ``project_id`` (the project that defined
        it), ``shared``, and ``shared_identity``: True when every project
        reaches this cloud as one identity (a shared cloud's stored
        credentials), so that the driver must keep projects apart.
    :param credentials: in-memory credentials for this cloud, or None.
    :param project_id: the project the driver acts for. A cloud shared by
        several projects and reached with one identity for all (a local
        directory, a shared cloud's stored credentials) must show and
        touch only this project's images; None means the cloud's own
        project.
    """

    capabilities = Capabilities(can_export=False, can_import=False)
    # JSON schema of the credentials this kind of cloud takes (per request
    # or in Barbican); None when it takes none.
    credentials_schema = None

    def __init__(self, cloud, credentials=None, project_id=None):
        self.cloud = cloud
        self.credentials = credentials
        self.project_id = project_id or cloud.get('project_id')

    @property
    def name(self):
        return self.cloud['name']

    @classmethod
    def validate_options(cls, options):
        """Check a cloud record's options; raise Invalid when wrong.

        Called by the API before a cloud is stored, so it must not reach
        the cloud itself.
        """

    @classmethod
    def accepted_formats(cls, options):
        """Disk formats a cloud with these options takes (None: any).

        The conductor converts an image to raw for a cloud that takes
        raw but not the image's format (see
        :func:`ciming.common.image_format.delivery_format`).
        """
        return cls.capabilities.disk_formats

    @classmethod
    def confine_options(cls, options, project_id):
        """The options of a cloud a project (not an admin) defines.

        A kind of cloud whose options could reach another project's data
        (a local directory) confines them to the project; the default
        leaves them as they are.
        """
        return options

    @classmethod
    def overlaps(cls, options, other_options):
        """True when two clouds of this type would share their storage.

        Two records of one place would let a project reach, through its
        own record, what another project stored through its own.
        """
        return False

    @abc.abstractmethod
    def validate(self):
        """Reach the cloud and check the record and access work."""

    @abc.abstractmethod
    def list_images(self, filters=None):
        """Images in the cloud, as :class:`RemoteImage` objects."""

    @abc.abstractmethod
    def get_image(self, remote_id):
        """One image's :class:`RemoteImage`; RemoteImageNotFound if gone."""

    def open_export(self, remote_id, described=None):
        """A readable binary stream of the image data.

        ``described`` is the image's RemoteImage when the caller has just
        read it, so that the driver need not read it again.
        """
        raise NotImplementedError()

    def prepare_import(self, image_id, meta):
        """Create the remote record for image ``image_id``.

        Idempotent: when a record made for the same image exists (a
        resumed job), it is reused. Returns the remote id.
        """
        raise NotImplementedError()

    def write_import(self, remote_id, chunks):
        """Consume the iterable of byte chunks into the remote image."""
        raise NotImplementedError()

    def finalize_import(self, remote_id, expected):
        """Make the image usable and verify it against ``expected``.

        ``expected`` is a RemoteImage with size and hashes; raises
        DriverError on a mismatch. Returns the final RemoteImage.
        """
        raise NotImplementedError()

    @abc.abstractmethod
    def delete(self, remote_id):
        """Delete the remote image; no error if it is already gone."""

    # Optional operations, each offered when its capability says so.

    def find_by_hash(self, os_hash_value):
        """Active images whose sha512 is ``os_hash_value``.

        Offered when ``capabilities.can_find_by_hash``.
        """
        raise NotImplementedError()

    def pull_import(self, remote_id, source, source_remote_id):
        """Have the cloud copy the data of a source's image by itself.

        ``source`` is the driver of the cloud holding ``source_remote_id``.
        Returns True once ``remote_id`` holds the data (finalize_import
        still verifies it), False when this pair of clouds cannot do it or
        the copy failed and left ``remote_id`` ready for write_import: the
        caller then streams the data instead. Raises ServerSideCopyFailed
        when the copy went wrong after the cloud took it and ``remote_id``
        cannot receive data: the target fails. Only called when
        ``capabilities.can_copy_server_side`` is true.
        """
        return False

    def update_metadata(self, remote_id, change):
        """Apply a :class:`MetadataChange` to a remote image.

        What the cloud cannot hold (a Glance visibility it refuses, a tag
        AWS cannot name) raises DriverError naming it; what it has no
        notion of is left out, as the driver's documentation says.
        Offered when ``capabilities.can_update_metadata``.
        """
        raise NotImplementedError()

    def deprecate(self, remote_id, replacement=None, deprecate_at=None):
        """Hide a remote image from new use, naming its replacement.

        ``replacement`` is CIMinG's id of the image that replaces it (or
        None); ``deprecate_at`` an ISO 8601 time (None: now). Offered when
        ``capabilities.can_deprecate``.
        """
        raise NotImplementedError()

    def undeprecate(self, remote_id):
        """Undo deprecate(). Offered when ``capabilities.can_deprecate``."""
        raise NotImplementedError()
