"""Converting an image to raw, for a cloud that takes only raw.

The source data is written to a scratch directory of its own (one per
job) while the :class:`~ciming.common.image_format.StreamInspector`
checks it; only data that passed is handed to ``qemu-img``, always with
its format named (``-f``), never probed. ``qemu-img`` runs under the
CPU-time and address-space limits Nova puts on ``qemu-img info``
(oslo.concurrency's prlimit), and the scratch area is bounded by
``[conversion] max_size``: a qcow2 of a few KiB can describe an
exabyte disk.
"""

import hashlib
import json
import os
import shutil

from oslo_concurrency import processutils
from oslo_log import log
from oslo_utils import units

from ciming.common import exception
from ciming.common import image_format
from ciming.common import streams
from ciming.conf import CONF

LOG = log.getLogger(__name__)

SOURCE = 'source'
RAW = 'raw'
# Nova's limits for qemu-img info: it reads headers only.
_INFO_CPU_TIME = 30
_INFO_ADDRESS_SPACE = units.Gi


def scratch_dir(job_id):
    """The scratch directory of one job's conversion."""
    return os.path.join(CONF.conversion.scratch_dir, job_id)


def _limits(cpu_time, address_space):
    return processutils.ProcessLimits(cpu_time=cpu_time,
                                      address_space=address_space)


class Conversion:
    """A source received, inspected, and converted to raw in scratch."""

    def __init__(self, job_id, disk_format):
        self.job_id = job_id
        self.disk_format = disk_format
        self.dir = scratch_dir(job_id)
        self.source_path = os.path.join(self.dir, SOURCE)
        self.raw_path = os.path.join(self.dir, RAW)
        self.inspector = image_format.StreamInspector(disk_format)
        self.source = None
        self.converted = None

    def _failed(self, reason):
        return exception.ConversionFailed(source=self.disk_format,
                                          target=RAW, reason=reason)

    def receive(self, chunks):
        """Write the inspected source to scratch; return what it is.

        Raises ImageFormatMismatch or UnsafeImage for data the inspector
        refuses, ConversionFailed for data larger than ``max_size``.
        """
        limit = CONF.conversion.max_size
        os.makedirs(self.dir, exist_ok=True)
        md5 = hashlib.md5(usedforsecurity=False)
        sha = hashlib.new(streams.HASH_ALGO)
        size = 0
        with open(self.source_path, 'wb') as out:
            for chunk in self.inspector.inspect(chunks):
                size += len(chunk)
                if size > limit:
                    raise self._failed('the data is larger than the %d '
                                       'bytes of [conversion] max_size'
                                       % limit)
                md5.update(chunk)
                sha.update(chunk)
                out.write(chunk)
        self.source = {'disk_format': self.disk_format, 'size': size,
                       'virtual_size': self.inspector.virtual_size,
                       'checksum': md5.hexdigest(),
                       'os_hash_algo': streams.HASH_ALGO,
                       'os_hash_value': sha.hexdigest()}
        return self.source

    def _qemu_img(self, args, cpu_time, address_space):
        try:
            out, _err = processutils.execute(
                'qemu-img', *args, prlimit=_limits(cpu_time, address_space))
        except processutils.ProcessExecutionError as exc:
            LOG.warning('Job %(job)s: qemu-img %(cmd)s failed: %(err)s',
                        {'job': self.job_id, 'cmd': args[0], 'err': exc})
            raise self._failed('qemu-img %s failed (exit code %s)'
                               % (args[0], exc.exit_code))
        except OSError as exc:
            raise self._failed('qemu-img cannot run: %s' % exc.strerror)
        return out

    def _info(self):
        """qemu-img's own view of the source, read with -f, never probed."""
        fmt = image_format.QEMU_NAMES.get(self.disk_format,
                                          self.disk_format)
        out = self._qemu_img(
            ['info', '--output=json', '-f', fmt, self.source_path],
            _INFO_CPU_TIME, _INFO_ADDRESS_SPACE)
        try:
            return json.loads(out)
        except ValueError:
            raise self._failed('qemu-img info gave no JSON')

    def convert(self):
        """Convert the received source to raw; return what the raw is.

        qemu-img must agree with the inspector: no backing file, no data
        file, a virtual size within ``max_size``.
        """
        info = self._info()
        virtual_size = info.get('virtual-size')
        if info.get('backing-filename') or info.get(
                'format-specific', {}).get('data', {}).get('data-file'):
            raise exception.UnsafeImage(
                fmt=self.disk_format,
                reason='qemu-img reports an external file')
        if not isinstance(virtual_size, int) or virtual_size < 0:
            raise self._failed('qemu-img reports no virtual size')
        if virtual_size > CONF.conversion.max_size:
            raise self._failed('its virtual size %d is larger than the %d '
                               'bytes of [conversion] max_size'
                               % (virtual_size, CONF.conversion.max_size))
        fmt = image_format.QEMU_NAMES.get(self.disk_format,
                                          self.disk_format)
        self._qemu_img(['convert', '-q', '-f', fmt, '-O', RAW,
                        self.source_path, self.raw_path],
                       CONF.conversion.cpu_time, CONF.conversion.memory)
        size = os.path.getsize(self.raw_path)
        if size != virtual_size:
            raise self._failed('the raw result has %d bytes, not the '
                               'virtual size %d' % (size, virtual_size))
        md5 = hashlib.md5(usedforsecurity=False)
        sha = hashlib.new(streams.HASH_ALGO)
        with open(self.raw_path, 'rb') as raw:
            for chunk in streams.read_chunks(raw, CONF.transfer.chunk_size):
                md5.update(chunk)
                sha.update(chunk)
        self.converted = {'disk_format': RAW, 'size': size,
                          'checksum': md5.hexdigest(),
                          'os_hash_algo': streams.HASH_ALGO,
                          'os_hash_value': sha.hexdigest()}
        LOG.info('Job %(job)s: converted %(size)d bytes of %(fmt)s to '
                 '%(raw)d bytes of raw', {'job': self.job_id,
                                          'size': self.source['size'],
                                          'fmt': self.disk_format,
                                          'raw': size})
        return self.converted


def remove(job_id):
    """Remove a job's scratch directory; errors are only logged."""
    try:
        shutil.rmtree(scratch_dir(job_id))
    except FileNotFoundError:
        pass
    except OSError as exc:
        LOG.error('Job %(job)s: cannot remove its conversion scratch '
                  'directory: %(err)s', {'job': job_id, 'err': exc})
