"""The AWS driver against moto in this process (made faithful by
tests.moto_fidelity): AMIs on EBS snapshots, both ways."""

import hashlib
import os
from unittest import mock

from botocore import exceptions as botocore_exc
import moto

from ciming.common import exception
from ciming.conf import CONF
from ciming.drivers import aws
from ciming.drivers import aws_ami
from ciming.drivers import aws_ebs
from ciming.drivers import base as driver_base
from ciming.drivers import factory
from tests import moto_fidelity
from tests.unit import base

BLOCK = aws_ebs.BLOCK_SIZE
KEYS = {'aws_access_key_id': 'AKIAIOSFODNN7EXAMPLE',
        'aws_secret_access_key': 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'}


def read_all(stream, size=300000):
    data = bytearray()
    with stream:
        while True:
            chunk = stream.read(size)
            if not chunk:
                return bytes(data)
            data += chunk


class AwsDriverTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        moto_fidelity.apply()
        self.useFixture(_Env('MOTO_EC2_LOAD_DEFAULT_AMIS', 'false'))
        self.mock = moto.mock_aws()
        self.mock.start()
        self.addCleanup(self.mock.stop)
        CONF.set_override('poll_interval', 0.05, group='aws')
        CONF.set_override('block_workers', 3, group='aws')
        self.driver = self.make_driver('aws-east', 'us-east-1')
        # Blocks of data, zeros, and a short last block.
        self.data = (os.urandom(BLOCK) + bytes(3 * BLOCK)
                     + os.urandom(BLOCK) + os.urandom(1000))

    def make_driver(self, name, region, credentials=KEYS, **cloud):
        record = dict({'id': name, 'name': name, 'type': 'aws',
                       'region': region, 'options': {},
                       'project_id': 'p1'}, **cloud)
        return factory.build(record, credentials=credentials,
                             project_id=cloud.get('project_id', 'p1'))

    def expected(self, data=None, **fields):
        data = self.data if data is None else data
        return driver_base.RemoteImage(
            remote_id='img-1', name='debian', size=len(data),
            checksum=hashlib.md5(data).hexdigest(), os_hash_algo='sha512',
            os_hash_value=hashlib.sha512(data).hexdigest(), **fields)

    def upload(self, driver=None, image_id='img-1', data=None,
               properties=None, chunk=100000):
        driver = driver or self.driver
        data = self.data if data is None else data
        meta = self.expected(data, properties=properties or {
            'hw_architecture': 'aarch64', 'hw_firmware_type': 'uefi',
            'os_distro': 'debian', 'not_carried': 'x'})
        snapshot_id = driver.prepare_import(image_id, meta)
        driver.write_import(snapshot_id, (
            data[i:i + chunk] for i in range(0, len(data), chunk)))
        return snapshot_id, driver.finalize_import(snapshot_id,
                                                   self.expected(data))

    def ec2(self, region='us-east-1'):
        import boto3
        return boto3.client('ec2', region_name=region, **KEYS)

    def snapshots(self, region='us-east-1'):
        return self.ec2(region).describe_snapshots(
            OwnerIds=['self'])['Snapshots']

    # Loading and options

    def test_is_loaded_through_stevedore(self):
        self.assertIsInstance(self.driver, aws.AwsDriver)
        self.assertIn('aws', factory.cloud_types())

    def test_options_are_checked(self):
        aws.AwsDriver.validate_options({})
        aws.AwsDriver.validate_options(
            {'endpoint_url': 'http://127.0.0.1:5000'})
        for bad in ({'endpoint_url': 'file:///etc'}, {'endpoint_url': 3},
                    {'endpoint_url': 'http://x\0'}, {'path': 'x'}):
            self.assertRaises(exception.InvalidParameterValue,
                              aws.AwsDriver.validate_options, bad)

    def test_credentials_schema_takes_keys_and_a_role(self):
        factory.check_credentials('aws', 'a', KEYS)
        factory.check_credentials('aws', 'a', dict(
            KEYS, aws_session_token='tok',
            role_arn='arn:aws:iam::123456789012:role/ciming',
            external_id='ext-1', role_session_name='me'))
        for bad in ({}, {'aws_access_key_id': 'AKIAIOSFODNN7EXAMPLE'},
                    dict(KEYS, external_id='x1'),
                    dict(KEYS, role_arn='arn:aws:iam::1:role/x'),
                    dict(KEYS, role_arn='arn:aws:iam::123456789012:role/'
                         'x\n'),
                    dict(KEYS, aws_secret_access_key='a\0b'),
                    dict(KEYS, aws_access_key_id=['x']),
                    dict(KEYS, other='x')):
            error = self.assertRaises(exception.InvalidCredentials,
                                      factory.check_credentials, 'aws', 'a',
                                      bad)
            for value in bad.values():
                self.assertNotIn(str(value), str(error))

    def test_a_cloud_without_a_region_is_refused(self):
        driver = self.make_driver('aws-x', None)
        self.assertRaises(exception.InvalidParameterValue, driver.validate)

    def test_no_credentials_no_ambient_ones(self):
        self.useFixture(_Env('AWS_ACCESS_KEY_ID', 'AKIAIOSFODNN7EXAMPLE'))
        self.useFixture(_Env('AWS_SECRET_ACCESS_KEY', 'x'))
        driver = self.make_driver('aws-x', 'us-east-1', credentials=None)
        self.assertRaises(exception.CredentialsRequired, driver.validate)

    def test_validate_reaches_sts_and_ec2(self):
        self.driver.validate()

    def test_refused_credentials_are_an_auth_failure(self):
        refusal = botocore_exc.ClientError(
            {'Error': {'Code': 'InvalidClientTokenId',
                       'Message': 'The security token is invalid'}},
            'GetCallerIdentity')
        sts = mock.Mock(get_caller_identity=mock.Mock(side_effect=refusal))
        with mock.patch.object(self.driver.account, 'client',
                               return_value=sts):
            error = self.assertRaises(exception.CloudAuthFailed,
                                      self.driver.validate)
        self.assertNotIn(KEYS['aws_secret_access_key'], str(error))

    def test_assume_role_works_with_the_role_credentials(self):
        driver = self.make_driver('aws-role', 'us-east-1', credentials=dict(
            KEYS, role_arn='arn:aws:iam::123456789012:role/ciming',
            external_id='ext-1'))
        driver.validate()
        identity = driver.account.client('sts').get_caller_identity()
        self.assertIn('assumed-role/ciming', identity['Arn'])

    # Import

    def test_upload_makes_a_tagged_ami_on_the_snapshot(self):
        snapshot_id, image = self.upload()
        self.assertTrue(image.remote_id.startswith('ami-'))
        self.assertEqual(len(self.data), image.size)
        self.assertEqual('active', image.status)
        self.assertEqual(hashlib.sha512(self.data).hexdigest(),
                         image.os_hash_value)
        ami = self.ec2().describe_images(
            ImageIds=[image.remote_id])['Images'][0]
        tags = aws_ami.tags_of(ami)
        self.assertEqual('img-1', tags['ciming-image-id'])
        self.assertEqual('debian', tags['Name'])
        self.assertEqual('debian', tags['os_distro'])
        self.assertNotIn('not_carried', tags)
        self.assertEqual('arm64', ami['Architecture'])
        self.assertEqual('uefi', ami['BootMode'])
        self.assertEqual(snapshot_id, aws_ami.root_snapshot(ami))
        [snapshot] = self.snapshots()
        self.assertEqual('img-1',
                         aws_ami.tags_of(snapshot)['ciming-image-id'])
        self.assertEqual(1, snapshot['VolumeSize'])

    def test_zero_blocks_are_not_sent(self):
        sent = []
        put = aws_ebs.SnapshotWriter._put

        def counting(writer, index, block, checksum):
            sent.append(index)
            return put(writer, index, block, checksum)
        with mock.patch.object(aws_ebs.SnapshotWriter, '_put', counting):
            self.upload(chunk=BLOCK // 3)
        self.assertEqual([0, 4, 5], sorted(sent))

    def test_export_reads_back_exactly_the_image(self):
        _snap, image = self.upload()
        self.assertEqual(self.data, read_all(
            self.driver.open_export(image.remote_id)))

    def test_a_corrupt_block_fails_the_export(self):
        _snap, image = self.upload()
        with mock.patch.object(aws_ebs, 'block_checksum',
                               return_value='bm9wZQ=='):
            self.assertRaises(exception.DriverError, read_all,
                              self.driver.open_export(image.remote_id))

    def test_data_larger_than_declared_is_refused(self):
        meta = self.expected(properties={})
        meta.size = 1000
        snapshot_id = self.driver.prepare_import('img-1', meta)
        big = iter([bytes(aws_ebs.GiB // 4)] * 4 + [b'x'])
        self.assertRaises(exception.DriverError, self.driver.write_import,
                          snapshot_id, big)

    def test_size_mismatch_fails_finalize(self):
        meta = self.expected(properties={})
        snapshot_id = self.driver.prepare_import('img-1', meta)
        self.driver.write_import(snapshot_id, [self.data[:-1]])
        self.assertRaises(exception.DriverError,
                          self.driver.finalize_import, snapshot_id,
                          self.expected())
        self.assertEqual([], self.driver.list_images())

    def test_register_failure_leaves_no_ami(self):
        meta = self.expected(properties={})
        snapshot_id = self.driver.prepare_import('img-1', meta)
        self.driver.write_import(snapshot_id, [self.data])
        with mock.patch.object(aws_ami, 'normalize',
                               side_effect=RuntimeError('boom')):
            self.assertRaises(RuntimeError, self.driver.finalize_import,
                              snapshot_id, self.expected())
        self.assertEqual([], self.ec2().describe_images(
            Owners=['self'])['Images'])

    def test_a_new_upload_clears_what_a_failed_one_left(self):
        meta = self.expected(properties={})
        self.driver.prepare_import('img-1', meta)
        _snap, image = self.upload()
        _snap, again = self.upload()
        self.assertEqual([again.remote_id],
                         [i.remote_id for i in self.driver.list_images()])
        self.assertEqual(1, len(self.snapshots()))

    def test_finalize_twice_returns_the_same_ami(self):
        snapshot_id, image = self.upload()
        self.assertEqual(image.remote_id, self.driver.finalize_import(
            image.remote_id, self.expected()).remote_id)

    def test_unknown_architecture_is_refused_before_anything_is_made(self):
        meta = self.expected(properties={'hw_architecture': 'sparc'})
        self.assertRaises(exception.DriverError,
                          self.driver.prepare_import, 'img-1', meta)
        self.assertEqual([], self.snapshots())

    def test_property_mapping(self):
        params = aws_ami.register_params({
            'hw_architecture': 'x86_64', 'hw_firmware_type': 'bios',
            'aws_ena_support': 'false', 'aws_imds_support': 'optional',
            'aws_root_device_name': '/dev/sda1'})
        self.assertEqual({'Architecture': 'x86_64',
                          'VirtualizationType': 'hvm',
                          'RootDeviceName': '/dev/sda1',
                          'EnaSupport': False,
                          'BootMode': 'legacy-bios'}, params)
        params = aws_ami.register_params({'hw_firmware_type': 'uefi',
                                          'hw_tpm_version': '2.0'})
        self.assertEqual('v2.0', params['TpmSupport'])
        self.assertEqual('v2.0', params['ImdsSupport'])
        self.assertRaises(aws_ami.MappingError, aws_ami.register_params,
                          {'hw_tpm_version': '2.0'})

    # Listing, de-duplication, deletion

    def test_list_get_and_find_by_hash(self):
        _snap, image = self.upload()
        self.assertEqual([image], self.driver.list_images())
        self.assertEqual(image, self.driver.get_image(image.remote_id))
        self.assertEqual([image], self.driver.find_by_hash(
            image.os_hash_value))
        self.assertEqual([], self.driver.find_by_hash('0' * 128))

    def test_list_pages_through_every_image(self):
        CONF.set_override('page_size', 5, group='aws')
        ec2 = self.ec2()
        for n in range(12):
            ec2.register_image(Name='image-%02d' % n,
                               RootDeviceName='/dev/xvda')
        self.assertEqual(12, len(self.driver.list_images()))

    def test_get_unknown_or_malformed_ids_is_not_found(self):
        for remote_id in ('ami-0123456789abcdef0', 'nope', '../x', None,
                          'ami-' + 'f' * 40):
            self.assertRaises(exception.RemoteImageNotFound,
                              self.driver.get_image, remote_id)

    def test_delete_deregisters_and_deletes_the_snapshots(self):
        _snap, image = self.upload()
        self.driver.delete(image.remote_id)
        self.driver.delete(image.remote_id)
        self.assertEqual([], self.driver.list_images())
        self.assertEqual([], self.snapshots())

    def test_one_identity_projects_see_only_their_own(self):
        shared = dict(shared=True, shared_identity=True)
        mine = self.make_driver('aws-s', 'us-east-1', project_id='p1',
                                **shared)
        theirs = self.make_driver('aws-s', 'us-east-1', project_id='p2',
                                  **shared)
        _snap, image = self.upload(driver=mine)
        self.assertEqual([], theirs.list_images())
        self.assertRaises(exception.RemoteImageNotFound, theirs.get_image,
                          image.remote_id)
        theirs.delete(image.remote_id)
        self.assertEqual([image.remote_id],
                         [i.remote_id for i in mine.list_images()])

    # Server-side copy

    def test_same_account_other_region_copies_with_copy_image(self):
        _snap, image = self.upload()
        west = self.make_driver('aws-west', 'us-west-2')
        snapshot_id = west.prepare_import('img-1', self.expected(
            properties={}))
        with mock.patch.object(west, 'write_import') as write:
            self.assertTrue(west.pull_import(snapshot_id, self.driver,
                                             image.remote_id))
        write.assert_not_called()
        copy = west.finalize_import(snapshot_id, self.expected())
        self.assertNotEqual(image.remote_id, copy.remote_id)
        self.assertEqual(image.os_hash_value, copy.os_hash_value)
        self.assertEqual(self.data, read_all(
            west.open_export(copy.remote_id)))
        # The snapshot started for streaming is not left behind.
        self.assertEqual(1, len(self.snapshots('us-west-2')))

    def test_other_credentials_are_another_account_no_copy(self):
        _snap, image = self.upload()
        west = self.make_driver('aws-west', 'us-west-2', credentials=dict(
            KEYS, aws_access_key_id='AKIAOTHERACCOUNT0001'))
        self.assertFalse(west.pull_import('snap-0', self.driver,
                                          image.remote_id))


class _Env:
    """Set (or unset with None) an environment variable for one test."""

    def __init__(self, name, value):
        self.name, self.value = name, value

    def setUp(self):
        self.old = os.environ.get(self.name)
        if self.value is None:
            os.environ.pop(self.name, None)
        else:
            os.environ[self.name] = self.value

    def cleanUp(self):
        if self.old is None:
            os.environ.pop(self.name, None)
        else:
            os.environ[self.name] = self.old

    def getDetails(self):
        return {}
