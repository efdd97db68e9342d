"""What an image's data really is, learnt while it streams.

Since the 2024 qcow2 and VMDK CVEs, image data is never trusted for what
its ``disk_format`` says: a qcow2 can name a backing file or an external
data file, a VMDK an extent, that a later ``qemu-img`` or hypervisor
would open on the host. oslo.utils' format inspector (the code Nova and
Glance use) reads the headers as the chunks go by; :class:`StreamInspector`
refuses data whose real format is not the declared one, and data the
inspector's safety checks flag. Nothing here converts; see
:mod:`ciming.conductor.conversion`.
"""

from oslo_log import log
from oslo_utils.imageutils import format_inspector

from ciming.common import exception

LOG = log.getLogger(__name__)

RAW = 'raw'
# Every disk format an image may declare (Glance's list).
DISK_FORMATS = ('raw', 'qcow2', 'vmdk', 'vhd', 'vhdx', 'vdi', 'iso',
                'ploop', 'ami', 'ari', 'aki')
# Formats the conductor converts to raw for a cloud that takes only raw.
CONVERTIBLE = frozenset(('qcow2', 'vmdk', 'vhd', 'vhdx'))
# qemu-img's names of the formats, where they differ from Glance's.
QEMU_NAMES = {'vhd': 'vpc'}

# Declared formats whose data is a plain disk (AMI disk, kernel, ramdisk)
# or that the inspector has no parser for: their data must look raw.
_INSPECTED_AS = {'ami': RAW, 'ari': RAW, 'aki': RAW, 'ploop': RAW}
# A raw disk with a partition table is detected as gpt: still raw.
_DETECTED_AS = {'gpt': RAW}


def delivery_format(disk_format, accepted):
    """The format a target receives an image of ``disk_format`` in.

    ``accepted`` is the tuple of formats the target cloud takes (None:
    any). The image's own format when the cloud takes it, raw when the
    cloud takes raw and the format is one the conductor converts, else
    None: the cloud cannot receive the image.
    """
    if accepted is None or disk_format in accepted:
        return disk_format
    if disk_format in CONVERTIBLE and RAW in accepted:
        return RAW
    return None


def needs_conversion(disk_format, accepted):
    """True when a target taking ``accepted`` needs a conversion."""
    target = delivery_format(disk_format, accepted)
    return target is not None and target != disk_format


class StreamInspector:
    """Inspect a stream of chunks as it flows; refuse what is not safe.

    :meth:`inspect` wraps an iterable of chunks and yields them unchanged
    once the inspectors have seen them; it raises
    :class:`~ciming.common.exception.ImageFormatMismatch` as soon as the
    data cannot be the declared format, and at the end of the stream,
    before the consumer sees the end, either that error or
    :class:`~ciming.common.exception.UnsafeImage`. After a successful
    inspection ``detected``, ``virtual_size`` and ``size`` are known.
    """

    def __init__(self, declared_format):
        self.declared = declared_format
        self.expected = _INSPECTED_AS.get(declared_format, declared_format)
        self.detected = None
        self.virtual_size = None
        self.size = 0

    def inspect(self, chunks):
        """Yield ``chunks``, inspected; raise when the data is refused."""
        wrapper = format_inspector.InspectWrapper(
            _Counted(self, chunks), expected_format=self.expected)
        try:
            yield from wrapper
        except format_inspector.ImageFormatError as exc:
            LOG.info('Data declared %s refused: %s', self.declared, exc)
            raise exception.ImageFormatMismatch(
                declared=self.declared,
                reason='it cannot be parsed as %s' % self.declared)
        self._check(wrapper)

    def _check(self, wrapper):
        try:
            found = wrapper.formats
        except format_inspector.ImageFormatError as exc:
            raise exception.UnsafeImage(fmt=self.declared, reason=str(exc))
        names = [str(f) for f in found]
        if self.expected in names:
            inspector = found[names.index(self.expected)]
        elif len(found) == 1:
            inspector = found[0]
        else:
            raise exception.UnsafeImage(
                fmt=self.declared,
                reason='it holds several formats at once (%s)'
                       % ', '.join(sorted(names)))
        detected = _DETECTED_AS.get(str(inspector), str(inspector))
        if detected != self.expected:
            raise exception.ImageFormatMismatch(
                declared=self.declared, reason='it is %s' % detected)
        try:
            inspector.safety_check()
        except format_inspector.SafetyCheckFailed as exc:
            raise exception.UnsafeImage(
                fmt=self.declared, reason='; '.join(
                    '%s (%s)' % (exc.failures[name], name)
                    for name in sorted(exc.failures)))
        except format_inspector.ImageFormatError as exc:
            raise exception.UnsafeImage(fmt=self.declared, reason=str(exc))
        self.detected = detected
        self.virtual_size = inspector.virtual_size or self.size


class _Counted:
    """An iterator over chunks that counts the bytes it hands out."""

    def __init__(self, inspector, chunks):
        self._inspector = inspector
        self._chunks = iter(chunks)

    def __iter__(self):
        return self

    def __next__(self):
        chunk = next(self._chunks)
        self._inspector.size += len(chunk)
        return chunk
