"""Disk images built with qemu-img for the format tests, safe and hostile.

Each builder returns the bytes of an image made in a scratch directory;
the hostile ones reference files on the host, as the 2024 qcow2 and VMDK
attacks did.
"""

import os
import subprocess
import tempfile

_EXTENT = b'RW 2048 SPARSE "disk-image.vmdk"'


def _qemu_img(*args):
    subprocess.run(('qemu-img',) + args, check=True, capture_output=True)


def _built(build):
    with tempfile.TemporaryDirectory(prefix='ciming-disk-') as scratch:
        path = build(scratch)
        with open(path, 'rb') as image:
            return image.read()


def qcow2(data=b'', virtual_size=4 * 1024 * 1024):
    """A qcow2 whose first bytes hold ``data``: converted, it is raw."""
    def build(scratch):
        raw = os.path.join(scratch, 'disk.raw')
        with open(raw, 'wb') as out:
            out.write(data)
            out.truncate(virtual_size)
        path = os.path.join(scratch, 'disk.qcow2')
        _qemu_img('convert', '-f', 'raw', '-O', 'qcow2', raw, path)
        return path
    return _built(build)


def qcow2_with_backing_file(backing='/etc/hosts'):
    def build(scratch):
        path = os.path.join(scratch, 'disk.qcow2')
        _qemu_img('create', '-f', 'qcow2', '-u', '-b', backing, '-F', 'raw',
                  path, '1M')
        return path
    return _built(build)


def qcow2_with_data_file():
    def build(scratch):
        path = os.path.join(scratch, 'disk.qcow2')
        _qemu_img('create', '-f', 'qcow2', '-o',
                  'data_file=%s' % os.path.join(scratch, 'disk.data'),
                  path, '1M')
        return path
    return _built(build)


def vmdk():
    def build(scratch):
        path = os.path.join(scratch, 'disk-image.vmdk')
        _qemu_img('create', '-f', 'vmdk', path, '1M')
        return path
    return _built(build)


def vmdk_with_external_extent(extent=b'/etc/hosts'):
    """A monolithicSparse VMDK whose descriptor names a host file."""
    data = bytearray(vmdk())
    line = b'RW 2048 FLAT "%s" 0' % extent
    start = data.index(_EXTENT)
    assert len(line) <= len(_EXTENT), extent
    data[start:start + len(_EXTENT)] = line.ljust(len(_EXTENT))
    return bytes(data)


def raw(size=1024 * 1024):
    return os.urandom(size)


def convert_to_raw(data, disk_format):
    """What ``qemu-img convert -O raw`` makes of ``data``."""
    with tempfile.TemporaryDirectory(prefix='ciming-disk-') as scratch:
        source = os.path.join(scratch, 'source')
        target = os.path.join(scratch, 'target')
        with open(source, 'wb') as out:
            out.write(data)
        _qemu_img('convert', '-f', disk_format, '-O', 'raw', source, target)
        with open(target, 'rb') as converted:
            return converted.read()
