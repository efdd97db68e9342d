"""A moto server for the functional tests, made faithful by
tests.moto_fidelity, on a free port; one per test process.

It records every ``put_snapshot_block`` in a call log and fails the
operations the tests name (see tests.moto_fidelity).
"""

import atexit
import os
import shutil
import sys
import tempfile
import uuid

import boto3

from tests.functional import base

KEYS = {'aws_access_key_id': 'AKIAIOSFODNN7EXAMPLE',
        'aws_secret_access_key': 'canary-not-used-here'}
BLOCK = 512 * 1024
_SERVER = []
REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


class MotoServer:

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='ciming-moto-')
        self.port = base.free_port()
        self.call_log = os.path.join(self.dir, 'calls.log')
        self.faults = os.path.join(self.dir, 'faults')
        os.makedirs(self.faults)
        env = dict(os.environ, MOTO_EC2_LOAD_DEFAULT_AMIS='false',
                   CIMING_MOTO_CALL_LOG=self.call_log,
                   CIMING_MOTO_FAULTS=self.faults,
                   PYTHONPATH=REPO)
        self.process = base.Process(
            'moto', [sys.executable, '-m', 'tests.moto_fidelity',
                     '-H', '127.0.0.1', '-p', str(self.port)],
            os.path.join(self.dir, 'moto.log'), env=env).start()
        base.wait_for(lambda: base.port_open('127.0.0.1', self.port), 60,
                      what='the moto server')

    @property
    def endpoint(self):
        return 'http://127.0.0.1:%d' % self.port

    def client(self, service, region='us-east-1', **keys):
        return boto3.client(service, region_name=region,
                            endpoint_url=self.endpoint, **(keys or KEYS))

    def puts(self, snapshot_id):
        """Block indexes sent to a snapshot, in the order received."""
        try:
            with open(self.call_log) as log:
                return [int(line.split()[1]) for line in log
                        if line.split()[0] == snapshot_id]
        except FileNotFoundError:
            return []

    def all_puts(self):
        try:
            with open(self.call_log) as log:
                return len(log.readlines())
        except FileNotFoundError:
            return 0

    def fail(self, operation, image_id):
        """Make ``operation`` fail for ``image_id``, until the test ends."""
        path = os.path.join(self.faults, operation)
        with open(path, 'a') as listing:
            listing.write(image_id + '\n')

    def heal(self, operation):
        try:
            os.unlink(os.path.join(self.faults, operation))
        except FileNotFoundError:
            pass

    def stop(self):
        self.process.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def server():
    if not _SERVER:
        _SERVER.append(MotoServer())
        atexit.register(_SERVER[0].stop)
    return _SERVER[0]


def cloud_body(moto, region='us-east-1', name=None):
    return {'name': name or 'aws-%s-%s' % (region, uuid.uuid4().hex[:6]),
            'type': 'aws', 'region': region,
            'options': {'endpoint_url': moto.endpoint}}


def read_snapshot(moto, snapshot_id, size, region='us-east-1'):
    """The first ``size`` bytes of a snapshot, zeros where unwritten."""
    ebs = moto.client('ebs', region)
    blocks = {b['BlockIndex']: b['BlockToken'] for b in
              ebs.list_snapshot_blocks(SnapshotId=snapshot_id)['Blocks']}
    data = bytearray()
    for index in range(-(-size // BLOCK)):
        if index in blocks:
            data += ebs.get_snapshot_block(
                SnapshotId=snapshot_id, BlockIndex=index,
                BlockToken=blocks[index])['BlockData'].read()
        else:
            data += bytes(BLOCK)
    return bytes(data[:size])


def write_ami(moto, data, region='us-east-1', name=None):
    """An AMI made outside CIMinG (EBS direct APIs + register_image)."""
    import base64
    import hashlib
    ebs = moto.client('ebs', region)
    snapshot = ebs.start_snapshot(VolumeSize=1)['SnapshotId']
    for index in range(-(-len(data) // BLOCK)):
        block = data[index * BLOCK:(index + 1) * BLOCK]
        block += bytes(BLOCK - len(block))
        if block.count(0) == BLOCK:
            continue
        ebs.put_snapshot_block(
            SnapshotId=snapshot, BlockIndex=index, BlockData=block,
            DataLength=BLOCK, ChecksumAlgorithm='SHA256',
            Checksum=base64.b64encode(hashlib.sha256(block).digest()
                                      ).decode())
    ebs.complete_snapshot(SnapshotId=snapshot, ChangedBlocksCount=1)
    ec2 = moto.client('ec2', region)
    return ec2.register_image(
        Name=name or 'outside-%s' % uuid.uuid4().hex[:6],
        RootDeviceName='/dev/xvda', Architecture='x86_64',
        VirtualizationType='hvm', BlockDeviceMappings=[{
            'DeviceName': '/dev/xvda',
            'Ebs': {'SnapshotId': snapshot, 'VolumeSize': 1}}])['ImageId']
