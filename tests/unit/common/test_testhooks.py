"""The test-only pause points: inert by default, a held FIFO blocks."""

import errno
import os
import threading

import fixtures

from ciming.common import testhooks
from tests.unit import base


class PauseTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path

    def test_inert_without_the_environment_variable(self):
        self.useFixture(fixtures.EnvironmentVariable(testhooks.ENV))
        os.mkfifo(os.path.join(self.dir, 'img.before-prepare'))
        testhooks.pause(testhooks.BEFORE_PREPARE, 'job', 'img')  # returns

    def test_inert_without_a_fifo(self):
        self.useFixture(fixtures.EnvironmentVariable(testhooks.ENV,
                                                     self.dir))
        testhooks.pause(testhooks.BEFORE_PREPARE, 'job', 'img')
        with open(os.path.join(self.dir, 'img.before-prepare'), 'w'):
            pass
        testhooks.pause(testhooks.BEFORE_PREPARE, 'job', 'img')

    def test_held_until_the_writer_closes(self):
        self.useFixture(fixtures.EnvironmentVariable(testhooks.ENV,
                                                     self.dir))
        path = os.path.join(self.dir, 'img.mid-transfer')
        os.mkfifo(path)
        # Nobody waits there yet: a writer cannot open it.
        error = self.assertRaises(OSError, os.open, path,
                                  os.O_WRONLY | os.O_NONBLOCK)
        self.assertEqual(errno.ENXIO, error.errno)
        passed = threading.Event()

        def job():
            testhooks.pause(testhooks.MID_TRANSFER, 'job', 'img')
            passed.set()
        thread = threading.Thread(target=job, daemon=True)
        thread.start()
        fd = None
        for _attempt in range(1000):
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError as exc:
                self.assertEqual(errno.ENXIO, exc.errno)
                passed.wait(0.01)
        self.assertIsNotNone(fd, 'the job never reached the point')
        self.assertFalse(passed.wait(0.2))
        os.close(fd)
        thread.join(10)
        self.assertTrue(passed.is_set())
