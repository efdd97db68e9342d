"""The conductor RPC client under ``[conductor] rpc_version_cap``."""

from unittest import mock

import oslo_messaging as messaging

from ciming.common import context as ciming_context
from ciming.common import exception
from ciming.common import rpc
from ciming.conductor import rpcapi
from ciming.conf import CONF
from tests.unit import base


class VersionCapTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        transport = messaging.get_rpc_transport(CONF, url='fake://')
        self.addCleanup(transport.cleanup)
        patcher = mock.patch.object(rpc, 'TRANSPORT', transport)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.sent = []

        def record(kind):
            # What would be sent: the prepared client's target version.
            def send(client, ctxt, method, **kwargs):
                self.sent.append((kind, method,
                                  client._client.target.version, kwargs))
            return send
        for kind in ('call', 'cast'):
            patcher = mock.patch.object(rpc._Client, kind, autospec=True,
                                        side_effect=record(kind))
            patcher.start()
            self.addCleanup(patcher.stop)
        self.ctx = ciming_context.RequestContext(project_id='p')

    def _api(self, cap=None):
        self.config(rpc_version_cap=cap, group='conductor')
        return rpcapi.ConductorAPI()

    def _versions(self):
        return [(kind, method, version)
                for kind, method, version, _kw in self.sent]

    def test_uncapped_sends_what_each_call_needs(self):
        api = self._api()
        api.purge_image(self.ctx, 'img')
        api.resume_job(self.ctx, 'job', credentials={'c': {}})
        api.run_job(self.ctx, 'job', credentials={'c': {'x': 1}})
        api.run_job(self.ctx, 'job')
        self.assertEqual([('call', 'purge_image', '1.3'),
                          ('cast', 'resume_job', '1.2'),
                          ('cast', 'run_job', '1.1'),
                          ('cast', 'run_job', '1.0')], self._versions())

    def test_capped_below_purge_refuses_it(self):
        api = self._api('1.2')
        error = self.assertRaises(exception.ConductorVersionCapped,
                                  api.purge_image, self.ctx, 'img')
        self.assertEqual(409, error.status)
        self.assertIn('1.3', error.message)
        self.assertIn('1.2', error.message)
        self.assertEqual([], self.sent)
        api.resume_job(self.ctx, 'job', credentials={'c': {}})
        self.assertEqual([('cast', 'resume_job', '1.2')], self._versions())

    def test_capped_at_1_0(self):
        api = self._api('1.0')
        for method, args in (
                (api.resume_job, ('job',)),
                (api.describe_remote_image, ('cloud', 'remote')),
                (api.list_cloud_images, ('cloud',)),
                (api.refresh_image, ('img',)),
                (api.purge_image, ('img',))):
            self.assertRaises(exception.ConductorVersionCapped, method,
                              self.ctx, *args)
        # Credentials cannot be carried: refused, nothing sent.
        self.assertRaises(exception.ConductorVersionCapped, api.run_job,
                          self.ctx, 'job', credentials={'c': {'x': 1}})
        self.assertRaises(exception.ConductorVersionCapped,
                          api.validate_cloud, self.ctx, 'cloud',
                          credentials={'c': {'x': 1}})
        self.assertEqual([], self.sent)
        # Without them the 1.0 forms do the work.
        api.run_job(self.ctx, 'job')
        api.validate_cloud(self.ctx, 'cloud')
        api.verify_location(self.ctx, 'img', 'cloud', 'remote')
        api.cancel_job(self.ctx, 'job')
        self.assertEqual([('cast', 'run_job', '1.0'),
                          ('call', 'validate_cloud', '1.0'),
                          ('call', 'verify_location', '1.0'),
                          ('cast', 'cancel_job', '1.0')], self._versions())
        for _kind, _method, _version, kwargs in self.sent:
            self.assertNotIn('credentials', kwargs)

    def test_every_version_sent_is_within_the_cap(self):
        """No call reaches oslo.messaging's RPCVersionCapError (a 500)."""
        api = self._api('1.1')
        for method, args in (
                (api.run_job, ('job',)),
                (api.validate_cloud, ('cloud',)),
                (api.verify_location, ('img', 'cloud', 'remote')),
                (api.describe_remote_image, ('cloud', 'remote')),
                (api.list_cloud_images, ('cloud',)),
                (api.refresh_image, ('img',)),
                (api.resume_job, ('job',)),
                (api.purge_image, ('img',))):
            try:
                method(self.ctx, *args)
            except exception.ConductorVersionCapped:
                pass
        for _kind, method, version, _kwargs in self.sent:
            self.assertTrue(api.client.can_send_version(version),
                            '%s sent %s' % (method, version))
