"""--credentials-file: clouds.yaml entries, AWS profiles, GCP keys."""

import json
import os

import fixtures
import testtools
import yaml

from ciming.client import credentials_file

CLOUDS_YAML = {'clouds': {
    'alpha': {'auth': {'auth_url': 'http://ks:5000/v3', 'username': 'bob',
                       'password': 'pw', 'project_name': 'p',
                       'user_domain_name': 'Default',
                       'project_domain_name': 'Default'},
              'region_name': 'RegionOne', 'interface': 'public'},
    'appcred': {'auth_type': 'v3applicationcredential',
                'auth': {'auth_url': 'http://ks:5000/v3',
                         'application_credential_id': 'id1',
                         'application_credential_secret': 's3'}},
    'saml': {'auth_type': 'v3samlpassword', 'auth': {}},
}}
AWS = """[default]
aws_access_key_id = AKIA1
aws_secret_access_key = s1
[prod]
aws_access_key_id = AKIA2
aws_secret_access_key = s2
aws_session_token = t2
[broken]
region = x
"""


class CredentialsFileTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.clouds_yaml = self.write('clouds.yaml', yaml.dump(CLOUDS_YAML))
        self.aws = self.write('aws-credentials', AWS)
        self.gcp = self.write('sa.json', json.dumps(
            {'type': 'service_account', 'project_id': 'g',
             'private_key': 'k'}))

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, 'w') as out:
            out.write(text)
        return path

    def load(self, document):
        return credentials_file.load(
            self.write('creds.yaml', yaml.dump(document)))

    def test_clouds_yaml_password_without_auth_url(self):
        creds = self.load({'a': {'clouds_yaml': 'alpha',
                                 'clouds_yaml_file': 'clouds.yaml'}})
        self.assertEqual({'a': {
            'auth_type': 'password', 'username': 'bob', 'password': 'pw',
            'project_name': 'p', 'user_domain_name': 'Default',
            'project_domain_name': 'Default'}}, creds)

    def test_clouds_yaml_password_from_secure_yaml(self):
        # As openstack --os-cloud: the secret may live in secure.yaml.
        clouds = {'clouds': {'kept': {'auth': {
            'auth_url': 'http://ks:5000/v3', 'username': 'carol',
            'project_name': 'p', 'user_domain_name': 'Default',
            'project_domain_name': 'Default'}}}}
        path = self.write('clouds.yaml', yaml.dump(clouds))
        self.write('secure.yaml', yaml.dump(
            {'clouds': {'kept': {'auth': {'password': 'only-here'}}}}))
        creds = self.load({'k': {'clouds_yaml': 'kept',
                                 'clouds_yaml_file': path}})
        self.assertEqual(('carol', 'only-here'),
                         (creds['k']['username'], creds['k']['password']))

    def test_clouds_yaml_application_credential(self):
        creds = self.load({'a': {'clouds_yaml': 'appcred',
                                 'clouds_yaml_file': self.clouds_yaml}})
        self.assertEqual({'auth_type': 'v3applicationcredential',
                          'application_credential_id': 'id1',
                          'application_credential_secret': 's3'},
                         creds['a'])

    def test_clouds_yaml_from_os_client_config_file(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_CLIENT_CONFIG_FILE', self.clouds_yaml))
        creds = self.load({'a': {'clouds_yaml': 'alpha'}})
        self.assertEqual('bob', creds['a']['username'])

    def test_clouds_yaml_unsupported_auth_type(self):
        exc = self.assertRaises(
            credentials_file.CredentialsFileError, self.load,
            {'a': {'clouds_yaml': 'saml',
                   'clouds_yaml_file': self.clouds_yaml}})
        self.assertIn('v3samlpassword', str(exc))

    def test_clouds_yaml_missing_entry(self):
        self.assertRaises(credentials_file.CredentialsFileError, self.load,
                          {'a': {'clouds_yaml': 'nope',
                                 'clouds_yaml_file': self.clouds_yaml}})

    def test_aws_profile(self):
        creds = self.load({'aws': {'aws_profile': 'prod',
                                   'aws_credentials_file': self.aws}})
        self.assertEqual({'aws_access_key_id': 'AKIA2',
                          'aws_secret_access_key': 's2',
                          'aws_session_token': 't2'}, creds['aws'])

    def test_aws_shared_credentials_file_variable(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'AWS_SHARED_CREDENTIALS_FILE', self.aws))
        creds = self.load({'aws': {'aws_profile': 'default'}})
        self.assertEqual('AKIA1', creds['aws']['aws_access_key_id'])

    def test_aws_profile_without_keys(self):
        for profile in ('broken', 'absent'):
            self.assertRaises(
                credentials_file.CredentialsFileError, self.load,
                {'aws': {'aws_profile': profile,
                         'aws_credentials_file': self.aws}})

    def test_gcp_service_account(self):
        creds = self.load({'g': {'gcp_service_account': 'sa.json'}})
        self.assertEqual('service_account',
                         creds['g']['service_account_info']['type'])

    def test_gcp_file_that_is_not_a_key(self):
        self.write('other.json', '{"type": "authorized_user"}')
        self.assertRaises(credentials_file.CredentialsFileError, self.load,
                          {'g': {'gcp_service_account': 'other.json'}})

    def test_unknown_source_and_bad_documents(self):
        for document in ({'a': {'vault': 'x'}}, {'a': 'text'}, ['a']):
            self.assertRaises(credentials_file.CredentialsFileError,
                              self.load, document)

    def test_unreadable_file(self):
        exc = self.assertRaises(credentials_file.CredentialsFileError,
                                credentials_file.load, '/nonexistent.yaml')
        self.assertIn('/nonexistent.yaml', str(exc))
