"""AWS clouds against moto's server and the real Glance environment.

Upload a qcow2 once to a local cloud, RegionOne and an AWS region (which
gets its raw conversion); adopt an AMI and sync it to OpenStack; copy
between two regions of one account with copy_image; a failure midway
leaves nothing behind in AWS.
"""

import hashlib
import os

from tests import disk_images
from tests.functional import aws_env
from tests.functional import base
from tests.functional import test_openstack

MiB = 1024 * 1024
V11 = {'OpenStack-API-Version': 'cloud-image-manager 1.1'}
BLOCK = aws_env.BLOCK


def image_data():
    """Data blocks around zero blocks, and a short last block."""
    return (os.urandom(BLOCK + 100) + bytes(4 * BLOCK - 100)
            + os.urandom(2 * BLOCK) + bytes(3 * BLOCK) + os.urandom(777))


def non_zero_blocks(data):
    count = 0
    for start in range(0, len(data), BLOCK):
        if data[start:start + BLOCK].count(0) != len(
                data[start:start + BLOCK]):
            count += 1
    return count


class AwsCloudsTest(base.FunctionalTestCase):
    """With the helpers of the OpenStack tests, not their tests.

    (Their class is not named at module level: a test loader would run
    its tests here too.)
    """

    backend = 'mysql'
    job_timeout = 600
    _register_clouds = test_openstack.OpenStackCloudsTest._register_clouds
    glance = test_openstack.OpenStackCloudsTest.glance
    location = test_openstack.OpenStackCloudsTest.location
    _quietly_delete = staticmethod(
        test_openstack.OpenStackCloudsTest._quietly_delete)
    _quietly_delete_ours = (
        test_openstack.OpenStackCloudsTest._quietly_delete_ours)

    def setUp(self):
        self.env = test_openstack.environment_for(self)
        self.deployment_config = test_openstack.keystone_config(self.env)
        super().setUp()
        self.alpha = self.env['clouds']['alpha']
        self.beta = self.env['clouds']['beta']
        self.beta_user = self.beta['users']['beta-demo']
        self.demo_session = test_openstack._session(
            self.alpha, self.alpha['users']['demo'])
        self.beta_session = test_openstack._session(self.beta,
                                                    self.beta_user)
        self.client = test_openstack.TokenClient(self.deployment.endpoint,
                                                 self.demo_session)
        self.clouds = self._register_clouds(self.client)
        self.moto = aws_env.server()
        self.aws = {}
        for key, region in (('east', 'us-east-1'), ('west', 'us-west-2')):
            cloud = self.client.post('/v1/clouds', aws_env.cloud_body(
                self.moto, region))
            self.aws[key] = cloud['name']
        self.clouds.update({'east': self.aws['east'],
                            'west': self.aws['west']})

    def aws_credentials(self, *which):
        return {self.aws[w]: dict(aws_env.KEYS) for w in which
                or ('east', 'west')}

    def ec2(self, region='us-east-1'):
        return self.moto.client('ec2', region)

    def amis_of(self, image_id, region='us-east-1'):
        return self.ec2(region).describe_images(
            Owners=['self'], Filters=[{'Name': 'tag:ciming-image-id',
                                       'Values': [image_id]}])['Images']

    def snapshots_of(self, image_id, region='us-east-1'):
        return self.ec2(region).describe_snapshots(
            OwnerIds=['self'], Filters=[{'Name': 'tag:ciming-image-id',
                                         'Values': [image_id]}]
        )['Snapshots']

    def upload(self, data, targets, **extra):
        image = self.make_image(targets)
        self.addCleanup(self._quietly_delete_ours, 'r1', image['id'])
        job = self.client.upload(
            image['id'], data, headers=test_openstack.credentials_header(
                self.aws_credentials())).json()
        return image, self.wait_job(job['id'])

    def tags_of(self, image_id):
        [ami] = self.amis_of(image_id)
        return {t['Key']: t['Value'] for t in ami.get('Tags', [])}

    def launch_permissions(self, ami_id):
        return self.ec2().describe_image_attribute(
            ImageId=ami_id, Attribute='launchPermission')[
                'LaunchPermissions']

    # Tests

    def test_upload_qcow2_once_to_local_regionone_and_aws(self):
        data = disk_images.qcow2(image_data(), virtual_size=8 * MiB + 512)
        raw = disk_images.convert_to_raw(data, 'qcow2')
        local, directory = self.make_cloud()
        image = self.client.post('/v1/images', {
            'name': base.unique_name('qcow2-'), 'disk_format': 'qcow2',
            'container_format': 'bare',
            'targets': [local['name'], self.clouds['r1'],
                        self.aws['east']]})
        self.addCleanup(self._quietly_delete_ours, 'r1', image['id'])
        job = self.client.upload(
            image['id'], data, headers=test_openstack.credentials_header(
                self.aws_credentials())).json()
        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)
        image = self.client.get('/v1/images/%s' % image['id'])
        sha512 = hashlib.sha512(data).hexdigest()
        raw_sha512 = hashlib.sha512(raw).hexdigest()

        # The AMI, tagged, on a snapshot holding exactly the raw
        # conversion of the upload.
        location = self.location(image, 'east')
        self.assertEqual('active', location['status'])
        [ami] = self.amis_of(image['id'])
        self.assertEqual(location['remote_id'], ami['ImageId'])
        tags = {t['Key']: t['Value'] for t in ami['Tags']}
        self.assertEqual(image['name'], tags['Name'])
        self.assertEqual(raw_sha512, tags['ciming-sha512'])
        self.assertEqual(str(len(raw)), tags['ciming-size'])
        snapshot_id = ami['BlockDeviceMappings'][0]['Ebs']['SnapshotId']
        [snapshot] = self.snapshots_of(image['id'])
        self.assertEqual(snapshot_id, snapshot['SnapshotId'])
        self.assertEqual(raw_sha512, hashlib.sha512(aws_env.read_snapshot(
            self.moto, snapshot_id, len(raw))).hexdigest())
        # Only the blocks holding data were sent, each once.
        sent = self.moto.puts(snapshot_id)
        self.assertEqual(non_zero_blocks(raw), len(sent))
        self.assertLess(len(sent), -(-len(raw) // BLOCK))
        self.assertEqual(len(sent), len(set(sent)))

        # The other copies hold the upload itself, as their format says.
        remote = self.glance('r1').images.get(
            self.location(image, 'r1')['remote_id'])
        self.assertEqual('qcow2', remote['disk_format'])
        self.assertEqual(sha512, remote['os_hash_value'])
        stored = os.path.join(directory, image['id'] + '.img')
        with open(stored, 'rb') as copy:
            self.assertEqual(data, copy.read())

        # The image is listed as available there.
        available = self.client.get('/v1/images?available_in=%s'
                                    % self.aws['east'])
        self.assertIn(image['id'], [i['id'] for i in available['images']])

        # Purging the image deregisters the AMI and its snapshot.
        self.client.request(
            'DELETE', '/v1/images/%s?purge=true' % image['id'],
            expect=204, headers=test_openstack.credentials_header(
                self.aws_credentials()))
        base.wait_for(lambda: not self.amis_of(image['id']), 60,
                      what='the AMI to be deregistered')
        self.assertEqual([], self.snapshots_of(image['id']))

    def test_adopt_an_ami_and_sync_to_local_and_regionone(self):
        data = os.urandom(BLOCK) + bytes(BLOCK) + os.urandom(MiB)
        ami_id = aws_env.write_ami(self.moto, data)
        self.addCleanup(self.ec2().deregister_image, ImageId=ami_id)
        local, directory = self.make_cloud()
        adopted = self.client.post('/v1/images/adopt', {
            'source': {'cloud': self.aws['east'], 'remote_id': ami_id},
            'targets': [local['name'], self.clouds['r1']],
            'credentials': self.aws_credentials('east')})
        self.addCleanup(self._quietly_delete_ours, 'r1', adopted['id'])
        job = self.wait_job(adopted['job']['id'])
        self.assertEqual('succeeded', job['state'], job)

        # The snapshot is a whole GiB: the image is all of it.
        volume = data + bytes(1024 * MiB - len(data))
        sha512 = hashlib.sha512(volume).hexdigest()
        image = self.client.get('/v1/images/%s' % adopted['id'])
        self.assertEqual(sha512, image['os_hash_value'])
        remote = self.glance('r1').images.get(
            self.location(image, 'r1')['remote_id'])
        self.assertEqual(sha512, remote['os_hash_value'])
        stored = os.path.join(directory, image['id'] + '.img')
        self.assertEqual(sha512, base.sha512_md5_of_file(stored)[0])

    def test_same_account_other_region_is_copied_with_copy_image(self):
        data = image_data()
        image, job = self.upload(data, [self.aws['east']])
        self.assertEqual('succeeded', job['state'], job)
        puts = self.moto.all_puts()

        job = self.client.post('/v1/images/%s/sync' % image['id'], {
            'targets': [self.aws['west']],
            'credentials': self.aws_credentials()}, expect=202)
        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)
        image = self.client.get('/v1/images/%s' % image['id'])
        west = self.location(image, 'west')
        [ami] = self.amis_of(image['id'], 'us-west-2')
        self.assertEqual(west['remote_id'], ami['ImageId'])
        # AWS made the copy: no block was sent for it.
        self.assertEqual(puts, self.moto.all_puts())
        snapshot_id = ami['BlockDeviceMappings'][0]['Ebs']['SnapshotId']
        self.assertEqual(data, aws_env.read_snapshot(
            self.moto, snapshot_id, len(data), 'us-west-2'))
        # The snapshot started for a streamed copy is gone.
        self.assertEqual([snapshot_id], [
            s['SnapshotId']
            for s in self.snapshots_of(image['id'], 'us-west-2')])

    def _failing(self, operation):
        image = self.make_image([self.aws['east']])
        self.moto.fail(operation, image['id'])
        self.addCleanup(self.moto.heal, operation)
        job = self.client.upload(
            image['id'], image_data(),
            headers=test_openstack.credentials_header(
                self.aws_credentials())).json()
        job = self.wait_job(job['id'])
        self.assertEqual('failed', job['state'], job)
        self.assertEqual([], self.amis_of(image['id']))
        self.assertEqual([], self.snapshots_of(image['id']))
        return job

    def test_complete_snapshot_failing_leaves_nothing(self):
        job = self._failing('complete_snapshot')
        self.assertIn('complete snapshot', job['targets'][0]['error'])

    def test_register_image_failing_leaves_nothing(self):
        job = self._failing('register_image')
        self.assertIn('register image', job['targets'][0]['error'])

    def test_metadata_changes_reach_the_ami_as_tags_and_permission(self):
        # API 1.1: properties become tags of the same names, visibility
        # public the launch permission of group "all". (Deprecation is
        # not here: moto does not implement it; see the unit tests.)
        self.client.session.headers.update(V11)
        local, _ = self.make_cloud()
        image = self.client.post('/v1/images', {
            'name': base.unique_name('tagged-'), 'disk_format': 'raw',
            'container_format': 'bare',
            'targets': [local['name'], self.aws['east']],
            'properties': {'os_distro': 'ubuntu', 'os_version': '24.04'}})
        job = self.client.upload(
            image['id'], image_data(),
            headers=test_openstack.credentials_header(
                self.aws_credentials('east'))).json()
        job = self.wait_job(job['id'])
        self.assertEqual('succeeded', job['state'], job)
        image = self.client.get('/v1/images/%s' % image['id'])
        ami_id = self.location(image, 'east')['remote_id']
        tags = self.tags_of(image['id'])
        self.assertEqual('ubuntu', tags['os_distro'])
        self.assertEqual('24.04', tags['os_version'])
        self.assertEqual(image['name'], tags['Name'])
        self.assertEqual([], self.launch_permissions(ami_id))

        def patch(body):
            answer = self.client.request(
                'PATCH', '/v1/images/%s' % image['id'], 202,
                json_body=body, headers=dict(
                    test_openstack.credentials_header(
                        self.aws_credentials('east')),
                    **{'Content-Type': 'application/merge-patch+json'})
            ).json()
            job = self.wait_job(answer['job_id'])
            self.assertEqual(('update', 'succeeded'),
                             (job['action'], job['state']), job)
            self.assertEqual(
                sorted([(local['name'], 'active'),
                        (self.aws['east'], 'active')]),
                sorted((t['cloud_name'], t['state'])
                       for t in job['targets']))
            # Read back, the copies agree: no drift.
            live = self.client.get(
                '/v1/images/%s/locations?live=true' % image['id'],
                headers=test_openstack.credentials_header(
                    self.aws_credentials('east')))
            self.assertEqual({local['name']: [], self.aws['east']: []},
                             {loc['cloud_name']: loc['metadata_drift']
                              for loc in live['locations']})

        patch({'properties': {'os_distro': 'debian', 'os_version': None,
                              'os_admin_user': 'admin'},
               'visibility': 'public'})
        changed = self.tags_of(image['id'])
        self.assertEqual('debian', changed['os_distro'])
        self.assertEqual('admin', changed['os_admin_user'])
        self.assertNotIn('os_version', changed)
        # CIMinG's own tags stay as they were.
        self.assertEqual({k: v for k, v in tags.items()
                          if k.startswith('ciming-') or k == 'Name'},
                         {k: v for k, v in changed.items()
                          if k.startswith('ciming-') or k == 'Name'})
        self.assertEqual([{'Group': 'all'}],
                         self.launch_permissions(ami_id))

        # Private again: the permission goes.
        patch({'visibility': 'private'})
        self.assertEqual([], self.launch_permissions(ami_id))
        self.assertEqual(changed, self.tags_of(image['id']))
