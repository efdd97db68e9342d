"""``prepare_service``: the options and defaults every process starts with."""

from unittest import mock

from oslo_config import cfg
import testtools

from ciming.common import service
from ciming.conf import opts


class RegisterOptsTest(testtools.TestCase):

    def test_rpc_exchange_defaults_to_cimings_own(self):
        conf = cfg.ConfigOpts()
        service.register_opts(conf)
        conf([], project='ciming', default_config_files=[])
        self.addCleanup(conf.reset)
        self.assertEqual(opts.CONTROL_EXCHANGE, conf.control_exchange)
        self.assertEqual('ciming', conf.control_exchange)

    def test_logging_and_policy_options_are_registered(self):
        conf = cfg.ConfigOpts()
        service.register_opts(conf)
        conf([], project='ciming', default_config_files=[])
        self.addCleanup(conf.reset)
        self.assertIn('debug', conf)
        self.assertEqual('policy.yaml', conf.oslo_policy.policy_file)

    def test_registering_twice_is_harmless(self):
        conf = cfg.ConfigOpts()
        service.register_opts(conf)
        service.register_opts(conf)
        conf([], project='ciming', default_config_files=[])
        self.addCleanup(conf.reset)
        self.assertEqual('ciming', conf.control_exchange)


class FreezeStartupObjectsTest(testtools.TestCase):

    @mock.patch('gc.freeze')
    @mock.patch('gc.collect')
    def test_collects_then_freezes_what_is_left(self, collect, freeze):
        calls = mock.Mock()
        calls.attach_mock(collect, 'collect')
        calls.attach_mock(freeze, 'freeze')
        service.freeze_startup_objects()
        self.assertEqual([mock.call.collect(), mock.call.freeze()],
                         calls.mock_calls)
