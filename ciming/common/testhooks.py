"""Test-only pause points: a functional test holds a conductor at a step.

To prove that a crash lands where it claims to, the functional tests need
the conductor to stop, provably, at a named step of a job. This module is
inert unless the environment variable ``CIMING_TEST_PAUSE_DIR`` is set,
which only ``tests/functional`` does; it is never a configuration option
and changes no behaviour: at a point, a conductor looks for a named pipe
(FIFO) ``<image id>.<point>`` in that directory and, if the test made
one, waits there until the test lets it go (or kills it). It is named by
the image, which a test knows before the job that copies it exists.

The protocol is that of a pipe: the conductor opens the FIFO for
reading, which blocks until the test opens it for writing; the test's
non-blocking open succeeds only then (before, it fails with ENXIO), which
is its proof that the point was reached. The conductor then blocks on a
read until the test closes its end.
"""

import os
import stat

from oslo_log import log

LOG = log.getLogger(__name__)

ENV = 'CIMING_TEST_PAUSE_DIR'

# The points, in the order a job passes them.
BEFORE_PREPARE = 'before-prepare'
MID_TRANSFER = 'mid-transfer'
BEFORE_FINALIZE = 'before-finalize'
BEFORE_COMPLETE = 'before-complete'


def pause(point, job_id, image_id):
    """Wait at ``point`` of a job if a test holds it; else return."""
    directory = os.environ.get(ENV)
    if not directory:
        return
    path = os.path.join(directory, '%s.%s' % (image_id, point))
    try:
        if not stat.S_ISFIFO(os.stat(path).st_mode):
            return
    except OSError:
        return
    LOG.warning('TEST ONLY: job %(job)s waits at point %(point)s',
                {'job': job_id, 'point': point})
    try:
        with open(path, 'rb') as fifo:
            fifo.read()
    except OSError:
        pass  # the test removed it: go on
    LOG.warning('TEST ONLY: job %(job)s goes on from point %(point)s',
                {'job': job_id, 'point': point})
