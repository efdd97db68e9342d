"""How an AWS driver reaches its account: credentials, roles, clients.

Credentials are the access key pair (with a session token for temporary
keys) given with a request or kept in Barbican, never the conductor
host's own (environment, instance profile): a cloud record is reached
with its user's authority only. With ``role_arn`` the keys are used only
to assume that role (with ``external_id`` when the role's trust policy
asks for one), the way cross-account automation is done on AWS; the
role's temporary credentials are renewed before they expire.
"""

import boto3
from botocore import config as botocore_config
from botocore import credentials as botocore_credentials
from botocore import exceptions as botocore_exc
from botocore import loaders as botocore_loaders
import botocore.session

from ciming.common import exception
from ciming.conf import CONF

# Error codes AWS answers when the credentials, not the request, are wrong.
AUTH_ERRORS = frozenset((
    'AuthFailure', 'UnrecognizedClientException', 'InvalidClientTokenId',
    'SignatureDoesNotMatch', 'ExpiredToken', 'ExpiredTokenException',
    'AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation',
    'InvalidAccessKeyId', 'OptInRequired'))

ROLE_DURATION = 3600


def _string(low, high, pattern=None):
    schema = {'type': 'string', 'minLength': low, 'maxLength': high}
    if pattern:
        schema['pattern'] = pattern
    return schema


# What a user may give for an aws cloud: the keys of the AWS shared
# credentials file (what ``openstack ciming`` reads from an AWS profile)
# and, to work in another account, the role to assume there.
CREDENTIALS_SCHEMA = {
    'type': 'object',
    'properties': {
        'aws_access_key_id': _string(16, 128, r'^[A-Za-z0-9]+\Z'),
        'aws_secret_access_key': _string(1, 256, r'^[^\x00-\x1f]+\Z'),
        'aws_session_token': _string(1, 8192, r'^[^\x00-\x1f]+\Z'),
        'role_arn': _string(20, 2048,
                            r'^arn:aws[a-z-]*:iam::[0-9]{12}:role/'
                            r'[A-Za-z0-9+=,.@/_-]+\Z'),
        'external_id': _string(2, 1224, r'^[A-Za-z0-9+=,.@:/_-]+\Z'),
        'role_session_name': _string(2, 64, r'^[A-Za-z0-9+=,.@_-]+\Z'),
    },
    'required': ['aws_access_key_id', 'aws_secret_access_key'],
    'dependentRequired': {'external_id': ['role_arn'],
                          'role_session_name': ['role_arn']},
    'additionalProperties': False,
}


_LOADER = []


def _botocore_session():
    """A new botocore session sharing the service models already loaded.

    Loading EC2's model takes a second of CPU per session; the models are
    read-only, so every driver shares one loader and its cache.
    """
    if not _LOADER:
        _LOADER.append(botocore_loaders.create_loader())
    core = botocore.session.get_session()
    core.register_component('data_loader', _LOADER[0])
    return core


def _client_config():
    # One connection per block worker, plus the describe calls.
    return botocore_config.Config(
        max_pool_connections=CONF.aws.block_workers + 4,
        retries={'mode': 'standard', 'max_attempts': 5},
        user_agent_extra='ciming')


class Account:
    """The boto3 clients of one cloud record, built on first use."""

    def __init__(self, cloud_name, region, credentials, endpoint_url=None):
        self.cloud_name = cloud_name
        self.region = region
        self.endpoint_url = endpoint_url
        self._credentials = credentials
        self._session = None
        self._clients = {}

    def _keys(self):
        if not self._credentials:
            raise exception.CredentialsRequired(
                cloud=self.cloud_name, reason='give them with the request '
                'or in Barbican (credential_ref)')
        return self._credentials

    def session(self):
        if self._session is None:
            keys = self._keys()
            base = boto3.session.Session(
                aws_access_key_id=keys['aws_access_key_id'],
                aws_secret_access_key=keys['aws_secret_access_key'],
                aws_session_token=keys.get('aws_session_token'),
                region_name=self.region,
                botocore_session=_botocore_session())
            if keys.get('role_arn'):
                base = self._assumed(base, keys)
            self._session = base
        return self._session

    def _assumed(self, base, keys):
        """A session with the role's credentials, renewed before expiry."""
        sts = base.client('sts', endpoint_url=self.endpoint_url,
                          config=_client_config())
        params = {'RoleArn': keys['role_arn'],
                  'RoleSessionName': keys.get('role_session_name')
                  or 'ciming',
                  'DurationSeconds': ROLE_DURATION}
        if keys.get('external_id'):
            params['ExternalId'] = keys['external_id']

        def fetch():
            found = self.call('assume role', sts.assume_role,
                              **params)['Credentials']
            return {'access_key': found['AccessKeyId'],
                    'secret_key': found['SecretAccessKey'],
                    'token': found['SessionToken'],
                    'expiry_time': found['Expiration'].isoformat()}

        core = _botocore_session()
        # botocore's documented way to plug refreshable credentials into
        # a session it did not resolve itself.
        core._credentials = (
            botocore_credentials.RefreshableCredentials
            .create_from_metadata(metadata=fetch(), refresh_using=fetch,
                                  method='sts-assume-role'))
        return boto3.session.Session(botocore_session=core,
                                     region_name=self.region)

    def client(self, service):
        if service not in self._clients:
            self._clients[service] = self.session().client(
                service, endpoint_url=self.endpoint_url,
                config=_client_config())
        return self._clients[service]

    def call(self, what, func, *args, passthrough=(), **kwargs):
        """Call boto3, turning its errors into CIMinG's.

        Error codes in ``passthrough`` are raised as the ClientError they
        are, for the caller to act on. Messages never carry credentials:
        AWS's name the failing rule, not the key.
        """
        try:
            return func(*args, **kwargs)
        except botocore_exc.ClientError as exc:
            code = error_code(exc)
            if code in passthrough:
                raise
            message = exc.response.get('Error', {}).get('Message') or code
            if code in AUTH_ERRORS:
                raise exception.CloudAuthFailed(
                    cloud=self.cloud_name, reason='%s: %s' % (what, message))
            raise exception.DriverError(
                cloud=self.cloud_name,
                reason='%s: %s %s' % (what, code, message))
        except botocore_exc.NoCredentialsError:
            raise exception.CredentialsRequired(
                cloud=self.cloud_name, reason='no AWS credentials')
        except (botocore_exc.BotoCoreError, OSError) as exc:
            raise exception.DriverError(
                cloud=self.cloud_name, reason='%s: %s' % (
                    what, type(exc).__name__))


def error_code(exc):
    """The AWS error code of a ClientError."""
    return exc.response.get('Error', {}).get('Code', '')
