"""CIMinG-specific flake8 checks, loaded through tox.ini local-plugins.

Guidelines for new checks:

- Use only the ``C3xx`` range of codes.
- Give each check one function, a docstring saying what it forbids and
  why, and a unit test in ``tests/unit/test_hacking.py``.
- Register the code in ``[flake8:local-plugins]`` of ``tox.ini``.

This module is imported by flake8 from ``ciming/hacking`` directly, so it
must not import anything from the ``ciming`` package.
"""

import os
import re

from hacking import core

_EVENTLET_IMPORT_RE = re.compile(r'^\s*(?:import|from)\s+eventlet(?:\.|\s|$)')

_CIMING_DIR = 'ciming' + os.sep


def _in_ciming_package(filename):
    # flake8 runs from the top of the tree (tox's toxinidir).
    return os.path.relpath(filename).startswith(_CIMING_DIR)


@core.flake8ext
def check_no_eventlet(logical_line, filename):
    """C301 - eventlet is not used in CIMinG.

    CIMinG runs on native threads (oslo.service threading backend,
    threading executors, a real WSGI server): OpenStack is removing
    eventlet, and monkey-patching would change how every library behaves.

    C301: import eventlet
    C301: from eventlet import greenthread
    C301: import eventlet.green.threading
    Okay: import threading
    """
    if not _in_ciming_package(filename):
        return
    match = _EVENTLET_IMPORT_RE.search(logical_line)
    if match:
        yield (match.start(), 'C301 eventlet is not used in CIMinG')
