"""StreamInspector: the real format of streamed data, and its safety."""

from ciming.common import exception
from ciming.common import image_format
from tests import disk_images
from tests.unit import base

CHUNK = 64 * 1024


def _chunks(data):
    return [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)]


def _inspected(data, declared):
    inspector = image_format.StreamInspector(declared)
    passed = b''.join(inspector.inspect(_chunks(data)))
    return inspector, passed


class StreamInspectorTestCase(base.TestCase):

    def test_raw_passes_unchanged(self):
        data = disk_images.raw()
        inspector, passed = _inspected(data, 'raw')
        self.assertEqual(data, passed)
        self.assertEqual('raw', inspector.detected)
        self.assertEqual(len(data), inspector.size)
        self.assertEqual(len(data), inspector.virtual_size)

    def test_qcow2_passes_with_its_virtual_size(self):
        data = disk_images.qcow2(b'hello', virtual_size=3 * 1024 * 1024)
        inspector, passed = _inspected(data, 'qcow2')
        self.assertEqual(data, passed)
        self.assertEqual('qcow2', inspector.detected)
        self.assertEqual(3 * 1024 * 1024, inspector.virtual_size)
        self.assertEqual(len(data), inspector.size)

    def test_safe_vmdk_passes(self):
        inspector, _ = _inspected(disk_images.vmdk(), 'vmdk')
        self.assertEqual('vmdk', inspector.detected)

    def test_ami_data_is_raw(self):
        inspector, _ = _inspected(disk_images.raw(), 'ami')
        self.assertEqual('raw', inspector.detected)

    def test_raw_declared_qcow2_is_refused_before_the_end(self):
        data = disk_images.raw(4 * CHUNK)
        inspector = image_format.StreamInspector('qcow2')
        seen = []
        error = self.assertRaises(exception.ImageFormatMismatch, lambda: [
            seen.append(c) for c in inspector.inspect(_chunks(data))])
        self.assertIn('qcow2', error.message)
        self.assertLess(len(seen), 4)

    def test_qcow2_declared_raw_is_refused(self):
        error = self.assertRaises(exception.ImageFormatMismatch, _inspected,
                                  disk_images.qcow2(b'x'), 'raw')
        self.assertEqual('The data is not in its declared disk format raw: '
                         'it is qcow2.', error.message)

    def test_qcow2_declared_ami_is_refused(self):
        self.assertRaises(exception.ImageFormatMismatch, _inspected,
                          disk_images.qcow2(b'x'), 'ami')

    def test_vmdk_declared_qcow2_is_refused(self):
        self.assertRaises(exception.ImageFormatMismatch, _inspected,
                          disk_images.vmdk(), 'qcow2')

    def test_qcow2_with_a_backing_file_is_unsafe(self):
        error = self.assertRaises(exception.UnsafeImage, _inspected,
                                  disk_images.qcow2_with_backing_file(),
                                  'qcow2')
        self.assertIn('backing file', error.message)
        self.assertEqual(400, error.status)

    def test_qcow2_with_an_external_data_file_is_unsafe(self):
        error = self.assertRaises(exception.UnsafeImage, _inspected,
                                  disk_images.qcow2_with_data_file(),
                                  'qcow2')
        self.assertIn('data_file', error.message)

    def test_vmdk_with_an_external_extent_is_unsafe(self):
        error = self.assertRaises(exception.UnsafeImage, _inspected,
                                  disk_images.vmdk_with_external_extent(),
                                  'vmdk')
        self.assertIn('extent', error.message)

    def test_the_refusal_comes_before_the_consumer_sees_the_end(self):
        chunks = _chunks(disk_images.qcow2_with_backing_file())
        inspector = image_format.StreamInspector('qcow2')
        stream = inspector.inspect(chunks)
        for _ in chunks:
            next(stream)
        self.assertRaises(exception.UnsafeImage, next, stream)


class DeliveryFormatTestCase(base.TestCase):

    def test_a_cloud_taking_any_format_takes_the_image_as_it_is(self):
        self.assertEqual('qcow2', image_format.delivery_format('qcow2',
                                                               None))

    def test_a_cloud_taking_the_format_takes_it(self):
        self.assertEqual('vmdk', image_format.delivery_format(
            'vmdk', ('raw', 'vmdk')))
        self.assertFalse(image_format.needs_conversion('vmdk',
                                                       ('raw', 'vmdk')))

    def test_convertible_formats_go_raw_to_a_raw_cloud(self):
        for fmt in ('qcow2', 'vmdk', 'vhd', 'vhdx'):
            self.assertEqual('raw', image_format.delivery_format(
                fmt, ('raw',)))
            self.assertTrue(image_format.needs_conversion(fmt, ('raw',)))

    def test_other_formats_cannot_reach_a_raw_cloud(self):
        self.assertIsNone(image_format.delivery_format('iso', ('raw',)))
        self.assertIsNone(image_format.delivery_format('qcow2',
                                                       ('vmdk',)))
