"""Amazon Web Services: images as AMIs, their data in EBS snapshots.

A cloud record of type ``aws`` is one account in one region
(``region``); ``options.endpoint_url`` points at an AWS-compatible
endpoint instead of AWS's own. Credentials come with the request or from
Barbican (see :mod:`ciming.drivers.aws_session`).

Import writes the raw data as blocks of a new snapshot through the EBS
direct APIs, then registers an AMI on it (:mod:`ciming.drivers.aws_ebs`,
:mod:`ciming.drivers.aws_ami`), or goes through S3 and VM Import
(:mod:`ciming.drivers.aws_vmimport`); export reads the root snapshot's
blocks back. Between two regions of one account, ``copy_image`` copies
an AMI inside AWS, verified by reading it back. Metadata and
deprecation: :mod:`ciming.drivers.aws_metadata`.

The remote id is the snapshot's while the data goes in (``snap-…``),
then the AMI's (``ami-…``). Both carry the tag ``ciming-image-id``: a
resumed job finds what it made, a new one clears what a failed one left.
"""

import re
from urllib import parse

from botocore import exceptions as botocore_exc
from oslo_log import log

from ciming.common import exception
from ciming.conf import CONF
from ciming.drivers import aws_ami
from ciming.drivers import aws_copy
from ciming.drivers import aws_ebs
from ciming.drivers import aws_metadata
from ciming.drivers import aws_register
from ciming.drivers import aws_session
from ciming.drivers import aws_vmimport
from ciming.drivers import base

LOG = log.getLogger(__name__)

OPTIONS = ('endpoint_url',) + aws_vmimport.OPTIONS
_AMI_ID = re.compile(r'^ami-[0-9a-f]{8,17}\Z')
_SNAPSHOT_ID = re.compile(r'^snap-[0-9a-f]{8,17}\Z')
_REGION = re.compile(r'^[a-z]{2}(-[a-z0-9]+){1,3}-[0-9]{1,2}\Z')
_NOT_FOUND = ('InvalidAMIID.NotFound', 'InvalidAMIID.Malformed',
              'InvalidAMIID.Unavailable')
_SNAPSHOT_GONE = ('InvalidSnapshot.NotFound', 'InvalidSnapshotID.Malformed',
                  'ResourceNotFoundException')


def _is_http_url(value):
    if not isinstance(value, str) or '\0' in value:
        return False
    parsed = parse.urlsplit(value)
    return parsed.scheme in ('http', 'https') and bool(parsed.netloc)


class AwsDriver(aws_copy.CopyMixin, aws_register.RegisterMixin,
                aws_vmimport.VmImportMixin, aws_metadata.AwsMetadataMixin,
                base.CloudDriver):
    """AMIs of one AWS account and region, seen with one identity."""

    capabilities = base.Capabilities(
        can_export=True, can_import=True, disk_formats=('raw',),
        can_find_by_hash=True, can_copy_server_side=True,
        can_update_metadata=True, can_deprecate=True)
    credentials_schema = aws_session.CREDENTIALS_SCHEMA

    @classmethod
    def validate_options(cls, options):
        unknown = ', '.join(sorted(set(options) - set(OPTIONS)))
        if unknown:
            raise exception.InvalidParameterValue(
                err='Unknown options for an aws cloud: %s.' % unknown)
        endpoint = options.get('endpoint_url')
        if endpoint is not None and not _is_http_url(endpoint):
            raise exception.InvalidParameterValue(
                err='endpoint_url must be an http(s) URL.')
        aws_vmimport.check_options(options)

    accepted_formats = staticmethod(aws_vmimport.accepted_formats)

    def __init__(self, cloud, credentials=None, project_id=None):
        super().__init__(cloud, credentials=credentials,
                         project_id=project_id)
        self.region = cloud.get('region')
        self.options = cloud.get('options') or {}
        self._account = None

    @property
    def account(self):
        if self._account is None:
            if not isinstance(self.region, str) or not _REGION.match(
                    self.region):
                raise exception.InvalidParameterValue(
                    err='An aws cloud needs a region such as us-east-1.')
            self._account = aws_session.Account(
                self.name, self.region, self.credentials,
                self.options.get('endpoint_url'))
        return self._account

    def _ec2(self):
        return self.account.client('ec2')

    def _call(self, what, func, *args, **kwargs):
        return self.account.call(what, func, *args, **kwargs)

    def _error(self, reason):
        return exception.DriverError(cloud=self.name, reason=reason)

    def _not_found(self, remote_id):
        return exception.RemoteImageNotFound(remote_id=remote_id,
                                             cloud=self.name)

    # Projects on a cloud shared through one identity

    @property
    def _one_identity(self):
        return bool(self.cloud.get('shared_identity'))

    def _owned(self, ami):
        return aws_ami.tags_of(ami).get(aws_ami.OWNER_TAG) == self.project_id

    def _visible(self, ami):
        return (not self._one_identity or self._owned(ami)
                or bool(ami.get('Public')))

    # Reading

    def validate(self):
        sts = self.account.client('sts')
        self._call('read the caller identity', sts.get_caller_identity)
        self._call('list images', self._ec2().describe_images,
                   Owners=['self'], MaxResults=5)

    def _describe(self, filters=(), **kwargs):
        """Every AMI of the account matching ``filters`` (all pages)."""
        paginator = self._ec2().get_paginator('describe_images')
        pages = paginator.paginate(
            Owners=['self'], Filters=list(filters),
            PaginationConfig={'PageSize': CONF.aws.page_size}, **kwargs)
        images = []
        for page in self._call('list images', list, pages):
            images.extend(page.get('Images') or ())
        return [i for i in images if self._visible(i)]

    def list_images(self, filters=None):
        filters = dict(filters or {})
        server = []
        if filters.get('os_hash_value'):
            server.append({'Name': 'tag:' + aws_ami.SHA512_TAG,
                           'Values': [filters['os_hash_value']]})
        images = [aws_ami.normalize(i) for i in self._describe(server)]
        return [i for i in images
                if all(getattr(i, k, None) == v for k, v in filters.items())]

    def _raw_image(self, remote_id):
        if not isinstance(remote_id, str) or not _AMI_ID.match(remote_id):
            raise self._not_found(remote_id)
        try:
            found = self._call('get image %s' % remote_id,
                               self._ec2().describe_images,
                               ImageIds=[remote_id], passthrough=_NOT_FOUND)
        except botocore_exc.ClientError:
            found = {}
        images = [i for i in found.get('Images') or ()
                  if i.get('State') != 'deregistered' and self._visible(i)]
        if not images:
            raise self._not_found(remote_id)
        return images[0]

    def get_image(self, remote_id):
        return aws_ami.normalize(self._raw_image(remote_id))

    def open_export(self, remote_id, described=None):
        ami = self._raw_image(remote_id)
        image = aws_ami.normalize(ami)
        if image.status != 'active':
            raise self._error('image %s is %s' % (remote_id, image.status))
        snapshot_id = aws_ami.root_snapshot(ami)
        if snapshot_id is None:
            raise self._error('image %s has no EBS snapshot' % remote_id)
        size = described.size if described and described.size else image.size
        volume = self._snapshot(snapshot_id)['VolumeSize'] * aws_ebs.GiB
        if not size or size > volume:
            raise self._error('image %s: %s bytes in a snapshot of %d'
                              % (remote_id, size, volume))
        return aws_ebs.SnapshotReader(self.account, snapshot_id, size,
                                      CONF.aws.block_workers)

    def _snapshot(self, snapshot_id, missing_ok=False):
        try:
            found = self._call('get snapshot %s' % snapshot_id,
                               self._ec2().describe_snapshots,
                               SnapshotIds=[snapshot_id],
                               passthrough=_SNAPSHOT_GONE)
        except botocore_exc.ClientError:
            found = {}
        snapshots = found.get('Snapshots') or ()
        if not snapshots:
            if missing_ok:
                return None
            raise self._error('snapshot %s is gone' % snapshot_id)
        return snapshots[0]

    # Writing

    def find_by_hash(self, os_hash_value):
        """Available AMIs tagged with this sha512 (de-duplication)."""
        return self.list_images({'os_hash_value': os_hash_value,
                                 'status': 'active'})

    def _ours(self, image_id):
        """AMIs and snapshots this cloud holds for our image id."""
        tag = [{'Name': 'tag:' + aws_ami.ID_TAG, 'Values': [image_id]}]
        amis = [a for a in self._describe(tag) if not self._one_identity
                or self._owned(a)]
        snapshots = self._call(
            'find snapshots', self._ec2().describe_snapshots,
            OwnerIds=['self'], Filters=tag).get('Snapshots') or ()
        if self._one_identity:
            snapshots = [s for s in snapshots
                         if aws_ami.tags_of(s).get(aws_ami.OWNER_TAG)
                         == self.project_id]
        return amis, [s['SnapshotId'] for s in snapshots]

    def prepare_import(self, image_id, meta):
        """Start the snapshot the data goes to (after clearing leftovers).

        The snapshot's tags carry what finalize_import needs to register
        the AMI, so that a resumed job can do it in another conductor.
        """
        try:
            register = aws_ami.register_params(meta.properties or {})
            method = aws_vmimport.choose(self.options, meta)
        except (aws_ami.MappingError, ValueError) as exc:
            raise self._error(str(exc))
        if not meta.size and method == aws_vmimport.EBS_DIRECT:
            raise self._error('an AMI needs the image size up front')
        amis, snapshots = self._ours(image_id)
        for ami in amis:
            self.delete(ami['ImageId'])
        for snapshot_id in snapshots:
            self._delete_snapshot(snapshot_id)
        tags = dict(aws_ami.carried_tags(meta.properties or {}))
        if method == aws_vmimport.VM_IMPORT:
            return self._vm_prepare(image_id, meta, register, tags)
        tags.update({aws_ami.ID_TAG: image_id,
                     aws_ami.NAME_TAG: meta.name or image_id,
                     aws_ami.ROOT_TAG: register['RootDeviceName']})
        if self._one_identity:
            tags[aws_ami.OWNER_TAG] = self.project_id
        ebs = self.account.client('ebs')
        started = self._call(
            'start a snapshot', ebs.start_snapshot,
            VolumeSize=aws_ebs.volume_size_gib(meta.size),
            Description='CIMinG image %s' % image_id,
            Tags=aws_ami.tag_list(tags),
            Timeout=max(10, min(4320, CONF.aws.snapshot_timeout // 60)))
        return started['SnapshotId']

    def write_import(self, remote_id, chunks):
        if aws_vmimport.is_remote_id(remote_id):
            self._vm_write(remote_id, chunks)
            return
        if not _SNAPSHOT_ID.match(remote_id or ''):
            raise self._error('%s is not a snapshot in the making'
                              % remote_id)
        snapshot = self._snapshot(remote_id)
        writer = aws_ebs.SnapshotWriter(self.account, remote_id,
                                        snapshot['VolumeSize'],
                                        CONF.aws.block_workers)
        written = writer.write(chunks)
        LOG.info('Cloud %(cloud)s: %(blocks)d blocks of data sent to '
                 'snapshot %(snap)s for %(size)d bytes',
                 {'cloud': self.name, 'blocks': written.blocks_sent,
                  'snap': remote_id, 'size': written.size})
        self._call('tag snapshot %s' % remote_id,
                   self._ec2().create_tags, Resources=[remote_id],
                   Tags=aws_ami.tag_list({aws_ami.SIZE_TAG: written.size}))
        writer.complete(written)

    def finalize_import(self, remote_id, expected):
        """Register the AMI on the completed snapshot; verify it.

        An AMI already made for the image (by a server-side copy, or
        before a crash) is the result instead, and the snapshot it made
        unneeded is deleted. A failure leaves neither.
        """
        if _AMI_ID.match(remote_id or ''):
            return self._verified(self._raw_image(remote_id), expected)
        if aws_vmimport.is_remote_id(remote_id):
            return self._vm_finalize(remote_id, expected)
        snapshot = self._snapshot(remote_id)
        tags = aws_ami.tags_of(snapshot)
        image_id = tags.get(aws_ami.ID_TAG)
        amis, _snapshots = self._ours(image_id)
        made = [a for a in amis if a.get('State') != 'failed']
        if made:
            self._delete_snapshot(remote_id)
            return self._verified(self._wait_available(made[0]['ImageId']),
                                  expected)
        snapshot = self._wait_completed(remote_id)
        size = tags.get(aws_ami.SIZE_TAG)
        if expected.size is not None and str(expected.size) != size:
            raise self._error('snapshot %s holds %s bytes, expected %d'
                              % (remote_id, size, expected.size))
        ami_id = self._register(remote_id, snapshot, tags, expected)
        try:
            return self._verified(self._wait_available(ami_id), expected)
        except Exception:
            self.delete(ami_id)
            raise

    # Deleting

    def _delete_snapshot(self, snapshot_id):
        try:
            self._call('delete snapshot %s' % snapshot_id,
                       self._ec2().delete_snapshot, SnapshotId=snapshot_id,
                       passthrough=_SNAPSHOT_GONE)
        except botocore_exc.ClientError:
            pass

    def delete(self, remote_id):
        """Deregister an AMI and its snapshots (or a snapshot, an import)."""
        if aws_vmimport.is_remote_id(remote_id):
            self._vm_delete(remote_id)
            return
        if _SNAPSHOT_ID.match(remote_id or ''):
            snapshot = self._snapshot(remote_id, missing_ok=True)
            if snapshot is None or (
                    self._one_identity and aws_ami.tags_of(snapshot).get(
                        aws_ami.OWNER_TAG) != self.project_id):
                return
            self._delete_snapshot(remote_id)
            return
        try:
            ami = self._raw_image(remote_id)
        except exception.RemoteImageNotFound:
            return
        if self._one_identity and not self._owned(ami):
            return  # another project's, even one AWS shows to all
        try:
            self._call('deregister image %s' % remote_id,
                       self._ec2().deregister_image, ImageId=remote_id,
                       passthrough=_NOT_FOUND)
        except botocore_exc.ClientError:
            pass
        for snapshot_id in aws_ami.snapshots_of(ami):
            self._delete_snapshot(snapshot_id)
