"""Reaching a Google Cloud project: options, service-account keys, clients.

A cloud of type ``gcp`` names its ``project`` and a staging ``bucket``;
``storage_location`` (a region or multi-region) says where images are
kept. ``compute_endpoint`` and ``storage_endpoint`` point the driver at
stand-ins (tests, private service endpoints). Credentials are a
service-account JSON key, per request or in Barbican; it lives in memory
only, and google-auth turns it into short-lived access tokens.
"""

import re
import time
from urllib import parse

from google.auth import exceptions as auth_exc
from google.auth.transport import requests as auth_requests
from google.oauth2 import service_account
import google_auth_httplib2
from googleapiclient import discovery
from googleapiclient import errors as api_errors
import httplib2

from ciming.common import exception

SCOPES = ('https://www.googleapis.com/auth/cloud-platform',)
OPTIONS = ('project', 'bucket', 'storage_location', 'compute_endpoint',
           'storage_endpoint')
STORAGE_URL = 'https://storage.googleapis.com'
OPERATION_TIMEOUT = 3600

# Project ids: 6-30 lowercase letters, digits, hyphens; legacy domain-scoped
# ids ("example.com:project") are allowed too.
_PROJECT = re.compile(r'^([a-z][a-z0-9.-]{0,62}:)?[a-z][a-z0-9-]{4,28}'
                      r'[a-z0-9]$')
# Bucket names (without dots' domain verification rules).
_BUCKET = re.compile(r'^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$')
_LOCATION = re.compile(r'^[a-z][a-z0-9-]{1,62}$')

_TEXT = {'type': 'string', 'minLength': 1, 'maxLength': 255}
_URL = {'type': 'string', 'pattern': '^https?://', 'maxLength': 2048}

# A service-account key as the Cloud console downloads it.
CREDENTIALS_SCHEMA = {
    'type': 'object',
    'properties': {
        'type': {'enum': ['service_account']},
        'project_id': _TEXT,
        'private_key_id': {'type': 'string', 'pattern': '^[0-9a-f]{1,128}$'},
        'private_key': {'type': 'string', 'minLength': 64,
                        'maxLength': 16384,
                        'pattern': '^-----BEGIN (RSA )?PRIVATE KEY-----'},
        'client_email': {'type': 'string', 'maxLength': 255,
                         'pattern': r'^[^@\s]+@[^@\s]+$'},
        'client_id': {'type': 'string', 'pattern': '^[0-9]{1,64}$'},
        'auth_uri': _URL,
        'token_uri': _URL,
        'auth_provider_x509_cert_url': _URL,
        'client_x509_cert_url': _URL,
        'universe_domain': _TEXT,
    },
    'required': ['type', 'private_key', 'client_email', 'token_uri'],
    'additionalProperties': False,
}


def _is_http_url(value):
    if not isinstance(value, str) or '\0' in value:
        return False
    parsed = parse.urlsplit(value)
    return parsed.scheme in ('http', 'https') and bool(parsed.netloc)


def validate_options(options):
    """Refuse options a gcp cloud does not take, without reaching it."""
    unknown = set(options) - set(OPTIONS)
    if unknown:
        raise exception.InvalidParameterValue(
            err='Unknown options for a gcp cloud: %s.'
                % ', '.join(sorted(unknown)))
    checks = (('project', _PROJECT, True), ('bucket', _BUCKET, True),
              ('storage_location', _LOCATION, False))
    for key, pattern, required in checks:
        value = options.get(key)
        if value is None and not required:
            continue
        if not isinstance(value, str) or not pattern.match(value):
            raise exception.InvalidParameterValue(
                err='A gcp cloud needs a valid "%s" option.' % key)
    for key in ('compute_endpoint', 'storage_endpoint'):
        if key in options and not _is_http_url(options[key]):
            raise exception.InvalidParameterValue(
                err='%s must be an http(s) URL.' % key)


def service_account_credentials(cloud_name, key):
    """google-auth credentials from a service-account key (a mapping)."""
    if not key:
        raise exception.CredentialsRequired(
            cloud=cloud_name, reason='give a service-account key with the '
            'request or in Barbican (credential_ref)')
    try:
        return service_account.Credentials.from_service_account_info(
            key, scopes=SCOPES)
    except (ValueError, KeyError, auth_exc.GoogleAuthError):
        # The key's content is never part of the message.
        raise exception.InvalidCredentials(
            cloud=cloud_name, reason='the private key cannot be loaded')


def storage_session(credentials):
    """A requests session that adds and renews the access token."""
    return auth_requests.AuthorizedSession(credentials)


def compute_client(credentials, endpoint=None):
    """The compute v1 client, from the discovery document in the package.

    ``static_discovery`` builds it without reaching the network.
    """
    options = {'api_endpoint': endpoint} if endpoint else None
    http = google_auth_httplib2.AuthorizedHttp(
        credentials, http=httplib2.Http(timeout=120))
    return discovery.build('compute', 'v1', http=http,
                           static_discovery=True, client_options=options,
                           cache_discovery=False)


def execute(cloud_name, what, request, missing_ok=False, conflict_ok=False):
    """Run a compute request, turning its errors into CIMinG's.

    Returns None for a 404 when ``missing_ok``, and for a 409 when
    ``conflict_ok``.
    """
    try:
        return request.execute(num_retries=3)
    except api_errors.HttpError as exc:
        status = exc.resp.status
        if (missing_ok and status == 404) or (conflict_ok and status == 409):
            return None
        if status in (401, 403):
            raise exception.CloudAuthFailed(
                cloud=cloud_name, reason='%s: %d' % (what, status))
        raise exception.DriverError(
            cloud=cloud_name, reason='%s: %d %s' % (what, status,
                                                    exc.reason or ''))
    except (httplib2.HttpLib2Error, OSError, auth_exc.GoogleAuthError) as exc:
        raise exception.DriverError(
            cloud=cloud_name, reason='%s: %s' % (what,
                                                 exc.__class__.__name__))


def wait(cloud_name, client, project, operation):
    """Wait for a global operation; DriverError if it failed."""
    operations = client.globalOperations()
    deadline = time.monotonic() + OPERATION_TIMEOUT
    while operation.get('status') != 'DONE':
        if time.monotonic() > deadline:
            raise exception.DriverError(
                cloud=cloud_name, reason='operation %s still %s' % (
                    operation.get('name'), operation.get('status')))
        # wait answers when the operation is done, or after ~2 minutes.
        operation = execute(cloud_name, 'wait for %s' % operation['name'],
                            operations.wait(project=project,
                                            operation=operation['name']))
    errors = (operation.get('error') or {}).get('errors') or []
    if errors:
        raise exception.DriverError(
            cloud=cloud_name, reason='; '.join(
                '%s: %s' % (e.get('code'), e.get('message'))
                for e in errors)[:1000])
    return operation
