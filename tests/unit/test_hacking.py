"""The CIMinG local flake8 checks (ciming/hacking/checks.py)."""

import os
import subprocess
import sys

import testtools

from ciming.hacking import checks

_TOP_DIR = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def _no_eventlet_errors(line, filename='ciming/common/example.py'):
    return list(checks.check_no_eventlet(line, filename))


class NoEventletTest(testtools.TestCase):

    def test_import_eventlet_is_refused(self):
        self.assertEqual(
            [(0, 'C301 eventlet is not used in CIMinG')],
            _no_eventlet_errors('import eventlet'))

    def test_from_eventlet_import_is_refused(self):
        self.assertEqual(1, len(_no_eventlet_errors(
            'from eventlet import greenthread')))

    def test_import_of_an_eventlet_submodule_is_refused(self):
        self.assertEqual(1, len(_no_eventlet_errors(
            'import eventlet.green.threading')))

    def test_from_eventlet_submodule_import_is_refused(self):
        self.assertEqual(1, len(_no_eventlet_errors(
            'from eventlet.green import os')))

    def test_other_imports_are_allowed(self):
        for line in ('import threading',
                     'import eventletish',
                     'from oslo_service import backend',
                     'x = "import eventlet"'):
            self.assertEqual([], _no_eventlet_errors(line), line)

    def test_files_outside_the_ciming_package_are_not_checked(self):
        self.assertEqual(
            [], _no_eventlet_errors('import eventlet',
                                    filename='tests/unit/test_x.py'))

    def test_flake8_runs_the_check_as_configured_in_tox_ini(self):
        result = subprocess.run(
            [sys.executable, '-m', 'flake8', '--select', 'C301',
             '--stdin-display-name', 'ciming/example.py', '-'],
            input='import eventlet\n', capture_output=True, text=True,
            cwd=_TOP_DIR, timeout=120)
        self.assertEqual(1, result.returncode, result.stderr)
        self.assertIn('ciming/example.py:1:1: C301 eventlet is not used in '
                      'CIMinG', result.stdout)
