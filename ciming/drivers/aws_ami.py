"""AMIs seen as CIMinG images: Glance properties in, RemoteImage out.

An AMI made by CIMinG carries tags: ``ciming-image-id`` (the unified id,
how a copy is found again), ``Name``, ``ciming-size`` and the image's
hashes (the snapshot is rounded up to whole GiB, the image is not), and
``ciming-project-id`` on a cloud shared through one identity. Carried
Glance properties (``[glance] carried_properties``) become tags of the
same name, and come back as properties when the AMI is read.

How Glance properties map to ``register_image`` (documented in
doc/source/user/aws.rst):

==========================  ==========================================
Glance property             register_image
==========================  ==========================================
``hw_architecture``         ``Architecture``: x86_64, aarch64 → arm64,
                            i686/i386 → i386; else ``architecture``,
                            else x86_64
``hw_firmware_type``        ``BootMode``: uefi, bios → legacy-bios;
                            AWS's default when absent
``hw_tpm_version`` 2.0      ``TpmSupport`` v2.0 (UEFI only)
``aws_ena_support``         ``EnaSupport``; true unless ``false``
``aws_imds_support``        ``ImdsSupport``: v2.0 (IMDSv2 only) unless
                            ``optional``
``aws_root_device_name``    ``RootDeviceName``; /dev/xvda when absent
``os_distro`` and others    tags of the same name
==========================  ==========================================
"""

import fnmatch
import json
import re

from ciming.conf import CONF
from ciming.drivers import base

ID_TAG = 'ciming-image-id'
OWNER_TAG = 'ciming-project-id'
SIZE_TAG = 'ciming-size'
SHA512_TAG = 'ciming-sha512'
MD5_TAG = 'ciming-md5'
# On an AMI VM Import made: the format AWS converted (its own raw data).
IMPORT_FORMAT_TAG = 'ciming-import-format'
NAME_TAG = 'Name'
# On the snapshot only, until the AMI is registered.
ROOT_TAG = 'ciming-root-device'
# The image's tags (a JSON list) and its replacement once deprecated (see
# :mod:`ciming.drivers.aws_metadata`).
TAGS_TAG = 'ciming-tags'
REPLACEMENT_TAG = 'ciming-replacement'
_OURS = (ID_TAG, OWNER_TAG, SIZE_TAG, SHA512_TAG, MD5_TAG, NAME_TAG,
         ROOT_TAG, TAGS_TAG, REPLACEMENT_TAG)
RESERVED = frozenset(_OURS)

_ARCHITECTURES = {'x86_64': 'x86_64', 'amd64': 'x86_64',
                  'aarch64': 'arm64', 'arm64': 'arm64',
                  'i686': 'i386', 'i386': 'i386'}
_BACK_ARCHITECTURES = {'x86_64': 'x86_64', 'arm64': 'aarch64',
                       'i386': 'i686', 'x86_64_mac': 'x86_64',
                       'arm64_mac': 'aarch64'}
_BOOT_MODES = {'uefi': 'uefi', 'bios': 'legacy-bios'}
_BACK_BOOT_MODES = {'uefi': 'uefi', 'legacy-bios': 'bios',
                    'uefi-preferred': 'uefi'}
_STATES = {'available': 'active', 'pending': 'saving',
           'failed': 'killed', 'error': 'killed', 'invalid': 'killed',
           'deregistered': 'deleted', 'disabled': 'deactivated',
           'transient': 'saving'}
DEFAULT_ROOT_DEVICE = '/dev/xvda'
TAG_KEY = re.compile(r'^[\w .:+=@/-]{1,128}\Z')
_MAX_TAGS = 50
_NOT_NAME = re.compile(r'[^A-Za-z0-9()\[\] ./\'@_-]')


class MappingError(ValueError):
    """An image property that AWS cannot take as it is."""


def ami_name(name, image_id):
    """A name AWS accepts, unique per image (AMI names are per region)."""
    cleaned = _NOT_NAME.sub('-', name or '')[:88].strip() or 'image'
    return '%s-%s' % (cleaned, image_id)


def register_params(properties):
    """``register_image`` arguments for an image's Glance properties."""
    arch = properties.get('hw_architecture') or properties.get(
        'architecture') or 'x86_64'
    if arch not in _ARCHITECTURES:
        raise MappingError('AWS has no architecture %s' % arch)
    params = {'Architecture': _ARCHITECTURES[arch],
              'VirtualizationType': 'hvm',
              'RootDeviceName': properties.get('aws_root_device_name')
              or DEFAULT_ROOT_DEVICE,
              'EnaSupport': str(properties.get(
                  'aws_ena_support', 'true')).lower() != 'false'}
    firmware = properties.get('hw_firmware_type')
    if firmware is not None:
        if firmware not in _BOOT_MODES:
            raise MappingError('AWS has no boot mode for firmware %s'
                               % firmware)
        params['BootMode'] = _BOOT_MODES[firmware]
    if properties.get('aws_imds_support', 'v2.0') != 'optional':
        params['ImdsSupport'] = 'v2.0'
    if str(properties.get('hw_tpm_version')) == '2.0':
        if params.get('BootMode') != 'uefi':
            raise MappingError('a TPM needs hw_firmware_type uefi')
        params['TpmSupport'] = 'v2.0'
    return params


def carried_tags(properties):
    """The carried properties an AMI keeps as tags (AWS allows 50)."""
    patterns = CONF.glance.carried_properties
    tags = {}
    for key in sorted(properties):
        value = properties[key]
        if (key in _OURS or key.startswith('aws:')
                or not isinstance(value, str) or len(value) > 256
                or not TAG_KEY.match(key)):
            continue
        if any(fnmatch.fnmatchcase(key, p) for p in patterns):
            tags[key] = value
    return dict(list(tags.items())[:_MAX_TAGS - len(_OURS)])


def tag_list(tags):
    return [{'Key': k, 'Value': str(v)} for k, v in tags.items()]


def tags_of(resource):
    return {t['Key']: t['Value'] for t in resource.get('Tags') or ()}


def image_tags(ami):
    """The image's tags, kept as JSON in the ``ciming-tags`` tag."""
    try:
        found = json.loads(tags_of(ami).get(TAGS_TAG) or '[]')
    except ValueError:
        return []
    if not isinstance(found, list):
        return []
    return [t for t in found if isinstance(t, str)]


def root_snapshot(ami):
    """The snapshot id of an AMI's root device, or None."""
    root = ami.get('RootDeviceName')
    mappings = ami.get('BlockDeviceMappings') or ()
    for mapping in mappings:
        if mapping.get('DeviceName') == root and 'Ebs' in mapping:
            return mapping['Ebs'].get('SnapshotId')
    for mapping in mappings:
        if 'Ebs' in mapping:
            return mapping['Ebs'].get('SnapshotId')
    return None


def snapshots_of(ami):
    return [m['Ebs']['SnapshotId']
            for m in ami.get('BlockDeviceMappings') or ()
            if m.get('Ebs', {}).get('SnapshotId')]


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _protected(value):
    # 'disabled', 'enabled-with-cooldown', ...; None when not reported.
    return value.startswith('enabled') if isinstance(value, str) else None


def normalize(ami):
    """The RemoteImage of a ``describe_images`` entry."""
    tags = tags_of(ami)
    size = _int(tags.get(SIZE_TAG))
    # VM Import's AMI holds AWS's conversion: its volume's size says
    # nothing about the uploaded data, which a refresh compares.
    if size is None and IMPORT_FORMAT_TAG not in tags:
        root = ami.get('RootDeviceName')
        for mapping in ami.get('BlockDeviceMappings') or ():
            volume = mapping.get('Ebs', {}).get('VolumeSize')
            if volume and mapping.get('DeviceName') == root:
                size = volume * 1024 ** 3
    properties = {k: v for k, v in tags.items() if k not in _OURS}
    tagged = set(properties)
    if ami.get('Architecture') in _BACK_ARCHITECTURES:
        properties['hw_architecture'] = _BACK_ARCHITECTURES[
            ami['Architecture']]
    if ami.get('BootMode') in _BACK_BOOT_MODES:
        properties['hw_firmware_type'] = _BACK_BOOT_MODES[ami['BootMode']]
    if ami.get('RootDeviceName'):
        properties['aws_root_device_name'] = ami['RootDeviceName']
    if 'EnaSupport' in ami:
        properties['aws_ena_support'] = str(bool(ami['EnaSupport'])).lower()
    return base.RemoteImage(
        remote_id=ami['ImageId'],
        name=tags.get(NAME_TAG) or ami.get('Name'),
        disk_format='raw', container_format='bare', size=size,
        checksum=tags.get(MD5_TAG),
        os_hash_algo='sha512' if tags.get(SHA512_TAG) else None,
        os_hash_value=tags.get(SHA512_TAG),
        status=_STATES.get(ami.get('State'), ami.get('State')),
        visibility='public' if ami.get('Public') else 'private',
        properties=properties, tags=image_tags(ami),
        protected=_protected(ami.get('DeregistrationProtection')),
        fixed_properties=sorted(set(properties) - tagged))
