"""The AWS driver's VM Import path (S3 multipart + ec2:ImportImage).

No emulator implements VM Import (moto has no import_image), so the
calls are checked against botocore's Stubber: each test lists the
requests AWS must receive, in order, and what AWS answers.
"""

import hashlib
import json
import os

import boto3
from botocore import stub

from ciming.common import exception
from ciming.common import image_format
from ciming.conf import CONF
from ciming.drivers import aws
from ciming.drivers import aws_ami
from ciming.drivers import aws_vmimport
from ciming.drivers import base as driver_base
from ciming.drivers import factory
from tests.unit import base

KEYS = {'aws_access_key_id': 'AKIAIOSFODNN7EXAMPLE',
        'aws_secret_access_key': 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'}
MiB = 1024 * 1024
TASK = 'import-ami-0123456789abcdef0'
AMI = 'ami-0123456789abcdef0'
SNAP = 'snap-0123456789abcdef0'
BUCKET = 'images-in'


class VmImportTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        CONF.set_override('poll_interval', 0.05, group='aws')
        CONF.set_override('import_part_size', 5, group='aws')
        # Two whole parts and a short one.
        self.data = os.urandom(10 * MiB + 1000)
        self.driver = self.make_driver(import_method='vm-import',
                                       import_bucket=BUCKET)

    def make_driver(self, **options):
        driver = factory.build(
            {'id': 'aws-east', 'name': 'aws-east', 'type': 'aws',
             'region': 'us-east-1', 'options': options,
             'project_id': 'p1'}, credentials=KEYS, project_id='p1')
        self.s3 = boto3.client('s3', region_name='us-east-1', **KEYS)
        self.ec2 = boto3.client('ec2', region_name='us-east-1', **KEYS)
        driver.account._clients.update(s3=self.s3, ec2=self.ec2)
        self.s3_stub = stub.Stubber(self.s3)
        self.ec2_stub = stub.Stubber(self.ec2)
        self.s3_stub.activate()
        self.ec2_stub.activate()
        return driver

    def tearDown(self):
        self.s3_stub.assert_no_pending_responses()
        self.ec2_stub.assert_no_pending_responses()
        super().tearDown()

    def meta(self, disk_format='vmdk', container_format='bare',
             properties=None):
        data = self.data
        return driver_base.RemoteImage(
            remote_id='img-1', name='debian', disk_format=disk_format,
            container_format=container_format, size=len(data),
            checksum=hashlib.md5(data).hexdigest(), os_hash_algo='sha512',
            os_hash_value=hashlib.sha512(data).hexdigest(),
            properties=properties if properties is not None else {
                'hw_architecture': 'aarch64', 'os_distro': 'debian'})

    # Stubbed exchanges

    def expect_no_leftovers(self):
        self.ec2_stub.add_response('describe_images', {'Images': []})
        self.ec2_stub.add_response('describe_snapshots', {'Snapshots': []})

    def expect_prepare(self):
        self.expect_no_leftovers()
        self.s3_stub.add_response(
            'create_multipart_upload', {'UploadId': 'up-1'},
            {'Bucket': BUCKET, 'Key': stub.ANY, 'Metadata': stub.ANY,
             'Tagging': stub.ANY})

    def expect_upload_found(self, key):
        self.s3_stub.add_response(
            'list_multipart_uploads',
            {'Uploads': [{'Key': key, 'UploadId': 'up-1'}]},
            {'Bucket': BUCKET, 'Prefix': key})

    def expect_write(self, key, parts=3):
        self.expect_upload_found(key)
        for number in range(1, parts + 1):
            self.s3_stub.add_response(
                'upload_part', {'ETag': '"e%d"' % number},
                {'Bucket': BUCKET, 'Key': key, 'UploadId': 'up-1',
                 'PartNumber': number, 'Body': stub.ANY})
        self.s3_stub.add_response(
            'complete_multipart_upload', {},
            {'Bucket': BUCKET, 'Key': key, 'UploadId': 'up-1',
             'MultipartUpload': {'Parts': [
                 {'PartNumber': n, 'ETag': '"e%d"' % n}
                 for n in range(1, parts + 1)]}})
        self.s3_stub.add_response('put_object_tagging', {})

    def expect_object(self, key, fmt='VMDK', data=None, head=True):
        data = self.data if data is None else data
        self.s3_stub.add_response('get_object_tagging', {'TagSet': [
            {'Key': 'ciming-image-id', 'Value': 'img-1'},
            {'Key': 'ciming-import-format', 'Value': fmt},
            {'Key': 'ciming-size', 'Value': str(len(data))},
            {'Key': 'ciming-md5', 'Value': hashlib.md5(data).hexdigest()},
            {'Key': 'ciming-sha512',
             'Value': hashlib.sha512(data).hexdigest()}]},
            {'Bucket': BUCKET, 'Key': key})
        if not head:
            return
        self.s3_stub.add_response('head_object', {'Metadata': {
            'ciming-params': json.dumps({
                'p': {'Architecture': 'arm64'},
                't': {'os_distro': 'debian'}})}},
            {'Bucket': BUCKET, 'Key': key})

    def expect_import(self, key, fmt='VMDK', role='vmimport', end=None):
        self.ec2_stub.add_response(
            'describe_import_image_tasks', {'ImportImageTasks': []},
            {'Filters': [{'Name': 'task-state',
                          'Values': ['active', 'completed']}]})
        self.ec2_stub.add_response(
            'import_image', {'ImportTaskId': TASK},
            {'Description': 'CIMinG image img-1',
             'DiskContainers': [{
                 'Description': 'CIMinG image img-1', 'Format': fmt,
                 'UserBucket': {'S3Bucket': BUCKET, 'S3Key': key}}],
             'RoleName': role, 'Architecture': 'arm64',
             'TagSpecifications': [{
                 'ResourceType': 'import-image-task',
                 'Tags': [{'Key': 'ciming-image-id', 'Value': 'img-1'},
                          {'Key': 'ciming-s3-key', 'Value': key}]}]})
        self.ec2_stub.add_response(
            'describe_import_image_tasks', {'ImportImageTasks': [
                {'ImportTaskId': TASK, 'Status': 'active',
                 'StatusMessage': 'converting'}]},
            {'ImportTaskIds': [TASK]})
        self.ec2_stub.add_response(
            'describe_import_image_tasks', {'ImportImageTasks': [
                end or {'ImportTaskId': TASK, 'Status': 'completed',
                        'ImageId': AMI}]},
            {'ImportTaskIds': [TASK]})

    def expect_ami(self, key):
        self.ec2_stub.add_response('describe_images', {'Images': [{
            'ImageId': AMI, 'State': 'available', 'Name': 'import-ami-x',
            'Architecture': 'arm64', 'RootDeviceName': '/dev/sda1',
            'BlockDeviceMappings': [{'DeviceName': '/dev/sda1', 'Ebs': {
                'SnapshotId': SNAP, 'VolumeSize': 1}}]}]},
            {'ImageIds': [AMI]})
        self.ec2_stub.add_response('create_tags', {}, {
            'Resources': [AMI, SNAP], 'Tags': [
                {'Key': 'os_distro', 'Value': 'debian'},
                {'Key': 'ciming-image-id', 'Value': 'img-1'},
                {'Key': 'Name', 'Value': 'debian'},
                {'Key': 'ciming-import-format', 'Value': 'VMDK'},
                {'Key': 'ciming-source-sha512',
                 'Value': hashlib.sha512(self.data).hexdigest()}]})

    def expect_object_deleted(self, key):
        self.s3_stub.add_response('delete_object', {},
                                  {'Bucket': BUCKET, 'Key': key})

    def prepare(self, meta=None):
        self.expect_prepare()
        remote_id = self.driver.prepare_import('img-1', meta or self.meta())
        self.assertTrue(aws_vmimport.is_remote_id(remote_id), remote_id)
        return remote_id, remote_id[len(aws_vmimport.PREFIX):]

    def write(self, remote_id, chunk=3 * MiB):
        self.driver.write_import(remote_id, (
            self.data[i:i + chunk] for i in range(0, len(self.data), chunk)))

    # Options and selection

    def test_options_schema(self):
        aws.AwsDriver.validate_options({})
        aws.AwsDriver.validate_options({
            'import_method': 'vm-import', 'import_bucket': 'my-bucket-1',
            'import_role_name': 'vmimport'})
        aws.AwsDriver.validate_options({'import_method': 'ebs-direct'})
        for bad in ({'import_method': 'vm-import'},
                    {'import_method': 'other'},
                    {'import_method': ['vm-import']},
                    {'import_bucket': 3},
                    {'import_bucket': 'a\0b-bucket'},
                    {'import_bucket': 'b' * 64},
                    {'import_bucket': 'Upper-Case'},
                    {'import_bucket': 'ab'},
                    {'import_bucket': 'dotted.bucket'},
                    {'import_role_name': 'a\0'},
                    {'import_role_name': 'r' * 65},
                    {'import_role_name': ''},
                    {'import_role_name': {'x': 1}},
                    {'import_prefix': 'x'}):
            error = self.assertRaises(exception.InvalidParameterValue,
                                      aws.AwsDriver.validate_options, bad)
            self.assertNotIn('\0', str(error))

    def test_accepted_formats_follow_the_option(self):
        self.assertEqual(('raw',), aws.AwsDriver.accepted_formats({}))
        self.assertEqual(('raw',), aws.AwsDriver.accepted_formats(
            {'import_method': 'ebs-direct'}))
        accepted = aws.AwsDriver.accepted_formats(
            {'import_method': 'vm-import', 'import_bucket': BUCKET})
        for fmt in ('raw', 'vmdk', 'vhd', 'vhdx'):
            self.assertIn(fmt, accepted)
        self.assertNotIn('qcow2', accepted)

    def test_vm_import_clouds_take_vmdk_without_conversion(self):
        vm_import = aws.AwsDriver.accepted_formats(
            {'import_method': 'vm-import', 'import_bucket': BUCKET})
        ebs = aws.AwsDriver.accepted_formats({})
        self.assertFalse(image_format.needs_conversion('vmdk', vm_import))
        self.assertFalse(image_format.needs_conversion('vhd', vm_import))
        self.assertTrue(image_format.needs_conversion('qcow2', vm_import))
        self.assertTrue(image_format.needs_conversion('vmdk', ebs))

    def test_method_property_overrides_the_cloud(self):
        method = aws_vmimport.method
        self.assertEqual('ebs-direct', method({}, {}))
        self.assertEqual('vm-import', method({'import_method': 'vm-import'},
                                             {}))
        self.assertEqual('ebs-direct', method(
            {'import_method': 'vm-import'},
            {'ciming_aws_import_method': 'ebs-direct'}))
        self.assertEqual('vm-import', method(
            {}, {'ciming_aws_import_method': 'vm-import'}))
        self.assertRaises(ValueError, method, {},
                          {'ciming_aws_import_method': 'x'})

    def test_a_wrong_method_property_is_refused(self):
        error = self.assertRaises(
            exception.DriverError, self.driver.prepare_import, 'img-1',
            self.meta(properties={'ciming_aws_import_method': 's3'}))
        self.assertIn('ciming_aws_import_method', str(error))

    def test_ebs_direct_refuses_a_vmdk(self):
        error = self.assertRaises(
            exception.DriverError, self.driver.prepare_import, 'img-1',
            self.meta(properties={'ciming_aws_import_method': 'ebs-direct'}))
        self.assertIn('vm-import', str(error))

    def test_property_chooses_vm_import_on_an_ebs_direct_cloud(self):
        self.driver = self.make_driver(import_bucket=BUCKET)
        remote_id, key = self.prepare(self.meta(
            disk_format='raw',
            properties={'ciming_aws_import_method': 'vm-import'}))
        self.assertTrue(key.endswith('.raw'), key)

    def test_vm_import_without_a_bucket_is_refused(self):
        self.driver = self.make_driver()
        self.expect_no_leftovers()
        error = self.assertRaises(
            exception.DriverError, self.driver.prepare_import, 'img-1',
            self.meta(properties={'ciming_aws_import_method': 'vm-import'}))
        self.assertIn('import_bucket', str(error))

    # Import

    def test_import_makes_a_tagged_ami_and_removes_the_object(self):
        remote_id, key = self.prepare()
        self.assertTrue(key.startswith('ciming-import/img-1/'))
        self.assertTrue(key.endswith('.vmdk'))
        self.expect_write(key)
        self.write(remote_id)
        self.expect_object(key)
        self.expect_import(key)
        self.expect_ami(key)
        self.expect_object_deleted(key)
        image = self.driver.finalize_import(remote_id, self.meta())
        self.assertEqual(AMI, image.remote_id)
        self.assertEqual('vmdk', image.disk_format)
        self.assertEqual(len(self.data), image.size)
        self.assertEqual(hashlib.sha512(self.data).hexdigest(),
                         image.os_hash_value)
        self.assertEqual('debian', image.name)

    def test_parts_hold_at_most_the_part_size(self):
        sizes = []
        remote_id, key = self.prepare()
        self.expect_write(key)
        real = self.s3.upload_part

        def upload_part(**kwargs):
            sizes.append(len(kwargs['Body']))
            return real(**kwargs)
        self.s3.upload_part = upload_part
        self.write(remote_id, chunk=7 * MiB)
        self.assertEqual([5 * MiB, 5 * MiB, 1000], sizes)

    def test_a_failed_part_aborts_the_upload(self):
        remote_id, key = self.prepare()
        self.expect_upload_found(key)
        self.s3_stub.add_response('upload_part', {'ETag': '"e1"'})
        self.s3_stub.add_client_error('upload_part', 'InternalError',
                                      'We encountered an internal error')
        self.s3_stub.add_response(
            'abort_multipart_upload', {},
            {'Bucket': BUCKET, 'Key': key, 'UploadId': 'up-1'})
        self.assertRaises(exception.DriverError, self.write, remote_id)

    def test_a_role_name_and_an_ova(self):
        self.driver = self.make_driver(import_method='vm-import',
                                       import_bucket=BUCKET,
                                       import_role_name='importer')
        remote_id, key = self.prepare(self.meta(container_format='ova'))
        self.assertTrue(key.endswith('.ova'))
        self.expect_object(key, fmt='OVA')
        self.expect_import(key, fmt='OVA', role='importer', end={
            'ImportTaskId': TASK, 'Status': 'deleted',
            'StatusMessage': 'ClientError: Unsupported OVF'})
        self.expect_object_deleted(key)
        error = self.assertRaises(exception.DriverError,
                                  self.driver.finalize_import, remote_id,
                                  self.meta())
        self.assertIn('Unsupported OVF', str(error))

    def test_a_failed_import_fails_and_removes_the_object(self):
        remote_id, key = self.prepare()
        self.expect_object(key)
        self.expect_import(key, end={
            'ImportTaskId': TASK, 'Status': 'deleting',
            'StatusMessage': 'ClientError: No valid partitions'})
        self.expect_object_deleted(key)
        error = self.assertRaises(exception.DriverError,
                                  self.driver.finalize_import, remote_id,
                                  self.meta())
        self.assertIn('No valid partitions', str(error))
        self.assertIn('deleting', str(error))

    def test_a_failed_delete_does_not_hide_the_import_error(self):
        remote_id, key = self.prepare()
        self.expect_object(key)
        self.expect_import(key, end={
            'ImportTaskId': TASK, 'Status': 'deleted',
            'StatusMessage': 'ClientError: Unknown OS'})
        self.s3_stub.add_client_error('delete_object', 'AccessDenied',
                                      'Access Denied')
        error = self.assertRaises(exception.DriverError,
                                  self.driver.finalize_import, remote_id,
                                  self.meta())
        self.assertIn('Unknown OS', str(error))

    def test_other_data_than_expected_is_not_imported(self):
        remote_id, key = self.prepare()
        self.expect_object(key, data=b'other', head=False)
        self.expect_object_deleted(key)
        error = self.assertRaises(exception.DriverError,
                                  self.driver.finalize_import, remote_id,
                                  self.meta())
        self.assertIn('size', str(error))

    def test_a_resumed_finalize_waits_for_the_running_task(self):
        remote_id, key = self.prepare()
        self.expect_object(key)
        self.ec2_stub.add_response(
            'describe_import_image_tasks', {'ImportImageTasks': [
                {'ImportTaskId': TASK, 'Status': 'active', 'Tags': [
                    {'Key': 'ciming-s3-key', 'Value': key}]}]})
        self.ec2_stub.add_response(
            'describe_import_image_tasks', {'ImportImageTasks': [
                {'ImportTaskId': TASK, 'Status': 'completed',
                 'ImageId': AMI}]}, {'ImportTaskIds': [TASK]})
        self.expect_ami(key)
        self.expect_object_deleted(key)
        image = self.driver.finalize_import(remote_id, self.meta())
        self.assertEqual(AMI, image.remote_id)

    def test_a_resumed_finalize_takes_the_completed_task_ami(self):
        remote_id, key = self.prepare()
        self.expect_object(key)
        self.ec2_stub.add_response(
            'describe_import_image_tasks', {'ImportImageTasks': [
                {'ImportTaskId': TASK, 'Status': 'completed',
                 'ImageId': AMI, 'Tags': [
                     {'Key': 'ciming-s3-key', 'Value': key}]}]})
        self.ec2_stub.add_response(
            'describe_import_image_tasks', {'ImportImageTasks': [
                {'ImportTaskId': TASK, 'Status': 'completed',
                 'ImageId': AMI}]}, {'ImportTaskIds': [TASK]})
        self.expect_ami(key)
        self.expect_object_deleted(key)
        image = self.driver.finalize_import(remote_id, self.meta())
        self.assertEqual(AMI, image.remote_id)

    def test_revert_cancels_the_task_and_removes_the_upload(self):
        remote_id, key = self.prepare()
        self.ec2_stub.add_response(
            'describe_import_image_tasks', {'ImportImageTasks': [
                {'ImportTaskId': TASK, 'Status': 'active', 'Tags': [
                    {'Key': 'ciming-s3-key', 'Value': key}]},
                {'ImportTaskId': 'import-ami-0fffffffffffffff0',
                 'Status': 'active', 'Tags': [
                     {'Key': 'ciming-s3-key', 'Value': 'other'}]}]})
        self.ec2_stub.add_response(
            'cancel_import_task', {},
            {'ImportTaskId': TASK, 'CancelReason': stub.ANY})
        self.expect_upload_found(key)
        self.s3_stub.add_response(
            'abort_multipart_upload', {},
            {'Bucket': BUCKET, 'Key': key, 'UploadId': 'up-1'})
        self.expect_object_deleted(key)
        self.driver.delete(remote_id)

    def test_foreign_remote_ids_are_not_ours(self):
        for other in ('vmimport:../../etc', 'vmimport:ciming-import/a/b.vmdk',
                      'snap-0123456789abcdef0', None, 3):
            self.assertFalse(aws_vmimport.is_remote_id(other))


class VmImportedAmiTestCase(base.TestCase):
    """An AMI VM Import made holds AWS's conversion, not the upload."""

    def _ami(self, tags):
        return {'ImageId': 'ami-1', 'State': 'available',
                'RootDeviceName': '/dev/sda1',
                'BlockDeviceMappings': [{'DeviceName': '/dev/sda1',
                                         'Ebs': {'SnapshotId': 'snap-1',
                                                 'VolumeSize': 8}}],
                'Tags': [{'Key': k, 'Value': v} for k, v in tags.items()]}

    def test_its_volume_size_is_not_the_data_size(self):
        remote = aws_ami.normalize(self._ami({
            aws_ami.ID_TAG: 'i', aws_ami.IMPORT_FORMAT_TAG: 'VMDK'}))
        self.assertIsNone(remote.size)
        # Nothing to compare, so a refresh finds no mismatch.
        self.assertIsNone(driver_base.data_mismatch(
            driver_base.RemoteImage(remote_id='x', size=12345), remote))

    def test_an_ebs_direct_ami_keeps_its_volume_size(self):
        remote = aws_ami.normalize(self._ami({aws_ami.ID_TAG: 'i'}))
        self.assertEqual(8 * 1024 ** 3, remote.size)
