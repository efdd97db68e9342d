"""Location monitoring, dedup by hash and source properties, on local clouds.

The clouds are real local clouds (directories); what a remote cloud does
behind CIMinG's back is done to their files.
"""

import dataclasses
import datetime
import hashlib
import json
import logging
import os
from unittest import mock

import fixtures
import oslo_messaging as messaging
from oslo_utils import timeutils

from ciming.common import context as ciming_context
from ciming.common import exception
from ciming.common import states
from ciming.conductor import cloud_access
from ciming.conductor import utils
from ciming.drivers import base as driver_base
from ciming.drivers import local
from tests.unit import base
from tests.unit.conductor import base as conductor_base

DATA = os.urandom(512 * 1024 + 3)
SHA = hashlib.sha512(DATA).hexdigest()
LONG_AGO = datetime.datetime(2020, 1, 1)


class LocalCloudsTestCase(conductor_base.LocalCloudsTestCase):
    """Two local clouds, and an image staged for them."""

    def setUp(self):
        super().setUp()
        self.log = self.useFixture(fixtures.FakeLogger())

    def _staged_image(self, targets=None):
        return base.stage_image(self.dbapi,
                                targets or [self.cloud_a, self.cloud_b],
                                DATA)

    def _synced_image(self):
        """An image active in both clouds, seen long ago."""
        image = self._staged_image()
        job = self._run(image, [self.cloud_a, self.cloud_b])
        self.assertEqual(states.JOB_SUCCEEDED, job.state)
        for cloud in (self.cloud_a, self.cloud_b):
            self.dbapi.set_location(image.id, cloud.id,
                                    {'last_seen_at': LONG_AGO})
        return self.dbapi.get_image(image.id)

    def _locations(self, image_id):
        return {loc.cloud_id: loc
                for loc in self.dbapi.get_image(image_id).locations}

    def _edit_sidecar(self, cloud, image_id, **changes):
        path = self._file(cloud, image_id, '.json')
        with open(path) as f:
            meta = json.load(f)
        meta.update(changes)
        with open(path, 'w') as f:
            json.dump(meta, f)


class RefreshLocationsTestCase(LocalCloudsTestCase):

    def setUp(self):
        super().setUp()
        self.image = self._synced_image()

    def refresh(self, **kwargs):
        return utils.refresh_locations(
            self.dbapi, cloud_access.CloudAccess(self.context),
            self.dbapi.get_image(self.image.id), **kwargs)

    def test_intact_copies_stay_active_and_are_seen_now(self):
        before = timeutils.utcnow()
        results = self.refresh()

        self.assertEqual({self.cloud_a.id, self.cloud_b.id}, set(results))
        locations = self._locations(self.image.id)
        for cloud in (self.cloud_a, self.cloud_b):
            self.assertEqual('active', results[cloud.id]['status'])
            self.assertIsNone(results[cloud.id]['error'])
            live = results[cloud.id]['remote']
            self.assertEqual((self.image.id, len(DATA), SHA, 'active'),
                             (live['remote_id'], live['size'],
                              live['os_hash_value'], live['status']))
            loc = locations[cloud.id]
            self.assertEqual(states.LOC_ACTIVE, loc.status)
            self.assertIsNone(loc.error)
            self.assertGreaterEqual(loc.last_seen_at.replace(tzinfo=None),
                                    before.replace(tzinfo=None,
                                                   microsecond=0))

    def test_deleted_copy_is_missing(self):
        os.unlink(self._file(self.cloud_a, self.image.id, '.img'))
        results = self.refresh()

        self.assertEqual({'status': 'missing',
                          'error': 'the image is gone from the cloud',
                          'remote': None}, results[self.cloud_a.id])
        self.assertEqual('active', results[self.cloud_b.id]['status'])
        locations = self._locations(self.image.id)
        missing = locations[self.cloud_a.id]
        self.assertEqual(states.LOC_MISSING, missing.status)
        self.assertIn('gone', missing.error)
        # Not seen: the last sighting stays what it was.
        self.assertEqual(LONG_AGO, missing.last_seen_at.replace(tzinfo=None))
        self.assertEqual(self.image.id, missing.remote_id)
        self.assertEqual(states.LOC_ACTIVE,
                         locations[self.cloud_b.id].status)

    def test_changed_hash_is_checksum_mismatch(self):
        self._edit_sidecar(self.cloud_b, self.image.id,
                           os_hash_value='ff' * 64)
        results = self.refresh()

        self.assertEqual('checksum_mismatch',
                         results[self.cloud_b.id]['status'])
        self.assertIn('os_hash_value', results[self.cloud_b.id]['error'])
        self.assertEqual('ff' * 64,
                         results[self.cloud_b.id]['remote']['os_hash_value'])
        locations = self._locations(self.image.id)
        self.assertEqual(states.LOC_CHECKSUM_MISMATCH,
                         locations[self.cloud_b.id].status)
        self.assertIn('os_hash_value', locations[self.cloud_b.id].error)
        self.assertEqual(states.LOC_ACTIVE,
                         locations[self.cloud_a.id].status)

    def test_changed_size_is_checksum_mismatch(self):
        with open(self._file(self.cloud_a, self.image.id, '.img'),
                  'ab') as f:
            f.write(b'x')
        self._edit_sidecar(self.cloud_a, self.image.id, os_hash_value=None,
                           checksum=None)
        self.refresh()
        self.assertEqual(states.LOC_CHECKSUM_MISMATCH,
                         self._locations(self.image.id)[self.cloud_a.id]
                         .status)

    def test_copy_back_in_place_is_active_again(self):
        path = self._file(self.cloud_a, self.image.id, '.img')
        os.rename(path, path + '.away')
        self.refresh()
        self.assertEqual(states.LOC_MISSING,
                         self._locations(self.image.id)[self.cloud_a.id]
                         .status)
        os.rename(path + '.away', path)
        self.refresh()
        loc = self._locations(self.image.id)[self.cloud_a.id]
        self.assertEqual(states.LOC_ACTIVE, loc.status)
        self.assertIsNone(loc.error)

    def test_unreachable_cloud_leaves_the_location_alone(self):
        real_get_image = local.LocalDriver.get_image

        def get_image(driver, remote_id):
            if driver.cloud['id'] == self.cloud_b.id:
                raise exception.DriverError(cloud=driver.name,
                                            reason='connection refused')
            return real_get_image(driver, remote_id)

        # Even a copy that is really gone: the cloud cannot tell.
        os.unlink(self._file(self.cloud_b, self.image.id, '.img'))
        with mock.patch.object(local.LocalDriver, 'get_image', autospec=True,
                               side_effect=get_image):
            results = self.refresh()

        self.assertEqual('active', results[self.cloud_b.id]['status'])
        self.assertIsNone(results[self.cloud_b.id]['remote'])
        self.assertIn('connection refused', results[self.cloud_b.id]['error'])
        self.assertIn('dev-b', results[self.cloud_b.id]['error'])
        self.assertIn('cannot check cloud %s' % self.cloud_b.id,
                      self.log.output)
        locations = self._locations(self.image.id)
        unchanged = locations[self.cloud_b.id]
        self.assertEqual(states.LOC_ACTIVE, unchanged.status)
        self.assertIsNone(unchanged.error)
        self.assertEqual(LONG_AGO,
                         unchanged.last_seen_at.replace(tzinfo=None))
        # The other cloud was checked all the same.
        self.assertEqual('active', results[self.cloud_a.id]['status'])
        self.assertGreater(
            locations[self.cloud_a.id].last_seen_at.replace(tzinfo=None),
            LONG_AGO)

    def test_driver_that_cannot_be_built(self):
        with mock.patch('ciming.drivers.factory.build',
                        side_effect=exception.CredentialsRequired(
                            cloud='dev-a', reason='no token')):
            results = self.refresh()
        for cloud in (self.cloud_a, self.cloud_b):
            self.assertIn('no token', results[cloud.id]['error'])
        self.assertEqual([states.LOC_ACTIVE] * 2,
                         [loc.status for loc in self._locations(
                             self.image.id).values()])

    def test_skipped_and_unwatched_locations(self):
        cloud_c = self.create_local_cloud('dev-c')
        self.dbapi.set_location(self.image.id, cloud_c.id,
                                {'status': states.LOC_PENDING})
        results = self.refresh(skip=[self.cloud_b.id])
        self.assertEqual({self.cloud_a.id}, set(results))
        locations = self._locations(self.image.id)
        self.assertEqual(LONG_AGO, locations[self.cloud_b.id].last_seen_at
                         .replace(tzinfo=None))
        self.assertEqual(states.LOC_PENDING, locations[cloud_c.id].status)

    def test_credentials_reach_the_driver(self):
        seen = []
        real_get_image = local.LocalDriver.get_image

        def get_image(driver, remote_id):
            seen.append((driver.cloud['id'], driver.credentials))
            return real_get_image(driver, remote_id)

        with mock.patch.object(local.LocalDriver, 'get_image', autospec=True,
                               side_effect=get_image):
            utils.refresh_locations(
                self.dbapi, cloud_access.CloudAccess(
                    self.context, {self.cloud_a.id: {'token': 't'}}),
                self.dbapi.get_image(self.image.id))
        self.assertEqual({(self.cloud_a.id, ('token', 't')),
                          (self.cloud_b.id, None)},
                         {(c, tuple(v.items())[0] if v else None)
                          for c, v in seen})


class CredentialsNeverLoggedTestCase(LocalCloudsTestCase):

    CANARY = 'canary-c0nductor-5ecr3t'

    def test_job_and_refresh_with_credentials(self):
        log = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        supplied = {self.cloud_a.id: {'password': self.CANARY},
                    self.cloud_b.id: {'token': self.CANARY}}
        image = self._staged_image()
        job = self.dbapi.create_job(
            {'project_id': 'project-a', 'image_id': image.id,
             'action': states.ACTION_SYNC, 'source': {'type': 'staging'},
             'image_status': states.IMAGE_IMPORTING},
            [self.cloud_a.id, self.cloud_b.id])
        base.run_job_now(self.manager, self.context, job.id, supplied)
        self.assertEqual(states.JOB_SUCCEEDED,
                         self.dbapi.get_job(job.id).state)

        def unreachable(driver, remote_id):
            raise exception.DriverError(cloud=driver.name,
                                        reason='connection refused')

        with mock.patch.object(local.LocalDriver, 'get_image',
                               autospec=True, side_effect=unreachable):
            results = self.manager.refresh_image(self.context, image.id,
                                                 credentials=supplied)
        self.assertNotIn(self.CANARY, repr(results))
        self.assertIn('Job %s' % job.id, log.output)
        self.assertIn('cannot check cloud', log.output)
        self.assertNotIn(self.CANARY, log.output)
        for loc in self.dbapi.get_image(image.id).locations:
            self.assertNotIn(self.CANARY, str(loc.error))


class RefreshImageTestCase(LocalCloudsTestCase):

    def setUp(self):
        super().setUp()
        self.image = self._synced_image()
        self.assertEqual(states.IMAGE_ACTIVE, self.image.status)

    def test_missing_copy_makes_the_image_partial(self):
        os.unlink(self._file(self.cloud_a, self.image.id, '.img'))
        results = self.manager.refresh_image(self.context, self.image.id)

        self.assertEqual('missing', results[self.cloud_a.id]['status'])
        self.assertEqual('active', results[self.cloud_b.id]['status'])
        self.assertEqual(states.IMAGE_PARTIAL,
                         self.dbapi.get_image(self.image.id).status)

    def test_every_copy_gone(self):
        for cloud in (self.cloud_a, self.cloud_b):
            os.unlink(self._file(cloud, self.image.id, '.img'))
        self.manager.refresh_image(self.context, self.image.id)
        # No data anywhere, none staged: it waits for an upload again.
        self.assertEqual(states.IMAGE_QUEUED,
                         self.dbapi.get_image(self.image.id).status)

    def test_copy_back_makes_it_active_again(self):
        path = self._file(self.cloud_a, self.image.id, '.img')
        os.rename(path, path + '.away')
        self.manager.refresh_image(self.context, self.image.id)
        os.rename(path + '.away', path)
        self.manager.refresh_image(self.context, self.image.id)
        self.assertEqual(states.IMAGE_ACTIVE,
                         self.dbapi.get_image(self.image.id).status)

    def test_status_is_left_to_an_active_job(self):
        self.dbapi.create_job({'project_id': 'project-a',
                               'image_id': self.image.id,
                               'action': states.ACTION_SYNC,
                               'image_status': states.IMAGE_IMPORTING},
                              [self.cloud_b.id])
        os.unlink(self._file(self.cloud_a, self.image.id, '.img'))
        self.manager.refresh_image(self.context, self.image.id)

        image = self.dbapi.get_image(self.image.id)
        self.assertEqual(states.IMAGE_IMPORTING, image.status)
        # The locations are refreshed all the same.
        self.assertEqual(states.LOC_MISSING,
                         self._locations(self.image.id)[self.cloud_a.id]
                         .status)

    def test_finished_jobs_do_not_count(self):
        # The job of _synced_image succeeded: it does not hold the status.
        self.assertEqual([states.JOB_SUCCEEDED],
                         [j.state for j in self.dbapi.list_jobs()])
        self._edit_sidecar(self.cloud_b, self.image.id,
                           os_hash_value='00' * 64)
        self.manager.refresh_image(self.context, self.image.id)
        self.assertEqual(states.IMAGE_PARTIAL,
                         self.dbapi.get_image(self.image.id).status)

    def test_unknown_image(self):
        error = self.assertRaises(messaging.ExpectedException,
                                  self.manager.refresh_image, self.context,
                                  'nope')
        self.assertIsInstance(error.exc_info[1], exception.ImageNotFound)

    def test_sync_refreshes_the_other_locations_first(self):
        cloud_c = self.create_local_cloud('dev-c')
        self.dbapi.set_location(self.image.id, cloud_c.id,
                                {'status': states.LOC_PENDING})
        self._edit_sidecar(self.cloud_b, self.image.id,
                           os_hash_value='00' * 64)
        job = self._run(self.image, [cloud_c], source={
            'type': 'cloud', 'cloud_id': self.cloud_a.id,
            'remote_id': self.image.id})

        self.assertEqual(states.JOB_SUCCEEDED, job.state)
        locations = self._locations(self.image.id)
        self.assertEqual(states.LOC_CHECKSUM_MISMATCH,
                         locations[self.cloud_b.id].status)
        self.assertEqual(states.LOC_ACTIVE, locations[cloud_c.id].status)
        self.assertEqual(states.IMAGE_PARTIAL,
                         self.dbapi.get_image(self.image.id).status)


class DedupTestCase(LocalCloudsTestCase):
    """Local clouds that say they find images by hash (as Glance does)."""

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.MockPatchObject(
            local.LocalDriver, 'capabilities', dataclasses.replace(
                local.LocalDriver.capabilities, can_find_by_hash=True)))
        # Nothing found, unless a test says otherwise.
        self.useFixture(fixtures.MockPatchObject(
            local.LocalDriver, 'find_by_hash', return_value=[]))

    def _find_by_hash(self, remote_id='already-there', size=len(DATA)):
        calls = []

        def find_by_hash(driver, os_hash_value):
            calls.append((driver.cloud['id'], os_hash_value))
            return [driver_base.RemoteImage(
                remote_id=remote_id, size=size, os_hash_algo='sha512',
                os_hash_value=os_hash_value, status='active')]

        patcher = mock.patch.object(local.LocalDriver, 'find_by_hash',
                                    autospec=False, create=True,
                                    new=find_by_hash)
        patcher.start()
        self.addCleanup(patcher.stop)
        return calls

    def test_same_hash_in_the_target_is_linked(self):
        calls = self._find_by_hash()
        image = self._staged_image(targets=[self.cloud_b])
        with mock.patch.object(local.LocalDriver, 'write_import',
                               autospec=True) as write, \
                mock.patch.object(local.LocalDriver, 'prepare_import',
                                  autospec=True) as prepare:
            job = self._run(image, [self.cloud_b])

        self.assertEqual([(self.cloud_b.id, SHA)], calls)
        self.assertEqual(states.JOB_SUCCEEDED, job.state)
        self.assertIsNone(job.error)
        target = job.targets[0]
        self.assertEqual(states.TARGET_LINKED, target.state)
        self.assertEqual('already-there', target.remote_id)
        self.assertEqual(len(DATA), target.bytes_total)
        prepare.assert_not_called()
        write.assert_not_called()
        self.assertFalse(os.path.exists(self._cloud_dir(self.cloud_b))
                         and os.listdir(self._cloud_dir(self.cloud_b)))

        image = self.dbapi.get_image(image.id)
        self.assertEqual(states.IMAGE_ACTIVE, image.status)
        loc = image.locations[0]
        self.assertEqual((states.LOC_ACTIVE, 'already-there', None),
                         (loc.status, loc.remote_id, loc.error))
        self.assertIsNotNone(loc.last_seen_at)
        self.assertFalse(image.staged)

    def test_linked_and_copied_targets_in_one_job(self):
        def find_by_hash(driver, os_hash_value):
            if driver.cloud['id'] != self.cloud_b.id:
                return []
            return [driver_base.RemoteImage(remote_id='already-there',
                                            size=None,
                                            os_hash_value=os_hash_value)]

        image = self._staged_image()
        with mock.patch.object(local.LocalDriver, 'find_by_hash',
                               create=True, new=find_by_hash):
            job = self._run(image, [self.cloud_a, self.cloud_b])

        self.assertEqual(states.JOB_SUCCEEDED, job.state)
        self.assertEqual({self.cloud_a.id: states.TARGET_ACTIVE,
                          self.cloud_b.id: states.TARGET_LINKED},
                         {t.cloud_id: t.state for t in job.targets})
        with open(self._file(self.cloud_a, image.id, '.img'), 'rb') as f:
            self.assertEqual(DATA, f.read())
        self.assertFalse(os.path.exists(
            self._file(self.cloud_b, image.id, '.img')))
        self.assertEqual(
            {self.cloud_a.id: image.id, self.cloud_b.id: 'already-there'},
            {loc.cloud_id: loc.remote_id
             for loc in self.dbapi.get_image(image.id).locations})

    def test_same_hash_other_size_is_copied(self):
        self._find_by_hash(size=len(DATA) + 1)
        image = self._staged_image(targets=[self.cloud_b])
        job = self._run(image, [self.cloud_b])
        self.assertEqual(states.TARGET_ACTIVE, job.targets[0].state)
        self.assertEqual(image.id, job.targets[0].remote_id)
        with open(self._file(self.cloud_b, image.id, '.img'), 'rb') as f:
            self.assertEqual(DATA, f.read())

    def test_nothing_found_is_copied(self):
        with mock.patch.object(local.LocalDriver, 'find_by_hash',
                               create=True, return_value=[]):
            image = self._staged_image(targets=[self.cloud_b])
            job = self._run(image, [self.cloud_b])
        self.assertEqual(states.TARGET_ACTIVE, job.targets[0].state)

    def test_no_hash_known_is_copied(self):
        image = self._staged_image(targets=[self.cloud_a])
        self._run(image, [self.cloud_a])
        self.dbapi.update_image(image.id, {'checksum': None,
                                           'os_hash_value': None})
        self.dbapi.set_location(image.id, self.cloud_b.id,
                                {'status': states.LOC_PENDING})
        calls = self._find_by_hash()
        job = self._run(image, [self.cloud_b], source={
            'type': 'cloud', 'cloud_id': self.cloud_a.id,
            'remote_id': image.id})
        self.assertEqual(states.TARGET_ACTIVE, job.targets[0].state)
        self.assertEqual(image.id, job.targets[0].remote_id)
        # Nothing to look for without a hash.
        self.assertEqual([], calls)


class SourcePropertiesTestCase(LocalCloudsTestCase):

    PROPERTIES = {'hw_disk_bus': 'scsi', 'os_distro': 'ubuntu',
                  'owner_specified.openstack.md5': 'x'}

    def _spy_prepare(self):
        metas = {}
        real = local.LocalDriver.prepare_import

        def prepare_import(driver, image_id, meta):
            metas[driver.cloud['id']] = meta
            return real(driver, image_id, meta)

        patcher = mock.patch.object(local.LocalDriver, 'prepare_import',
                                    autospec=True,
                                    side_effect=prepare_import)
        patcher.start()
        self.addCleanup(patcher.stop)
        return metas

    def test_cloud_source_properties_reach_prepare(self):
        image = self._staged_image(targets=[self.cloud_a])
        self._run(image, [self.cloud_a])
        self._edit_sidecar(self.cloud_a, image.id,
                           properties=self.PROPERTIES)
        self.dbapi.set_location(image.id, self.cloud_b.id,
                                {'status': states.LOC_PENDING})
        metas = self._spy_prepare()

        job = self._run(image, [self.cloud_b], source={
            'type': 'cloud', 'cloud_id': self.cloud_a.id,
            'remote_id': image.id})

        self.assertEqual(states.JOB_SUCCEEDED, job.state)
        meta = metas[self.cloud_b.id]
        # All of them: which ones a cloud keeps is its driver's business.
        self.assertEqual(self.PROPERTIES, meta.properties)
        self.assertEqual((image.id, 'img', 'raw', len(DATA), SHA),
                         (meta.remote_id, meta.name, meta.disk_format,
                          meta.size, meta.os_hash_value))

    def test_staged_source_has_no_properties(self):
        metas = self._spy_prepare()
        image = self._staged_image()
        self._run(image, [self.cloud_a, self.cloud_b])
        self.assertEqual({self.cloud_a.id: {}, self.cloud_b.id: {}},
                         {c: m.properties for c, m in metas.items()})

    def test_source_gone_fails_the_job_and_creates_nothing(self):
        image = self._staged_image(targets=[self.cloud_a])
        self._run(image, [self.cloud_a])
        os.unlink(self._file(self.cloud_a, image.id, '.img'))
        self.dbapi.set_location(image.id, self.cloud_b.id,
                                {'status': states.LOC_PENDING})
        metas = self._spy_prepare()

        job = self._run(image, [self.cloud_b], source={
            'type': 'cloud', 'cloud_id': self.cloud_a.id,
            'remote_id': image.id})

        self.assertEqual(states.JOB_FAILED, job.state)
        self.assertEqual({}, metas)
        self.assertFalse(os.path.exists(self._cloud_dir(self.cloud_b))
                         and os.listdir(self._cloud_dir(self.cloud_b)))


class DescribeLocationsTestCase(LocalCloudsTestCase):
    """What a reader's GET .../locations?live=true asks: no writes."""

    def _rows(self, image_id):
        image = self.dbapi.get_image(image_id)
        return (image.status, image.updated_at, sorted(
            (loc.cloud_id, loc.status, loc.error, loc.last_seen_at,
             loc.updated_at) for loc in image.locations))

    def test_live_metadata_is_returned_and_nothing_is_written(self):
        image = self._synced_image()
        os.unlink(self._file(self.cloud_a, image.id, '.img'))
        before = self._rows(image.id)

        results = self.manager.describe_locations(self.context, image.id)

        self.assertEqual('missing', results[self.cloud_a.id]['status'])
        self.assertEqual('active', results[self.cloud_b.id]['status'])
        self.assertEqual(SHA,
                         results[self.cloud_b.id]['remote']['os_hash_value'])
        self.assertEqual(before, self._rows(image.id))
        # A refresh (POST, a member's) records what it finds.
        self.manager.refresh_image(self.context, image.id)
        self.assertNotEqual(before, self._rows(image.id))

    def test_an_admin_sees_what_the_images_project_stored(self):
        image = self._synced_image()
        admin = ciming_context.RequestContext(
            project_id='admin-project', roles=['admin'], is_admin=True,
            overwrite=False)
        results = self.manager.describe_locations(admin, image.id)
        self.assertEqual(['active', 'active'],
                         [r['status'] for r in results.values()])
        self.manager.refresh_image(admin, image.id)
        self.assertEqual(states.IMAGE_ACTIVE,
                         self.dbapi.get_image(image.id).status)
