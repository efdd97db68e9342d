"""Job and image notifications: sent, and free of credentials."""

import json

import fixtures
import oslo_messaging as messaging
from oslo_messaging.notify import _impl_test

from ciming.common import notify
from ciming.common import rpc
from ciming.common import staging
from ciming.common import states
from ciming.conductor import manager
from ciming.conf import CONF
from tests.unit import base

CANARY = 'canary-notification-secret'


class NotificationsTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        transport = messaging.get_notification_transport(CONF,
                                                         url='fake://')
        # oslo.messaging's in-memory "test" notification driver.
        self.config(driver=['test'], group='oslo_messaging_notifications')
        self.useFixture(fixtures.MockPatchObject(
            rpc, 'NOTIFICATION_TRANSPORT', transport))
        # The notifier is built on first use, from the patched transport.
        notify._notifier = None
        self.addCleanup(setattr, notify, '_notifier', None)
        _impl_test.reset()
        self.addCleanup(_impl_test.reset)
        self.manager = manager.ConductorManager('test-host')
        self.addCleanup(self.manager.stop)
        self.cloud = self.create_local_cloud('dev-a')

    def _job(self):
        image = self.dbapi.create_image(
            {'project_id': 'project-a', 'disk_format': 'raw',
             'container_format': 'bare', 'status': states.IMAGE_UPLOADING,
             'size': 3, 'staged': True}, [self.cloud.id])
        area = staging.StagingArea()
        with area.open_writer(image.id) as out:
            out.write(b'abc')
        area.commit(image.id)
        return self.dbapi.create_job(
            {'project_id': 'project-a', 'image_id': image.id,
             'action': states.ACTION_IMPORT_UPLOAD,
             'source': {'type': 'staging'},
             'image_status': states.IMAGE_IMPORTING}, [self.cloud.id])

    def test_job_start_end_and_image_update_are_notified(self):
        job = self._job()
        base.run_job_now(self.manager, self.context, job.id,
                         {'nowhere': {'password': CANARY}})

        sent = _impl_test.NOTIFICATIONS
        events = [n[1]['event_type'] for n in sent]
        self.assertEqual(['ciming.job.start', 'ciming.image.update',
                          'ciming.job.end'], events)
        self.assertEqual(states.JOB_SUCCEEDED, sent[-1][1]['payload']['state'])
        self.assertEqual(job.id, sent[-1][1]['payload']['job_id'])
        self.assertEqual(states.IMAGE_ACTIVE, sent[1][1]['payload']['status'])
        self.assertNotIn(CANARY, json.dumps(sent, default=str))
