"""The local driver: a directory that can never be escaped."""

import json
import os

from ciming.common import exception
from ciming.drivers import base as driver_base
from ciming.drivers import factory
from ciming.drivers import local
from tests.unit import base


class LocalDriverTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.cloud = {'id': 'c1', 'name': 'dev', 'type': 'local',
                      'region': None, 'options': {'path': 'dev'}}
        self.driver = factory.build(self.cloud)

    def test_is_loaded_through_stevedore(self):
        self.assertIsInstance(self.driver, local.LocalDriver)
        self.assertIn('local', factory.cloud_types())

    def test_unknown_type_is_invalid(self):
        self.assertRaises(exception.InvalidParameterValue,
                          factory.driver_class, 'nope')

    def test_paths_outside_the_root_are_refused(self):
        root = os.path.realpath(os.path.join(self.state_path,
                                             'local-clouds'))
        os.makedirs(root)
        os.symlink('/etc', os.path.join(root, 'link'))
        for path in ('../x', '/etc', 'a/../../x', 'link', '.', ''):
            self.assertRaises(exception.Invalid,
                              local.LocalDriver.validate_options,
                              {'path': path})
        local.LocalDriver.validate_options({'path': 'a/b'})
        local.LocalDriver.validate_options(
            {'path': os.path.join(root, 'inside')})

    def test_unknown_options_are_refused(self):
        self.assertRaises(exception.InvalidParameterValue,
                          local.LocalDriver.validate_options,
                          {'path': 'a', 'bucket': 'b'})

    def test_disk_formats_option_limits_what_the_cloud_takes(self):
        options = {'path': 'a', 'disk_formats': ['raw']}
        local.LocalDriver.validate_options(options)
        self.assertEqual(('raw',),
                         local.LocalDriver.accepted_formats(options))
        self.assertIsNone(local.LocalDriver.accepted_formats({'path': 'a'}))

    def test_hostile_disk_formats_options_are_refused(self):
        for formats in ('raw', [], ['exe'], [1], [None], ['raw\x00'],
                        ['\ud800'], [['raw']], {'raw': 1}, ['raw'] + ['x']
                        * 10000, None, True):
            error = self.assertRaises(
                exception.InvalidParameterValue,
                local.LocalDriver.validate_options,
                {'path': 'a', 'disk_formats': formats})
            self.assertIn('disk_formats', error.message)

    def test_remote_ids_cannot_name_other_files(self):
        for remote_id in ('../x', '/etc/passwd', '.hidden', 'a/b'):
            self.assertRaises(exception.PathOutsideRoot,
                              self.driver.get_image, remote_id)

    def test_import_is_invisible_until_finalized(self):
        remote_id = self.driver.prepare_import('img-1', None)
        self.driver.write_import(remote_id, [b'abc', b'def'])
        self.assertRaises(exception.RemoteImageNotFound,
                          self.driver.get_image, remote_id)

        expected = driver_base.RemoteImage(remote_id='img-1', size=6,
                                           os_hash_value='h', name='n')
        image = self.driver.finalize_import(remote_id, expected)

        self.assertEqual(6, image.size)
        self.assertEqual('h', image.os_hash_value)
        self.assertEqual(['img-1'],
                         [i.remote_id for i in self.driver.list_images()])
        with self.driver.open_export('img-1') as stream:
            self.assertEqual(b'abcdef', stream.read())

    def test_finalize_again_finds_it_done(self):
        remote_id = self.driver.prepare_import('img-1', None)
        self.driver.write_import(remote_id, [b'abc'])
        expected = driver_base.RemoteImage(remote_id='img-1', size=3)
        self.driver.finalize_import(remote_id, expected)
        # A resumed job re-runs finalize after the rename.
        self.assertEqual(3, self.driver.finalize_import(
            remote_id, expected).size)
        self.assertRaises(exception.DriverError, self.driver.finalize_import,
                          remote_id, driver_base.RemoteImage(
                              remote_id='img-1', size=4))

    def test_finalize_refuses_a_short_write(self):
        remote_id = self.driver.prepare_import('img-1', None)
        self.driver.write_import(remote_id, [b'abc'])
        expected = driver_base.RemoteImage(remote_id='img-1', size=6)
        self.assertRaises(exception.DriverError,
                          self.driver.finalize_import, remote_id, expected)

    def test_delete_removes_everything_and_is_idempotent(self):
        remote_id = self.driver.prepare_import('img-1', None)
        self.driver.write_import(remote_id, [b'abc'])
        self.driver.finalize_import(
            remote_id, driver_base.RemoteImage(remote_id='img-1', size=3))
        self.driver.delete(remote_id)
        self.driver.delete(remote_id)
        self.assertEqual([], os.listdir(self.driver.directory))

    def test_validate_fails_when_the_directory_cannot_be_made(self):
        os.makedirs(os.path.join(self.state_path, 'local-clouds'))
        with open(os.path.join(self.state_path, 'local-clouds', 'dev'),
                  'w'):
            pass
        self.assertRaises(exception.DriverError, self.driver.validate)

    def _write_finalized(self, chunks):
        remote_id = self.driver.prepare_import('img-1', None)
        self.driver.write_import(remote_id, chunks)
        size = sum(len(c) for c in chunks)
        self.driver.finalize_import(
            remote_id, driver_base.RemoteImage(remote_id='img-1', size=size))
        return os.path.join(self.driver.directory, 'img-1.img')

    def test_zero_chunks_become_holes_with_the_same_bytes(self):
        mib = 1024 * 1024
        data = os.urandom(4096)
        chunks = [bytes(mib), data, bytes(2 * mib), data, bytes(mib)]
        path = self._write_finalized(chunks)
        with open(path, 'rb') as stored:
            self.assertEqual(b''.join(chunks), stored.read())
        # Only the two data chunks take disk blocks (a filesystem without
        # holes would allocate all 4 MiB).
        self.assertLess(os.stat(path).st_blocks * 512, mib)

    def test_an_image_of_zeros_keeps_its_size(self):
        path = self._write_finalized([bytes(1000), bytes(24)])
        self.assertEqual(1024, os.path.getsize(path))
        with open(path, 'rb') as stored:
            self.assertEqual(bytes(1024), stored.read())

    def test_a_resumed_write_replaces_earlier_data_even_with_zeros(self):
        remote_id = self.driver.prepare_import('img-1', None)
        self.driver.write_import(remote_id, [b'\xff' * 4096])
        remote_id = self.driver.prepare_import('img-1', None)
        path = self._write_finalized([bytes(4096)])
        with open(path, 'rb') as stored:
            self.assertEqual(bytes(4096), stored.read())


class SharedDirectoryTestCase(base.TestCase):
    """One directory, two projects: each sees and touches only its own."""

    def setUp(self):
        super().setUp()
        self.cloud = {'id': 'c1', 'name': 'dev', 'type': 'local',
                      'region': None, 'project_id': 'operator',
                      'shared': True, 'options': {'path': 'dev'}}
        self.mine = factory.build(self.cloud, project_id='project-a')
        self.theirs = factory.build(self.cloud, project_id='project-b')
        remote_id = self.mine.prepare_import('img-a', None)
        self.mine.write_import(remote_id, [b'secret'])
        self.mine.finalize_import(remote_id, driver_base.RemoteImage(
            remote_id='img-a', size=6, name='a-only', os_hash_value='h'))
        self.data = os.path.join(self.mine.directory, 'img-a.img')

    def test_the_sidecar_names_the_owner(self):
        with open(os.path.join(self.mine.directory, 'img-a.json')) as meta:
            self.assertEqual('project-a', json.load(meta)['project_id'])

    def test_another_project_does_not_see_it(self):
        self.assertEqual(['img-a'],
                         [i.remote_id for i in self.mine.list_images()])
        self.assertEqual([], self.theirs.list_images())
        self.assertRaises(exception.RemoteImageNotFound,
                          self.theirs.get_image, 'img-a')
        self.assertRaises(exception.RemoteImageNotFound,
                          self.theirs.open_export, 'img-a')

    def test_another_project_cannot_delete_or_overwrite_it(self):
        self.theirs.delete('img-a')
        self.assertRaises(exception.DriverError,
                          self.theirs.prepare_import, 'img-a', None)
        with open(self.data, 'rb') as data:
            self.assertEqual(b'secret', data.read())
        self.assertEqual(6, self.mine.get_image('img-a').size)
        self.mine.delete('img-a')
        self.assertFalse(os.path.exists(self.data))

    def test_files_without_an_owner_are_the_clouds_projects(self):
        with open(os.path.join(self.mine.directory, 'hand.img'), 'wb') as f:
            f.write(b'x')
        operator = factory.build(self.cloud, project_id='operator')
        self.assertEqual(['hand'],
                         [i.remote_id for i in operator.list_images()])
        self.assertRaises(exception.RemoteImageNotFound,
                          self.mine.get_image, 'hand')


class LocalPlacementTestCase(base.TestCase):
    """Where a local cloud may be: confined, and never overlapping."""

    def test_a_project_is_confined_to_its_directory(self):
        self.assertEqual(
            {'path': 'projects/p1/a/b'},
            local.LocalDriver.confine_options({'path': 'a/b'}, 'p1'))
        for path in ('..', '../p2', '/etc', '.', ''):
            self.assertRaises(exception.Invalid,
                              local.LocalDriver.confine_options,
                              {'path': path}, 'p1')
        for project_id in ('', '..', 'a/b', None):
            self.assertRaises(exception.Invalid,
                              local.LocalDriver.confine_options,
                              {'path': 'a'}, project_id)

    def test_overlaps(self):
        overlaps = local.LocalDriver.overlaps
        self.assertTrue(overlaps({'path': 'a'}, {'path': 'a'}))
        self.assertTrue(overlaps({'path': 'a'}, {'path': 'a/b'}))
        self.assertTrue(overlaps({'path': 'a/b'}, {'path': 'a'}))
        self.assertTrue(overlaps({'path': 'a/./b'}, {'path': 'c/../a/b'}))
        self.assertFalse(overlaps({'path': 'a'}, {'path': 'ab'}))
        self.assertFalse(overlaps({'path': 'a/b'}, {'path': 'a/c'}))
        root = os.path.realpath(os.path.join(self.state_path,
                                             'local-clouds'))
        os.makedirs(os.path.join(root, 'real'))
        os.symlink(os.path.join(root, 'real'), os.path.join(root, 'link'))
        self.assertTrue(overlaps({'path': 'link/x'}, {'path': 'real'}))
