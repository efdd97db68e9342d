"""The checked-in configuration and policy samples match the code."""

import os

import fixtures
from oslo_config import cfg
from oslo_config import generator as config_generator
from oslo_policy import generator as policy_generator
import testtools

_TOP_DIR = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
_ETC_DIR = os.path.join(_TOP_DIR, 'etc', 'ciming')


def _read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


class SampleInSyncTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp_dir = self.useFixture(fixtures.TempDir()).path

    def test_config_sample_matches_the_options_in_code(self):
        generated = os.path.join(self.tmp_dir, 'ciming.conf.sample')
        config_generator.main([
            '--config-file',
            os.path.join(_ETC_DIR, 'ciming-config-generator.conf'),
            '--output-file', generated])

        self.assertEqual(
            _read(os.path.join(_ETC_DIR, 'ciming.conf.sample')),
            _read(generated),
            'etc/ciming/ciming.conf.sample is out of date: run '
            '"tox -e genconfig" and commit the result.')

    def test_policy_sample_matches_the_policies_in_code(self):
        generated = os.path.join(self.tmp_dir, 'policy.yaml.sample')
        policy_generator.generate_sample(
            args=['--config-file',
                  os.path.join(_ETC_DIR, 'ciming-policy-generator.conf'),
                  '--output-file', generated],
            conf=cfg.ConfigOpts())

        self.assertEqual(
            _read(os.path.join(_ETC_DIR, 'policy.yaml.sample')),
            _read(generated),
            'etc/ciming/policy.yaml.sample is out of date: run '
            '"tox -e genpolicy" and commit the result.')
