"""Registering an AMI on a completed snapshot, and waiting for AWS."""

import time

from ciming.conf import CONF
from ciming.drivers import aws_ami
from ciming.drivers import base


class RegisterMixin:
    """The AMI half of the AWS driver's ``finalize_import``."""

    def _register(self, snapshot_id, snapshot, tags, expected):
        properties = {k: v for k, v in tags.items()
                      if not k.startswith('ciming-') and k != 'Name'}
        params = aws_ami.register_params(properties)
        params['RootDeviceName'] = tags.get(aws_ami.ROOT_TAG,
                                            params['RootDeviceName'])
        ami_tags = {k: v for k, v in tags.items() if k != aws_ami.ROOT_TAG}
        if expected.os_hash_value:
            ami_tags[aws_ami.SHA512_TAG] = expected.os_hash_value
        if expected.checksum:
            ami_tags[aws_ami.MD5_TAG] = expected.checksum
        image_id = tags[aws_ami.ID_TAG]
        registered = self._call(
            'register image', self._ec2().register_image,
            Name=aws_ami.ami_name(tags.get(aws_ami.NAME_TAG), image_id),
            Description='CIMinG image %s' % image_id,
            BlockDeviceMappings=[{
                'DeviceName': params['RootDeviceName'],
                'Ebs': {'SnapshotId': snapshot_id,
                        'VolumeSize': snapshot['VolumeSize'],
                        'DeleteOnTermination': True,
                        'VolumeType': 'gp3'}}],
            TagSpecifications=[{'ResourceType': 'image',
                                'Tags': aws_ami.tag_list(ami_tags)}],
            **params)
        return registered['ImageId']

    def _verified(self, ami, expected):
        image = aws_ami.normalize(ami)
        mismatch = base.data_mismatch(expected, image)
        if mismatch is not None:
            field, want, got = mismatch
            raise self._error('image %s has %s %s, expected %s'
                              % (image.remote_id, field, got, want))
        return image

    def _wait(self, what, check, timeout=None):
        timeout = timeout or CONF.aws.snapshot_timeout
        deadline = time.monotonic() + timeout
        while True:
            done = check()
            if done is not None:
                return done
            if time.monotonic() > deadline:
                raise self._error('%s did not end within %d s'
                                  % (what, timeout))
            time.sleep(CONF.aws.poll_interval)

    def _wait_completed(self, snapshot_id):
        def check():
            snapshot = self._snapshot(snapshot_id)
            if snapshot.get('State') == 'error':
                raise self._error('snapshot %s failed: %s' % (
                    snapshot_id, snapshot.get('StateMessage', '')))
            return snapshot if snapshot.get('State') == 'completed' else None
        return self._wait('snapshot %s' % snapshot_id, check)

    def _wait_available(self, ami_id):
        def check():
            ami = self._raw_image(ami_id)
            if ami.get('State') in ('failed', 'error', 'invalid'):
                reason = (ami.get('StateReason') or {}).get('Message', '')
                raise self._error('image %s failed: %s' % (ami_id, reason))
            return ami if ami.get('State') == 'available' else None
        return self._wait('image %s' % ami_id, check)
