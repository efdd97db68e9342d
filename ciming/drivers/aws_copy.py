"""Copies between regions of one AWS account, made by AWS itself.

``ec2:CopyImage`` copies an AMI and its snapshot to the driver's region
without the data passing through CIMinG; the copy is read back to check
it (see :meth:`CopyMixin.pull_import`).
"""

import hashlib

from oslo_log import log

from ciming.common import exception
from ciming.conf import CONF
from ciming.drivers import aws_ami
from ciming.drivers import aws_ebs

LOG = log.getLogger(__name__)


class CopyMixin:
    """``pull_import`` of the AWS driver."""

    def _same_account(self, source):
        return (isinstance(source, CopyMixin)
                and source.region != self.region
                and source.options.get('endpoint_url')
                == self.options.get('endpoint_url')
                and source.credentials == self.credentials)

    def pull_import(self, remote_id, source, source_remote_id):
        """Copy the source's AMI with ``copy_image``, read it back.

        The copy is verified by reading every block of its snapshot
        (each checked by its SHA-256) into the image's sha512, as the
        copy's tags cannot be trusted for data AWS wrote.
        """
        if not self._same_account(source):
            return False
        described = source.get_image(source_remote_id)
        if not described.size:
            return False
        snapshot = self._snapshot(remote_id)
        tags = aws_ami.tags_of(snapshot)
        image_id = tags[aws_ami.ID_TAG]
        copied = self._call(
            'copy image %s' % source_remote_id, self._ec2().copy_image,
            SourceImageId=source_remote_id, SourceRegion=source.region,
            Name=aws_ami.ami_name(tags.get(aws_ami.NAME_TAG), image_id),
            Description='CIMinG image %s' % image_id,
            ClientToken='ciming-%s' % remote_id)['ImageId']
        try:
            ami = self._wait_available(copied)
            copy_tags = {k: v for k, v in tags.items()
                         if k not in (aws_ami.ROOT_TAG, aws_ami.SIZE_TAG)}
            copy_tags[aws_ami.SIZE_TAG] = str(described.size)
            copy_tags[aws_ami.SHA512_TAG] = self._read_sha512(
                ami, described.size)
            if described.checksum:
                copy_tags[aws_ami.MD5_TAG] = described.checksum
            # finalize_import compares the sha512 read with the image's.
            self._tag([copied] + aws_ami.snapshots_of(ami), copy_tags)
        except exception.CimingException as exc:
            LOG.warning('Cloud %(cloud)s: copy_image of %(src)s failed: '
                        '%(error)s', {'cloud': self.name,
                                      'src': source_remote_id,
                                      'error': exc})
            self.delete(copied)
            return False
        LOG.info('Cloud %(cloud)s: %(src)s copied from %(region)s as '
                 '%(copy)s with copy_image', {
                     'cloud': self.name, 'src': source_remote_id,
                     'region': source.region, 'copy': copied})
        return True

    def _read_sha512(self, ami, size):
        digest = hashlib.sha512()
        with aws_ebs.SnapshotReader(self.account, aws_ami.root_snapshot(ami),
                                    size, CONF.aws.block_workers) as data:
            while True:
                chunk = data.read(CONF.transfer.chunk_size)
                if not chunk:
                    return digest.hexdigest()
                digest.update(chunk)

    def _tag(self, resources, tags):
        self._call('tag %s' % ', '.join(resources),
                   self._ec2().create_tags, Resources=resources,
                   Tags=aws_ami.tag_list(tags))
