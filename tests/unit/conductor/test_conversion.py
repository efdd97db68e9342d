"""Conversion to raw with qemu-img: limited, checked, and cleaned up."""

import hashlib
import os
from unittest import mock

from oslo_concurrency import processutils

from ciming.common import exception
from ciming.conductor import conversion
from tests import disk_images
from tests.unit import base

MiB = 1024 * 1024


def _chunks(data, size=64 * 1024):
    return [data[i:i + size] for i in range(0, len(data), size)]


class ConversionTestCase(base.TestCase):

    def test_qcow2_becomes_what_qemu_img_makes_of_it(self):
        data = disk_images.qcow2(os.urandom(MiB), virtual_size=3 * MiB)
        expected = disk_images.convert_to_raw(data, 'qcow2')
        work = conversion.Conversion('job-1', 'qcow2')

        source = work.receive(_chunks(data))
        raw = work.convert()

        self.assertEqual({'disk_format': 'qcow2', 'size': len(data),
                          'virtual_size': 3 * MiB,
                          'checksum': hashlib.md5(data).hexdigest(),
                          'os_hash_algo': 'sha512',
                          'os_hash_value': hashlib.sha512(data).hexdigest()},
                         source)
        self.assertEqual(
            {'disk_format': 'raw', 'size': 3 * MiB,
             'checksum': hashlib.md5(expected).hexdigest(),
             'os_hash_algo': 'sha512',
             'os_hash_value': hashlib.sha512(expected).hexdigest()}, raw)
        with open(work.raw_path, 'rb') as converted:
            self.assertEqual(expected, converted.read())

    def test_the_scratch_directory_is_removed(self):
        work = conversion.Conversion('job-2', 'qcow2')
        work.receive(_chunks(disk_images.qcow2(b'x')))
        self.assertTrue(os.path.isdir(work.dir))
        conversion.remove('job-2')
        self.assertFalse(os.path.exists(work.dir))
        conversion.remove('job-2')  # gone already: no error

    def test_scratch_is_under_the_configured_directory(self):
        self.config(scratch_dir=os.path.join(self.state_path, 'scratch'),
                    group='conversion')
        self.assertEqual(os.path.join(self.state_path, 'scratch', 'job-3'),
                         conversion.scratch_dir('job-3'))

    def test_a_hostile_source_never_reaches_qemu_img(self):
        work = conversion.Conversion('job-4', 'qcow2')
        with mock.patch.object(processutils, 'execute') as execute:
            self.assertRaises(exception.UnsafeImage, work.receive,
                              _chunks(disk_images.qcow2_with_backing_file()))
        execute.assert_not_called()

    def test_a_source_larger_than_max_size_is_refused(self):
        self.config(max_size=100 * 1024, group='conversion')
        work = conversion.Conversion('job-5', 'qcow2')
        error = self.assertRaises(exception.ConversionFailed, work.receive,
                                  _chunks(disk_images.qcow2(
                                      os.urandom(MiB))))
        self.assertIn('max_size', error.message)

    def test_a_virtual_size_larger_than_max_size_is_not_converted(self):
        self.config(max_size=2 * MiB, group='conversion')
        work = conversion.Conversion('job-6', 'qcow2')
        work.receive(_chunks(disk_images.qcow2(b'x',
                                               virtual_size=1024 * MiB)))
        error = self.assertRaises(exception.ConversionFailed, work.convert)
        self.assertIn('virtual size', error.message)
        self.assertFalse(os.path.exists(work.raw_path))

    def test_qemu_img_runs_with_the_configured_limits(self):
        self.config(cpu_time=7, memory=512 * MiB, group='conversion')
        work = conversion.Conversion('job-7', 'qcow2')
        work.receive(_chunks(disk_images.qcow2(b'x')))
        real = processutils.execute
        calls = []

        def execute(*args, **kwargs):
            calls.append((args, kwargs['prlimit']))
            return real(*args, **kwargs)

        with mock.patch.object(processutils, 'execute', execute):
            work.convert()
        (info, info_limits), (convert, convert_limits) = calls
        self.assertEqual(('qemu-img', 'info', '--output=json', '-f',
                          'qcow2', work.source_path), info)
        self.assertEqual((30, 1024 * MiB), (info_limits.cpu_time,
                                            info_limits.address_space))
        self.assertEqual(('qemu-img', 'convert', '-q', '-f', 'qcow2', '-O',
                          'raw', work.source_path, work.raw_path), convert)
        self.assertEqual((7, 512 * MiB), (convert_limits.cpu_time,
                                          convert_limits.address_space))

    def test_qemu_img_killed_by_its_limit_fails_the_conversion(self):
        self.config(cpu_time=1, group='conversion')
        work = conversion.Conversion('job-8', 'qcow2')
        work.receive(_chunks(disk_images.qcow2(b'x')))
        with mock.patch.object(
                processutils, 'execute',
                side_effect=processutils.ProcessExecutionError(
                    exit_code=-9)):
            error = self.assertRaises(exception.ConversionFailed,
                                      work.convert)
        self.assertIn('qemu-img info failed', error.message)

    def test_vhd_is_named_vpc_for_qemu_img(self):
        work = conversion.Conversion('job-9', 'vhd')
        os.makedirs(work.dir)
        with open(work.source_path, 'wb'):
            pass
        with mock.patch.object(processutils, 'execute',
                               return_value=('{}', '')) as execute:
            self.assertRaises(exception.ConversionFailed, work.convert)
        self.assertIn('vpc', execute.call_args[0])
