"""Metadata jobs on real local clouds: create, update, deprecate, refuse."""

import json
import os
from unittest import mock

from ciming.common import metadata
from ciming.common import states
from ciming.drivers import local
from tests.unit import base
from tests.unit.conductor import base as conductor_base

DATA = os.urandom(256 * 1024 + 3)
WANTED = {'properties': {'os_distro': 'debian', 'hw_disk_bus': 'scsi'},
          'tags': ['base', 'lts'], 'visibility': 'shared', 'min_disk': 2}


class MetadataFlowTestCase(conductor_base.LocalCloudsTestCase):

    def _sidecar(self, cloud, image_id):
        with open(self._file(cloud, image_id, '.json')) as sidecar:
            return json.load(sidecar)

    def _imported(self, pending=WANTED):
        """An image imported into both clouds with ``pending`` applied."""
        image = base.stage_image(self.dbapi, [self.cloud_a, self.cloud_b],
                                 DATA)
        clouds = [self.cloud_a.id, self.cloud_b.id]
        image = self.dbapi.update_image(image.id, {
            'pending_metadata': metadata.compose(None, pending, clouds)})
        job = self._run(image, [self.cloud_a, self.cloud_b])
        self.assertEqual(states.JOB_SUCCEEDED, job.state, job.error)
        return self.dbapi.get_image(image.id)

    def _metadata_job(self, image, patch, action=states.ACTION_UPDATE,
                      **image_values):
        clouds = [loc.cloud_id for loc in image.locations]
        values = dict(image_values, pending_metadata=metadata.compose(
            image.pending_metadata, patch, clouds))
        job = self.dbapi.create_job(
            {'project_id': image.project_id, 'image_id': image.id,
             'action': action, 'source': {'type': 'metadata'},
             'image_values': values}, clouds)
        base.run_job_now(self.manager, self.context, job.id)
        return self.dbapi.get_job(job.id)

    def test_import_applies_the_metadata_then_forgets_it(self):
        image = self._imported()

        for cloud in (self.cloud_a, self.cloud_b):
            remote = local.LocalDriver(
                {'id': cloud.id, 'name': cloud.name, 'options': cloud.options,
                 'project_id': 'project-a'}).get_image(image.id)
            self.assertEqual(WANTED['properties'], remote.properties)
            self.assertEqual(['base', 'lts'], remote.tags)
            self.assertEqual('shared', remote.visibility)
            self.assertEqual(2, remote.min_disk)
        self.assertEqual({}, image.pending_metadata)

    def test_update_changes_every_copy(self):
        image = self._imported()
        job = self._metadata_job(image, {
            'properties': {'os_distro': 'ubuntu', 'hw_disk_bus': None},
            'tags': ['lts']})

        self.assertEqual(states.JOB_SUCCEEDED, job.state)
        self.assertEqual([states.TARGET_ACTIVE] * 2,
                         [t.state for t in job.targets])
        for cloud in (self.cloud_a, self.cloud_b):
            sidecar = self._sidecar(cloud, image.id)
            self.assertEqual({'os_distro': 'ubuntu'}, sidecar['properties'])
            self.assertEqual(['lts'], sidecar['tags'])
        self.assertEqual({}, self.dbapi.get_image(image.id).pending_metadata)

    def test_a_cloud_that_refuses_fails_alone_and_stays_pending(self):
        image = self._imported()
        original = local.LocalDriver.update_metadata

        def refuse_in_b(driver, remote_id, change):
            if driver.cloud['id'] == self.cloud_b.id:
                raise local.exception.DriverError(
                    cloud=driver.name, reason='visibility public refused')
            return original(driver, remote_id, change)

        with mock.patch.object(local.LocalDriver, 'update_metadata',
                               refuse_in_b):
            job = self._metadata_job(image, {'visibility': 'public'})

        self.assertEqual(states.JOB_PARTIAL, job.state)
        by_cloud = {t.cloud_id: t for t in job.targets}
        self.assertEqual(states.TARGET_ACTIVE,
                         by_cloud[self.cloud_a.id].state)
        self.assertEqual(states.TARGET_FAILED,
                         by_cloud[self.cloud_b.id].state)
        self.assertIn('visibility public refused',
                      by_cloud[self.cloud_b.id].error)
        self.assertEqual('public',
                         self._sidecar(self.cloud_a, image.id)['visibility'])
        self.assertEqual('shared',
                         self._sidecar(self.cloud_b, image.id)['visibility'])
        image = self.dbapi.get_image(image.id)
        # The data is fine: only the metadata waits for cloud b.
        self.assertEqual([states.LOC_ACTIVE] * 2,
                         [loc.status for loc in image.locations])
        self.assertEqual([self.cloud_b.id],
                         image.pending_metadata['clouds'])
        self.assertEqual('public', image.pending_metadata['visibility'])

    def test_deprecate_and_undeprecate_every_copy(self):
        image = self._imported()
        job = self._metadata_job(
            image, {'deprecation': {'deprecated': True,
                                    'replacement': 'new-id',
                                    'deprecate_at': '2027-01-01T00:00:00Z'}},
            action=states.ACTION_DEPRECATE, deprecated=True)
        self.assertEqual(states.JOB_SUCCEEDED, job.state, job.error)
        for cloud in (self.cloud_a, self.cloud_b):
            self.assertEqual({'replacement': 'new-id',
                              'deprecate_at': '2027-01-01T00:00:00Z'},
                             self._sidecar(cloud, image.id)['deprecated'])
        image = self.dbapi.get_image(image.id)
        self.assertTrue(image.deprecated)

        job = self._metadata_job(image, {'deprecation': {
            'deprecated': False}}, action=states.ACTION_UNDEPRECATE,
            deprecated=False)
        self.assertEqual(states.JOB_SUCCEEDED, job.state, job.error)
        for cloud in (self.cloud_a, self.cloud_b):
            self.assertNotIn('deprecated', self._sidecar(cloud, image.id))
        self.assertFalse(self.dbapi.get_image(image.id).deprecated)

    def test_drift_names_the_key_changed_behind_our_back(self):
        image = self._imported()
        sidecar = self._sidecar(self.cloud_b, image.id)
        sidecar['properties']['os_distro'] = 'arch'
        with open(self._file(self.cloud_b, image.id, '.json'), 'w') as out:
            json.dump(sidecar, out)

        results = self.manager.describe_locations(self.context, image.id)
        remotes = {loc.cloud_id: results[loc.cloud_id]['remote']
                   for loc in image.locations}
        self.assertEqual({self.cloud_a.id: [], self.cloud_b.id: [
            'os_distro']}, metadata.drift(remotes))
        # Restoring it: the most common value wins.
        change = metadata.restoring_change(remotes)
        self.assertEqual('debian', change['properties']['os_distro'])
        job = self._metadata_job(image, change)
        self.assertEqual(states.JOB_SUCCEEDED, job.state, job.error)
        self.assertEqual('debian', self._sidecar(
            self.cloud_b, image.id)['properties']['os_distro'])
