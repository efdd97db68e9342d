"""moto, made faithful where CIMinG's tests need it: a test fixture only.

moto 5's ``register_image`` drops the block device mappings, the
architecture, the boot mode and the tags it is given (it invents a
15 GiB ``/dev/sda1`` snapshot), ``copy_image`` copies no snapshot data,
and EBS snapshots report 512-byte blocks. :func:`apply` makes these
behave as AWS does, in this process; run this module (``python -m
tests.moto_fidelity -p PORT``) for a moto server that behaves the same.

Two test aids, off unless their environment variable is set:
``CIMING_MOTO_CALL_LOG`` names a file where every ``put_snapshot_block``
is written as a line ``<snapshot id> <block index>``;
``CIMING_MOTO_FAULTS`` names a directory where a file named after an
operation (``complete_snapshot``, ``register_image``) lists image ids
(``ciming-image-id`` tags) for which that operation fails.
"""

import os
import sys

from moto.core import exceptions as moto_exc
from moto.ebs import models as ebs_models
from moto.ec2 import exceptions as ec2_exc
from moto.ec2.models import amis as ami_models
from moto.ec2.responses import amis as ami_responses

ID_TAG = 'ciming-image-id'
BLOCK_SIZE = 512 * 1024
_applied = []


def _faulty(operation, tags):
    directory = os.environ.get('CIMING_MOTO_FAULTS')
    if not directory:
        return False
    try:
        with open(os.path.join(directory, operation)) as listing:
            doomed = listing.read().split()
    except FileNotFoundError:
        return False
    return tags.get(ID_TAG) in doomed


def _log_call(snapshot_id, index):
    path = os.environ.get('CIMING_MOTO_CALL_LOG')
    if path:
        with open(path, 'a') as log:
            log.write('%s %s\n' % (snapshot_id, index))


def _adopt_snapshot(backend, ami, snapshot, root, volume_size):
    """Make ``snapshot`` the AMI's root instead of moto's invented one."""
    backend.snapshots.pop(ami.ebs_snapshot.id, None)
    snapshot.from_ami = ami.id
    ami.ebs_snapshot = snapshot
    ami.root_device_name = root
    ami.root_device_type = 'ebs'
    ami._ciming_mappings = [{
        'DeviceName': root,
        'Ebs': {'SnapshotId': snapshot.id, 'VolumeSize': volume_size,
                'DeleteOnTermination': True, 'VolumeType': 'gp3'}}]


def _register_image(self):
    """EC2Response.register_image that keeps what it is given."""
    tags = self._parse_tag_specification('image').get('image', {})
    if _faulty('register_image', tags):
        raise ec2_exc.EC2ClientError('InternalError', 'injected fault')
    self.error_on_dryrun()
    ami = self.ec2_backend.register_image(self._get_param('Name'),
                                          self._get_param('Description', ''))
    root = self._get_param('RootDeviceName') or '/dev/sda1'
    for mapping in self._get_param('BlockDeviceMappings', []):
        snapshot_id = (mapping.get('Ebs') or {}).get('SnapshotId')
        if snapshot_id and mapping.get('DeviceName') == root:
            snapshot = self.ec2_backend.get_snapshot(snapshot_id)
            _adopt_snapshot(self.ec2_backend, ami, snapshot, root,
                            snapshot.volume.size)
    ami.architecture = self._get_param('Architecture') or 'x86_64'
    ami.virtualization_type = self._get_param('VirtualizationType') or 'hvm'
    ami.boot_mode = self._get_param('BootMode') or ami.boot_mode
    if tags:
        ami.add_tags(tags)
    return ami_responses.ActionResult({'ImageId': ami.id})


def _copy_image(original):
    def copy_image(self, source_image_id, source_region, name=None,
                   description=None):
        """AmiBackend.copy_image that copies the root snapshot's blocks."""
        from moto.ec2.models import ec2_backends
        ami = original(self, source_image_id, source_region, name,
                       description)
        source = ec2_backends[self.account_id][source_region].amis[
            source_image_id]
        if not getattr(source, '_ciming_mappings', None):
            return ami
        size = source._ciming_mappings[0]['Ebs']['VolumeSize']
        volume = self.create_volume(size=size,
                                    zone_name='%sa' % self.region_name)
        snapshot = self.create_snapshot(volume.id, 'Copied for %s' % ami.id)
        _adopt_snapshot(self, ami, snapshot, source.root_device_name, size)
        ami.boot_mode = source.boot_mode
        blocks_from = ebs_models.ebs_backends[self.account_id][
            source_region].snapshots.get(source.ebs_snapshot.id)
        target = ebs_models.ebs_backends[self.account_id][self.region_name]
        copied = ebs_models.EBSSnapshot(self.account_id, snapshot)
        copied.status = 'completed'
        for index, block in (blocks_from.blocks if blocks_from else {}
                             ).items():
            copied.blocks[index] = ebs_models.Block(
                block.block_data, block.checksum, block.checksum_algorithm,
                block.data_length)
        target.snapshots[snapshot.id] = copied
        return ami
    return copy_image


def _put_snapshot_block(original):
    def put_snapshot_block(self, snapshot_id, block_index, *args, **kwargs):
        _log_call(snapshot_id, block_index)
        return original(self, snapshot_id, block_index, *args, **kwargs)
    return put_snapshot_block


def _complete_snapshot(original):
    def complete_snapshot(self, snapshot_id, *args, **kwargs):
        snapshot = self.snapshots.get(snapshot_id)
        tags = {t['Key']: t['Value'] for t in (snapshot.tags if snapshot
                                               else ())}
        if _faulty('complete_snapshot', tags):
            raise moto_exc.JsonRESTError('InternalServerException',
                                         'injected fault')
        return original(self, snapshot_id, *args, **kwargs)
    return complete_snapshot


def _snapshot_init(original):
    def __init__(self, *args, **kwargs):
        """EBS snapshots report AWS's 512 KiB blocks (moto says 512 B)."""
        original(self, *args, **kwargs)
        self.block_size = BLOCK_SIZE
    return __init__


def apply():
    """Patch moto in this process (idempotent)."""
    if _applied:
        return
    _applied.append(True)
    ebs_models.EBSSnapshot.__init__ = _snapshot_init(
        ebs_models.EBSSnapshot.__init__)
    mappings = ami_models.Ami.block_device_mappings

    def block_device_mappings(ami):
        return (getattr(ami, '_ciming_mappings', None)
                or mappings.fget(ami))
    ami_models.Ami.block_device_mappings = property(block_device_mappings)
    ami_responses.AmisResponse.register_image = _register_image
    ami_models.AmiBackend.copy_image = _copy_image(
        ami_models.AmiBackend.copy_image)
    ebs_models.EBSBackend.put_snapshot_block = _put_snapshot_block(
        ebs_models.EBSBackend.put_snapshot_block)
    ebs_models.EBSBackend.complete_snapshot = _complete_snapshot(
        ebs_models.EBSBackend.complete_snapshot)


def main(argv=None):
    apply()
    from moto import server
    server.main(argv if argv is not None else sys.argv[1:])


if __name__ == '__main__':
    main()
