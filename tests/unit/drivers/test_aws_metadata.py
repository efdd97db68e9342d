"""The AWS driver's update_metadata, deprecate and undeprecate.

Tags and launch permissions run against moto in this process; moto 5.2.5
has no image deprecation nor deregistration protection (its
``enable_image_deprecation`` raises NotImplementedError), so those calls
are checked with botocore's Stubber against the EC2 API model.
"""

import datetime
import json

from botocore import stub

from ciming.common import exception
from ciming.conductor.tasks import metadata as metadata_task
from ciming.drivers import aws_ami
from ciming.drivers import aws_metadata
from ciming.drivers import base as driver_base
from tests.unit.drivers import test_aws

AMI = 'ami-0123456789abcdef0'


class AwsMetadataTestCase(test_aws.AwsDriverTestCase):
    """moto in this process, as test_aws sets it up (not its tests)."""

    locals().update({name: None for name in dir(test_aws.AwsDriverTestCase)
                     if name.startswith('test_')})

    def ami(self, **properties):
        self.data = bytes(1000)
        _snap, image = self.upload(properties=dict(
            {'hw_architecture': 'x86_64', 'os_distro': 'debian'},
            **properties))
        return image.remote_id

    def tags(self, ami_id):
        found = self.ec2().describe_images(ImageIds=[ami_id])['Images'][0]
        return aws_ami.tags_of(found)

    def test_capabilities(self):
        caps = self.driver.capabilities
        self.assertTrue(caps.can_update_metadata)
        self.assertTrue(caps.can_deprecate)

    def test_properties_name_and_tags_become_tags(self):
        ami_id = self.ami()
        before = self.tags(ami_id)
        self.driver.update_metadata(ami_id, driver_base.MetadataChange(
            name='Debian 13', set_properties={'os_version': '13',
                                              'hw_architecture': 'x86_64'},
            unset_properties=['os_distro', 'never_there'],
            tags=['gold', 'web'], min_disk=10, min_ram=512))
        tags = self.tags(ami_id)
        self.assertEqual('13', tags['os_version'])
        self.assertNotIn('os_distro', tags)
        self.assertEqual('Debian 13', tags['Name'])
        self.assertEqual(['gold', 'web'], json.loads(tags['ciming-tags']))
        self.assertEqual(before['ciming-image-id'], tags['ciming-image-id'])
        image = self.driver.get_image(ami_id)
        self.assertEqual('Debian 13', image.name)
        self.assertEqual(['gold', 'web'], image.tags)
        self.assertEqual('13', image.properties['os_version'])
        self.assertNotIn('ciming-tags', image.properties)
        self.assertIsNone(image.min_disk)  # EC2 has no notion of it
        # An empty list removes the tag.
        self.driver.update_metadata(ami_id,
                                    driver_base.MetadataChange(tags=[]))
        self.assertNotIn('ciming-tags', self.tags(ami_id))
        self.assertEqual([], self.driver.get_image(ami_id).tags)

    def test_the_conductor_task_applies_a_pending_change(self):
        ami_id = self.ami()
        metadata_task.ApplyMetadata._apply(self.driver, ami_id, {
            'properties': {'hw_disk_bus': 'scsi', 'os_distro': None},
            'tags': ['base', 'lts'], 'visibility': 'shared', 'min_disk': 2,
            'name': 'debian', 'clouds': ['aws-east']})
        image = self.driver.get_image(ami_id)
        self.assertEqual('scsi', image.properties['hw_disk_bus'])
        self.assertNotIn('os_distro', image.properties)
        self.assertEqual(['base', 'lts'], image.tags)
        self.assertEqual('private', image.visibility)

    def test_visibility_is_the_launch_permission_of_all(self):
        ami_id = self.ami()
        self.driver.update_metadata(
            ami_id, driver_base.MetadataChange(visibility='public'))
        self.assertEqual('public', self.driver.get_image(ami_id).visibility)
        self.driver.update_metadata(
            ami_id, driver_base.MetadataChange(visibility='shared'))
        self.assertEqual('private',
                         self.driver.get_image(ami_id).visibility)
        error = self.assertRaises(
            exception.DriverError, self.driver.update_metadata, ami_id,
            driver_base.MetadataChange(visibility='community'))
        self.assertIn('community', str(error))
        self.assertIn('aws-east', str(error))

    def test_hostile_changes_are_refused_before_anything_is_sent(self):
        ami_id = self.ami()
        before = self.tags(ami_id)
        for change in (
                driver_base.MetadataChange(
                    set_properties={'ciming-image-id': 'other'}),
                driver_base.MetadataChange(set_properties={'Name': 'x'}),
                driver_base.MetadataChange(
                    set_properties={'aws:cloudformation': 'x'}),
                driver_base.MetadataChange(unset_properties=['Name']),
                driver_base.MetadataChange(
                    unset_properties=['ciming-image-id']),
                driver_base.MetadataChange(set_properties={'k' * 129: 'v'}),
                driver_base.MetadataChange(set_properties={'a\nb': 'v'}),
                driver_base.MetadataChange(set_properties={'k': 'v' * 257}),
                driver_base.MetadataChange(set_properties={'k': ['v']}),
                driver_base.MetadataChange(
                    set_properties={'hw_architecture': 'aarch64'}),
                driver_base.MetadataChange(
                    set_properties={'p%d' % i: 'v' for i in range(60)}),
                driver_base.MetadataChange(tags=['t' * 200, 'u' * 100]),
                driver_base.MetadataChange(name='n' * 300),
                driver_base.MetadataChange(name=''),
                driver_base.MetadataChange(name='ok', visibility='community')):
            error = self.assertRaises(exception.DriverError,
                                      self.driver.update_metadata, ami_id,
                                      change)
            self.assertIn('AWS cannot hold this', str(error))
        self.assertEqual(before, self.tags(ami_id))

    def test_another_projects_ami_is_not_found(self):
        shared = self.make_driver('aws-shared', 'us-east-1',
                                  shared_identity=True)
        self.data = bytes(1000)
        _snap, image = self.upload(driver=shared)
        other = self.make_driver('aws-shared', 'us-east-1',
                                 shared_identity=True, project_id='p2')
        change = driver_base.MetadataChange(set_properties={'a': 'b'})
        self.assertRaises(exception.RemoteImageNotFound,
                          other.update_metadata, image.remote_id, change)
        self.assertRaises(exception.RemoteImageNotFound, other.deprecate,
                          image.remote_id)
        self.assertRaises(exception.RemoteImageNotFound,
                          self.driver.update_metadata, 'ami-00000000', change)

    # What moto lacks: the EC2 API model, through a Stubber

    def stubbed(self, tags=None):
        ec2 = self.driver._ec2()
        stubber = stub.Stubber(ec2)
        stubber.add_response('describe_images', {'Images': [{
            'ImageId': AMI, 'State': 'available', 'Tags': [
                {'Key': k, 'Value': v} for k, v in dict(
                    {'ciming-image-id': 'img-1'}, **(tags or {})).items()]}]},
            {'ImageIds': [AMI]})
        self.addCleanup(stubber.deactivate)
        return stubber

    def test_deprecate_at_a_given_time_with_a_replacement(self):
        stubber = self.stubbed()
        stubber.add_response('enable_image_deprecation', {'Return': True}, {
            'ImageId': AMI,
            'DeprecateAt': datetime.datetime(2099, 1, 2, 3, 4, 5)})
        stubber.add_response('create_tags', {}, {
            'Resources': [AMI], 'Tags': [{'Key': 'ciming-replacement',
                                          'Value': 'img-2'}]})
        with stubber:
            self.driver.deprecate(AMI, replacement='img-2',
                                  deprecate_at='2099-01-02T03:04:05+00:00')
        stubber.assert_no_pending_responses()

    def test_deprecate_now_without_replacement(self):
        stubber = self.stubbed({'ciming-replacement': 'img-2'})
        stubber.add_response('enable_image_deprecation', {'Return': True}, {
            'ImageId': AMI, 'DeprecateAt': stub.ANY})
        stubber.add_response('delete_tags', {}, {
            'Resources': [AMI], 'Tags': [{'Key': 'ciming-replacement'}]})
        with stubber:
            self.driver.deprecate(AMI)
        stubber.assert_no_pending_responses()

    def test_a_past_or_missing_time_becomes_a_minute_from_now(self):
        now = datetime.datetime(2030, 5, 6, 7, 8, 9, 10)
        soon = datetime.datetime(2030, 5, 6, 7, 9)
        self.assertEqual(soon, aws_metadata.deprecation_time(None, now))
        self.assertEqual(soon, aws_metadata.deprecation_time(
            '2001-01-01T00:00:00Z', now))
        self.assertEqual(datetime.datetime(2031, 1, 1, 1),
                         aws_metadata.deprecation_time(
                             '2031-01-01T02:00:00+01:00', now))
        self.assertRaises(aws_metadata.Refused,
                          aws_metadata.deprecation_time, 'tomorrow', now)

    def test_a_bad_time_is_a_clear_error(self):
        stubber = self.stubbed()
        with stubber:
            error = self.assertRaises(exception.DriverError,
                                      self.driver.deprecate, AMI,
                                      deprecate_at='not a time')
        self.assertIn('ISO 8601', str(error))

    def test_undeprecate(self):
        stubber = self.stubbed({'ciming-replacement': 'img-2'})
        stubber.add_response('disable_image_deprecation', {'Return': True},
                             {'ImageId': AMI})
        stubber.add_response('delete_tags', {}, {
            'Resources': [AMI], 'Tags': [{'Key': 'ciming-replacement'}]})
        with stubber:
            self.driver.undeprecate(AMI)
        stubber.assert_no_pending_responses()

    def test_protection_is_deregistration_protection(self):
        stubber = self.stubbed()
        stubber.add_response('enable_image_deregistration_protection',
                             {'Return': 'enabled-without-cooldown'},
                             {'ImageId': AMI})
        stubber.add_response('describe_images', {'Images': [{
            'ImageId': AMI, 'State': 'available',
            'DeregistrationProtection': 'enabled-without-cooldown'}]},
            {'ImageIds': [AMI]})
        stubber.add_response('disable_image_deregistration_protection',
                             {'Return': 'disabled'}, {'ImageId': AMI})
        with stubber:
            self.driver.update_metadata(
                AMI, driver_base.MetadataChange(protected=True))
            self.driver.update_metadata(
                AMI, driver_base.MetadataChange(protected=False))
        stubber.assert_no_pending_responses()
        self.assertTrue(aws_ami.normalize({
            'ImageId': AMI,
            'DeregistrationProtection': 'enabled-with-cooldown'}).protected)
        self.assertFalse(aws_ami.normalize({
            'ImageId': AMI, 'DeregistrationProtection': 'disabled'}).protected)
        self.assertIsNone(aws_ami.normalize({'ImageId': AMI}).protected)

    def test_properties_read_from_the_ami_are_fixed(self):
        remote = aws_ami.normalize({
            'ImageId': AMI, 'Architecture': 'x86_64', 'BootMode': 'uefi',
            'RootDeviceName': '/dev/xvda', 'EnaSupport': True,
            'Tags': [{'Key': 'os_distro', 'Value': 'debian'}]})
        self.assertEqual(['aws_ena_support', 'aws_root_device_name',
                          'hw_architecture', 'hw_firmware_type'],
                         remote.fixed_properties)
        self.assertEqual('debian', remote.properties['os_distro'])
        self.assertNotIn('fixed_properties', aws_ami.normalize(
            {'ImageId': AMI}).to_dict())

    def test_an_ec2_refusal_is_reported_for_the_cloud(self):
        stubber = self.stubbed()
        stubber.add_client_error('enable_image_deprecation',
                                 'InvalidParameterValue',
                                 'DeprecateAt is too far in the future')
        with stubber:
            error = self.assertRaises(exception.DriverError,
                                      self.driver.deprecate, AMI)
        self.assertIn('too far', str(error))
        self.assertIn('aws-east', str(error))
