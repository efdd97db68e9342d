"""How CIMinG's images look as Compute Engine images, and back.

- The name: Compute Engine wants ``[a-z]([-a-z0-9]*[a-z0-9])?``, at most
  63 characters. It is the image's name made to fit (30 characters at
  most) followed by its id without dashes, so it is unique and stable:
  a resumed job finds the image it made.
- Labels: ``ciming-image-id`` (the unified id), ``ciming-sha512`` (the
  first 63 hex digits of the raw data's sha512, to find copies by hash)
  and, on a cloud shared through one identity, ``ciming-project-id``.
- The description holds the raw data's size and hashes as JSON: Compute
  Engine keeps only the tarball's and the disk's sizes.
- Properties map to image fields (documented in the user guide):

  ==============================  =====================================
  property                        Compute Engine
  ==============================  =====================================
  ``hw_firmware_type=uefi``       guestOsFeatures ``UEFI_COMPATIBLE``
  ``os_type=windows``             guestOsFeatures ``WINDOWS``
  ``hw_scsi_model=virtio-scsi``   guestOsFeatures
                                  ``VIRTIO_SCSI_MULTIQUEUE``
  ``hw_vif_model=gve``            guestOsFeatures ``GVNIC``
  ``gce_guest_os_features``       more guestOsFeatures, comma-separated
  ``architecture=x86_64``         architecture ``X86_64``
  ``architecture=aarch64``        architecture ``ARM64``
  ``gce_licenses``                licenses (comma-separated URLs)
  ==============================  =====================================
"""

import json
import re

from ciming.drivers import base

ID_LABEL = 'ciming-image-id'
HASH_LABEL = 'ciming-sha512'
OWNER_LABEL = 'ciming-project-id'
LABEL_VALUE_MAX = 63
NAME_PREFIX_MAX = 30
DESCRIPTION_KEY = 'ciming'

# guestOsFeatures types of the compute v1 discovery document.
GUEST_OS_FEATURES = frozenset((
    'BARE_METAL_LINUX_COMPATIBLE', 'FEATURE_TYPE_UNSPECIFIED', 'GVNIC',
    'IDPF', 'MULTI_IP_SUBNET', 'SEV_CAPABLE', 'SEV_LIVE_MIGRATABLE',
    'SEV_LIVE_MIGRATABLE_V2', 'SEV_SNP_CAPABLE', 'TDX_CAPABLE',
    'UEFI_COMPATIBLE', 'VIRTIO_SCSI_MULTIQUEUE', 'WINDOWS'))
_FEATURE_OF = {
    ('hw_firmware_type', 'uefi'): 'UEFI_COMPATIBLE',
    ('os_type', 'windows'): 'WINDOWS',
    ('hw_scsi_model', 'virtio-scsi'): 'VIRTIO_SCSI_MULTIQUEUE',
    ('hw_vif_model', 'gve'): 'GVNIC',
}
_ARCHITECTURE_OF = {'x86_64': 'X86_64', 'amd64': 'X86_64',
                    'aarch64': 'ARM64', 'arm64': 'ARM64'}
_PROPERTY_OF_ARCHITECTURE = {'X86_64': 'x86_64', 'ARM64': 'aarch64'}
_STATUS = {'READY': 'active', 'PENDING': 'saving', 'FAILED': 'killed',
           'DELETING': 'deleted'}
_NOT_NAME = re.compile(r'[^a-z0-9]+')


def image_name(name, image_id):
    """A valid, stable Compute Engine name for image ``image_id``."""
    stem = _NOT_NAME.sub('-', (name or '').lower()).strip('-')
    stem = re.sub(r'^[^a-z]+', '', stem)[:NAME_PREFIX_MAX].rstrip('-')
    return '%s-%s' % (stem or 'ciming', image_id.replace('-', '').lower())


def label_value(value):
    """A value fit for a label: lowercase, limited, ``[a-z0-9_-]``."""
    return re.sub(r'[^a-z0-9_-]', '-', str(value).lower())[:LABEL_VALUE_MAX]


def _split(value):
    return [v.strip() for v in str(value).split(',') if v.strip()]


def image_body(name, bucket_url, expected, image_id, properties,
               storage_location=None, owner=None):
    """The body of ``images.insert`` for a staged tarball."""
    properties = properties or {}
    features = {f for (key, value), f in _FEATURE_OF.items()
                if str(properties.get(key, '')).lower() == value}
    features.update(f for f in _split(properties.get(
        'gce_guest_os_features', '')) if f in GUEST_OS_FEATURES)
    labels = {ID_LABEL: label_value(image_id)}
    if expected.os_hash_value:
        labels[HASH_LABEL] = label_value(expected.os_hash_value)
    if owner:
        labels[OWNER_LABEL] = label_value(owner)
    body = {
        'name': name,
        'rawDisk': {'source': bucket_url, 'containerType': 'TAR'},
        'labels': labels,
        'description': json.dumps({DESCRIPTION_KEY: {
            'name': expected.name, 'size': expected.size,
            'checksum': expected.checksum,
            'os_hash_algo': expected.os_hash_algo,
            'os_hash_value': expected.os_hash_value}}, sort_keys=True),
    }
    if features:
        body['guestOsFeatures'] = [{'type': f} for f in sorted(features)]
    architecture = _ARCHITECTURE_OF.get(str(properties.get(
        'architecture', '')).lower())
    if architecture:
        body['architecture'] = architecture
    licenses = _split(properties.get('gce_licenses', ''))
    if licenses:
        body['licenses'] = licenses
    if storage_location:
        body['storageLocations'] = [storage_location]
    return body


def _described(image):
    try:
        found = json.loads(image.get('description') or '{}')
    except ValueError:
        return {}
    found = found.get(DESCRIPTION_KEY) if isinstance(found, dict) else None
    return found if isinstance(found, dict) else {}


def renamed_description(image, name):
    """The description of ``image`` naming it ``name`` (images.patch)."""
    known = dict(_described(image), name=name)
    return json.dumps({DESCRIPTION_KEY: known}, sort_keys=True)


def normalize(image, exportable=None):
    """A Compute Engine image as a :class:`RemoteImage`."""
    known = _described(image)
    properties = {}
    features = sorted(f.get('type') for f in image.get('guestOsFeatures', [])
                      if isinstance(f, dict) and f.get('type'))
    if 'UEFI_COMPATIBLE' in features:
        properties['hw_firmware_type'] = 'uefi'
    if 'WINDOWS' in features:
        properties['os_type'] = 'windows'
    if features:
        properties['gce_guest_os_features'] = ','.join(features)
    # Labels set as properties (see gcp_metadata); CIMinG's own are not.
    labels = {k: v for k, v in (image.get('labels') or {}).items()
              if not k.startswith('ciming-')}
    fixed = set(properties) - set(labels)
    properties.update(labels)
    if image.get('architecture') in _PROPERTY_OF_ARCHITECTURE:
        properties['architecture'] = _PROPERTY_OF_ARCHITECTURE[
            image['architecture']]
        fixed.add('architecture')
    for field in ('archiveSizeBytes', 'diskSizeGb'):
        if image.get(field) is not None:
            key = 'gce_%s' % re.sub(r'([A-Z])', r'_\1', field).lower()
            properties[key] = str(image[field])
            fixed.add(key)

    def text(key):
        value = known.get(key)
        return value if isinstance(value, str) else None

    size = known.get('size')
    return base.RemoteImage(
        remote_id=image['name'], name=text('name') or image['name'],
        disk_format='raw', container_format='bare',
        size=size if isinstance(size, int) else None,
        checksum=text('checksum'), os_hash_algo=text('os_hash_algo'),
        os_hash_value=text('os_hash_value'),
        status=_STATUS.get(image.get('status'), 'unknown'),
        visibility='private', properties=properties, exportable=exportable,
        tags=None,  # Compute Engine images have no tags
        fixed_properties=sorted(fixed))


def staged_object(image):
    """``(bucket, object)`` of the tarball an image was made from, or None."""
    source = (image.get('rawDisk') or {}).get('source') or ''
    for prefix in ('https://storage.googleapis.com/', 'gs://',
                   'https://storage.cloud.google.com/'):
        if source.startswith(prefix):
            bucket, _, name = source[len(prefix):].partition('/')
            if bucket and name:
                return bucket, name
    return None
