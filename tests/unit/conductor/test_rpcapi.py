"""The conductor RPC client: in step with its endpoint, under its cap."""

import inspect
import re
from unittest import mock

import fixtures
import oslo_messaging as messaging
import testtools

from ciming.common import context as ciming_context
from ciming.common import exception
from ciming.common import rpc
from ciming.conductor import manager
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

    def test_metadata_jobs_are_sent_at_1_5(self):
        api = self._api()
        self.assertTrue(api.can_run_metadata_jobs())
        api.run_job(self.ctx, 'job', metadata=True)
        api.run_job(self.ctx, 'job', credentials={'c': {'x': 1}},
                    metadata=True)
        self.assertEqual([('cast', 'run_job', '1.5'),
                          ('cast', 'run_job', '1.5')], self._versions())
        # The flag itself is not sent: the job's action says it all.
        self.assertEqual([{'job_id': 'job'},
                          {'job_id': 'job', 'credentials': {'c': {'x': 1}}}],
                         [kwargs for _k, _m, _v, kwargs in self.sent])

    def test_capped_below_1_5_refuses_metadata_jobs(self):
        api = self._api('1.4')
        self.assertFalse(api.can_run_metadata_jobs())
        error = self.assertRaises(exception.ConductorVersionCapped,
                                  api.run_job, self.ctx, 'job',
                                  metadata=True)
        self.assertIn('1.5', error.message)
        self.assertEqual([], self.sent)
        api.run_job(self.ctx, 'job')
        self.assertEqual([('cast', 'run_job', '1.0')], self._versions())

    def test_live_upload_jobs_are_sent_at_1_6(self):
        api = self._api()
        self.assertTrue(api.can_copy_during_upload())
        api.run_job(self.ctx, 'job', host='h', live_upload=True)
        self.assertEqual([('cast', 'run_job', '1.6')], self._versions())
        self.assertEqual([{'job_id': 'job'}],
                         [kwargs for _k, _m, _v, kwargs in self.sent])

    def test_capped_below_1_6_copies_uploads_after_them(self):
        api = self._api('1.5')
        self.assertFalse(api.can_copy_during_upload())
        self.assertRaises(exception.ConductorVersionCapped, api.run_job,
                          self.ctx, 'job', live_upload=True)
        self.assertEqual([], self.sent)

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


def _version(text):
    return tuple(int(p) for p in text.split('.'))


# Example arguments of every RPC method, by parameter name.
_ARGUMENTS = {'context': 'ctx', 'job_id': 'j', 'cloud_id': 'c',
              'image_id': 'i', 'remote_id': 'r', 'force': True,
              'credentials': {'c': {'token': 't'}}, 'host': None,
              'metadata': True, 'live_upload': True}


class VersionsInSyncTest(testtools.TestCase):

    def test_client_and_endpoint_versions_are_the_same(self):
        self.assertEqual(rpcapi.RPC_API_VERSION,
                         manager.ConductorManager.RPC_API_VERSION)
        self.assertEqual(rpcapi.RPC_API_VERSION,
                         manager.ConductorManager.target.version)

    def test_changelog_ends_with_the_current_version(self):
        logged = re.findall(r'^\* (\d+\.\d+) - ', rpcapi.__doc__, re.M)
        self.assertEqual(rpcapi.RPC_API_VERSION, logged[-1])
        self.assertEqual(sorted(logged, key=_version), logged)


class EveryCallReachesTheEndpointTest(testtools.TestCase):
    """Each client method names an endpoint method that takes its args."""

    def setUp(self):
        super().setUp()
        self.client = mock.Mock()
        self.client.can_send_version.return_value = True
        self.useFixture(fixtures.MockPatch('ciming.common.rpc.get_client',
                                           return_value=self.client))
        self.api = rpcapi.ConductorAPI()

    def _methods(self):
        return [name for name, _ in inspect.getmembers(
            rpcapi.ConductorAPI, inspect.isfunction)
            if not name.startswith(('_', 'can_'))]

    def test_each_method(self):
        for name in self._methods():
            self.client.reset_mock()
            method = getattr(self.api, name)
            arguments = {p: _ARGUMENTS[p] for p in inspect.signature(
                method).parameters}
            method(**arguments)
            prepared = self.client.prepare
            self.assertEqual(1, prepared.call_count, name)
            version = prepared.call_args.kwargs['version']
            self.assertLessEqual(_version(version),
                                 _version(rpcapi.RPC_API_VERSION), name)
            sent = prepared.return_value
            (call, ) = sent.cast.call_args_list + sent.call.call_args_list
            (context, remote_name), kwargs = call.args, call.kwargs
            self.assertEqual(name, remote_name)
            endpoint = getattr(manager.ConductorManager, remote_name)
            # Raises TypeError when the endpoint does not take them.
            inspect.signature(endpoint).bind(None, context, **kwargs)
