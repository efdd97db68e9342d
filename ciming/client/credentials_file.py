"""Per-request cloud credentials from files the user already has.

A credentials file is YAML mapping a CIMinG cloud (name or id) to where
its credentials are::

    alpha:                      # an OpenStack cloud
      clouds_yaml: alpha-admin  # an entry of clouds.yaml
      clouds_yaml_file: ~/.config/openstack/clouds.yaml  # optional
    aws-prod:
      aws_profile: prod         # a profile of ~/.aws/credentials
      aws_credentials_file: ~/.aws/credentials           # optional
    gcp-main:
      gcp_service_account: ~/keys/ciming-sa.json

:func:`load` reads it into the ``credentials`` document of the API
(``{cloud: {...}}``). Only what authenticates is taken: an OpenStack
entry's ``auth_url`` and endpoints stay in the CIMinG cloud's options.
The result lives in memory only; the client sends it with the calls that
reach clouds and never writes it anywhere.
"""

import configparser
import json
import os

from openstack.config import loader as os_config_loader
from openstack import exceptions as os_exceptions
import yaml

from ciming.client import exceptions

# keystoneauth1 options CIMinG's openstack driver takes, per auth type.
_SCOPE = ('project_id', 'project_name', 'project_domain_id',
          'project_domain_name', 'user_domain_id', 'user_domain_name')
_OPENSTACK_KEYS = {
    'password': ('username', 'user_id', 'password') + _SCOPE,
    'v3applicationcredential': (
        'application_credential_id', 'application_credential_name',
        'application_credential_secret', 'username', 'user_id') + _SCOPE,
    'token': ('token',) + _SCOPE,
}
_AUTH_TYPE_ALIASES = {'v3password': 'password', 'v3token': 'token',
                      'applicationcredential': 'v3applicationcredential'}

CLOUDS_YAML_PATHS = ('clouds.yaml', '~/.config/openstack/clouds.yaml',
                     '/etc/openstack/clouds.yaml')


class CredentialsFileError(exceptions.ClientException):
    """The credentials file cannot be used."""


def _read_yaml(path):
    try:
        with open(os.path.expanduser(path)) as stream:
            return yaml.safe_load(stream) or {}
    except OSError as exc:
        raise CredentialsFileError('Cannot read %s: %s' % (
            path, exc.strerror or exc))
    except yaml.YAMLError as exc:
        raise CredentialsFileError('%s is not valid YAML: %s' % (
            path, str(exc).splitlines()[0]))


def _clouds_yaml_entry(entry, path=None):
    """``(auth_type, auth)`` of a clouds.yaml entry.

    Read by openstacksdk's config loader, as ``openstack --os-cloud``
    reads it: with the ``secure.yaml`` beside it (and the usual ones), so
    a password kept there is found.
    """
    config_files = secure_files = None
    if path:
        path = os.path.expanduser(path)
        if not os.path.exists(path):
            raise CredentialsFileError('Cannot read %s: no such file' % path)
        config_files = [path]
        secure_files = [os.path.join(os.path.dirname(path), name)
                        for name in ('secure.yaml', 'secure.yml')]
        secure_files += list(os_config_loader.SECURE_FILES)
    try:
        loader = os_config_loader.OpenStackConfig(
            config_files=config_files, secure_files=secure_files,
            load_yaml_config=True)
        if entry not in loader.get_cloud_names():
            raise CredentialsFileError(
                'No entry %s in %s' % (entry, path or 'any clouds.yaml'))
        cloud = loader.get_one(cloud=entry, validate=False)
    except os_exceptions.ConfigException as exc:
        raise CredentialsFileError('clouds.yaml entry %s: %s' % (
            entry, str(exc).splitlines()[0]))
    config = cloud.config
    return config.get('auth_type') or 'password', dict(
        config.get('auth') or {})


def from_clouds_yaml(entry, path=None):
    """The openstack driver's credentials of a clouds.yaml entry."""
    auth_type, auth = _clouds_yaml_entry(entry, path)
    auth_type = _AUTH_TYPE_ALIASES.get(auth_type, auth_type)
    keys = _OPENSTACK_KEYS.get(auth_type)
    if keys is None:
        raise CredentialsFileError(
            'clouds.yaml entry %s uses auth_type %s; CIMinG takes %s' % (
                entry, auth_type, ', '.join(sorted(_OPENSTACK_KEYS))))
    credentials = {k: str(auth[k]) for k in keys if auth.get(k)}
    credentials['auth_type'] = auth_type
    return credentials


def from_aws_profile(profile, path=None):
    """The keys of a profile of the AWS shared credentials file."""
    path = os.path.expanduser(
        path or os.environ.get('AWS_SHARED_CREDENTIALS_FILE')
        or '~/.aws/credentials')
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path) as stream:
            parser.read_file(stream)
    except OSError as exc:
        raise CredentialsFileError('Cannot read %s: %s' % (
            path, exc.strerror or exc))
    except configparser.Error as exc:
        raise CredentialsFileError('%s is not an AWS credentials file: %s'
                                   % (path, str(exc).splitlines()[0]))
    if not parser.has_section(profile):
        raise CredentialsFileError('No profile %s in %s' % (profile, path))
    section = parser[profile]
    credentials = {k: section[k] for k in (
        'aws_access_key_id', 'aws_secret_access_key', 'aws_session_token')
        if section.get(k)}
    if len(credentials) < 2 or 'aws_access_key_id' not in credentials:
        raise CredentialsFileError(
            'Profile %s of %s has no aws_access_key_id and '
            'aws_secret_access_key' % (profile, path))
    return credentials


def from_gcp_service_account(path):
    """A GCP service-account key file, as ``service_account_info``."""
    path = os.path.expanduser(path)
    try:
        with open(path) as stream:
            info = json.load(stream)
    except OSError as exc:
        raise CredentialsFileError('Cannot read %s: %s' % (
            path, exc.strerror or exc))
    except ValueError:
        raise CredentialsFileError('%s is not a JSON key file' % path)
    if not isinstance(info, dict) or info.get('type') != 'service_account':
        raise CredentialsFileError(
            '%s is not a service-account key file' % path)
    return {'service_account_info': info}


def _entry(cloud, source, base_dir):
    def local(path):
        path = os.path.expanduser(path)
        return path if os.path.isabs(path) else os.path.join(base_dir, path)

    if not isinstance(source, dict):
        raise CredentialsFileError(
            'Cloud %s: expected a mapping with clouds_yaml, aws_profile or '
            'gcp_service_account' % cloud)
    if 'clouds_yaml' in source:
        path = source.get('clouds_yaml_file')
        return from_clouds_yaml(str(source['clouds_yaml']),
                                local(path) if path else None)
    if 'aws_profile' in source:
        path = source.get('aws_credentials_file')
        return from_aws_profile(str(source['aws_profile']),
                                local(path) if path else None)
    if 'gcp_service_account' in source:
        return from_gcp_service_account(local(source['gcp_service_account']))
    raise CredentialsFileError(
        'Cloud %s: expected clouds_yaml, aws_profile or gcp_service_account'
        % cloud)


def load(path):
    """``{cloud: credentials}`` from a credentials file."""
    document = _read_yaml(path)
    if not isinstance(document, dict):
        raise CredentialsFileError(
            '%s must map CIMinG cloud names to credential sources' % path)
    base_dir = os.path.dirname(os.path.abspath(os.path.expanduser(path)))
    return {str(cloud): _entry(cloud, source, base_dir)
            for cloud, source in document.items()}
