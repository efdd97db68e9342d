"""The lease of an upload: start-up recovery and the expiry sweep."""

import datetime
import os
import subprocess
import sys
import time

from oslo_utils import timeutils

from ciming.common import staging
from ciming.common import states
from ciming.common import upload_lease
from tests.unit import base


def dead_pid():
    """The pid of a process that has ended."""
    proc = subprocess.Popen([sys.executable, '-c', 'pass'])
    proc.wait()
    return proc.pid


class UploadLeaseTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.config(host='api-host')
        self.config(upload_lease_timeout=60, group='api')
        self.cloud = self.create_local_cloud('dev-a')
        self.area = staging.StagingArea()

    def uploading(self, host='api-host', pid=None, heartbeat_age=0,
                  data=b'partial'):
        image = self.dbapi.create_image(
            {'project_id': 'project-a', 'disk_format': 'raw',
             'container_format': 'bare', 'status': states.IMAGE_QUEUED},
            [self.cloud.id])
        self.dbapi.update_image(image.id, {
            'status': states.IMAGE_UPLOADING, 'upload_host': host,
            'upload_pid': pid if pid is not None else os.getpid(),
            'upload_heartbeat_at': timeutils.utcnow() - datetime.timedelta(
                seconds=heartbeat_age)}, expected_status=['queued'])
        with self.area.open_writer(image.id) as out:
            out.write(data)
        return image

    def status(self, image):
        return self.dbapi.get_image(image.id).status

    def partial(self, image):
        return os.path.exists(self.area.path(image.id) + '.part')

    def test_start_resets_uploads_of_this_process_id(self):
        image = self.uploading(pid=os.getpid())
        upload_lease.recover_own(self.dbapi)
        reset = self.dbapi.get_image(image.id)
        self.assertEqual(states.IMAGE_QUEUED, reset.status)
        self.assertIsNone(reset.upload_host)
        self.assertIsNone(reset.upload_heartbeat_at)
        self.assertFalse(self.partial(image))

    def test_start_resets_uploads_of_a_dead_process_of_this_host(self):
        image = self.uploading(pid=dead_pid())
        upload_lease.recover_own(self.dbapi)
        self.assertEqual(states.IMAGE_QUEUED, self.status(image))
        self.assertFalse(self.partial(image))

    def test_start_leaves_a_live_process_and_other_hosts_alone(self):
        sibling = self.uploading(pid=os.getppid())
        elsewhere = self.uploading(host='other-host', pid=dead_pid())
        upload_lease.recover_own(self.dbapi)
        self.assertEqual(states.IMAGE_UPLOADING, self.status(sibling))
        self.assertEqual(states.IMAGE_UPLOADING, self.status(elsewhere))
        self.assertTrue(self.partial(sibling))

    def test_start_removes_stray_partial_files_only(self):
        image = self.uploading(pid=os.getppid())
        stray = self.dbapi.create_image(
            {'project_id': 'project-a', 'disk_format': 'raw',
             'container_format': 'bare', 'status': states.IMAGE_ACTIVE})
        with self.area.open_writer(stray.id) as out:
            out.write(b'left by a dead upload')
        self.area.commit(stray.id)
        with self.area.open_writer(stray.id) as out:
            out.write(b'a partial beside committed data')
        upload_lease.recover_own(self.dbapi)
        self.assertFalse(self.partial(stray))
        self.assertTrue(self.area.exists(stray.id))
        self.assertTrue(self.partial(image))

    def test_sweep_resets_only_expired_leases(self):
        self.config(host='conductor-host')
        expired = self.uploading(heartbeat_age=61)
        alive = self.uploading(heartbeat_age=30)
        self.assertEqual([expired.id], upload_lease.reset_expired(
            self.dbapi))
        self.assertEqual(states.IMAGE_QUEUED, self.status(expired))
        self.assertEqual(states.IMAGE_UPLOADING, self.status(alive))
        # Another host's staging: its partial file waits for that host.
        self.assertTrue(self.partial(expired))

    def test_sweep_removes_the_partial_file_it_can_reach(self):
        self.config(shared=True, group='staging')
        expired = self.uploading(host='gone-host', heartbeat_age=61)
        upload_lease.reset_expired(self.dbapi)
        self.assertFalse(self.partial(expired))

    def test_renewal_extends_the_lease_of_its_own_upload_only(self):
        image = self.uploading(heartbeat_age=61)
        self.assertFalse(self.dbapi.renew_upload(image.id, 'api-host',
                                                 os.getpid() + 1))
        self.assertTrue(self.dbapi.renew_upload(image.id, 'api-host',
                                                os.getpid()))
        self.assertEqual([], upload_lease.reset_expired(self.dbapi))
        self.assertEqual(states.IMAGE_UPLOADING, self.status(image))

    def test_lease_renews_while_the_upload_streams(self):
        self.config(upload_heartbeat_interval=1, group='api')
        image = self.uploading(heartbeat_age=61)
        before = self.dbapi.get_image(image.id).upload_heartbeat_at

        def renewed():
            return self.dbapi.get_image(
                image.id).upload_heartbeat_at > before

        with upload_lease.Lease(self.dbapi, image.id):
            wait_for(renewed)
        self.assertEqual([], upload_lease.reset_expired(self.dbapi))


def wait_for(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError('timed out')
        time.sleep(0.1)
