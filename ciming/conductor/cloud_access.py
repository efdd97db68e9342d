"""Credentials for reaching a cloud, held in memory only.

Never stored, logged or returned. They come, in this order of preference:

1. with the request (body field ``credentials`` or its header), carried
   in the RPC message to the conductor that runs the job;
2. from Barbican, when the cloud has a ``credential_ref``: the conductor
   reads the secret with the user's authority (the job's trust, or the
   request's token for a synchronous call);
3. for a region of the cloud CIMinG belongs to, from Keystone: the job's
   trust, or the caller's own token.

Whatever the source, a cloud's credentials must match its driver's
``credentials_schema``.
"""

import json

from barbicanclient import client as barbican_client
from barbicanclient import exceptions as barbican_exc
import jsonschema
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session

from ciming.common import exception
from ciming.common import keystone
from ciming.conf import CONF
from ciming.drivers import loader

OPENSTACK = 'openstack'


def is_home_cloud(cloud):
    """A region of the cloud CIMinG belongs to: the caller's token works."""
    return cloud['type'] == OPENSTACK and not cloud['options'].get(
        'auth_url')


def check_schema(cloud_type, cloud_name, credentials):
    """Refuse credentials whose shape the cloud's driver does not take.

    The message names the broken rule, never a value.
    """
    schema = loader.driver_class(cloud_type).credentials_schema
    if schema is None:
        raise exception.InvalidCredentials(
            cloud=cloud_name, reason='this type of cloud takes none')
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(credentials))
    if error is not None:
        where = '/'.join(str(p) for p in error.absolute_path) or 'top'
        raise exception.InvalidCredentials(
            cloud=cloud_name, reason='%s breaks the rule %s' % (
                where, error.validator))


def _user_session(context):
    """The identity a job works with: its trust, else the caller's token."""
    trust_id = getattr(context, 'trust_id', None)
    if trust_id:
        return keystone.trust_session(trust_id)
    if context.auth_token and CONF.keystone.auth_url:
        return ks_session.Session(auth=v3.Token(
            auth_url=CONF.keystone.auth_url, token=context.auth_token,
            project_id=context.project_id))
    return None


def _home_credentials(context, cloud):
    trust_id = getattr(context, 'trust_id', None)
    if trust_id:
        return {'auth_plugin': keystone.trust_auth(trust_id)}
    if not context.auth_token or not CONF.keystone.auth_url:
        raise exception.CredentialsRequired(
            cloud=cloud['name'],
            reason='it is a region of this cloud, which needs keystone '
                   'authentication and [keystone] auth_url')
    return {'auth_type': 'token', 'auth_url': CONF.keystone.auth_url,
            'token': context.auth_token, 'project_id': context.project_id}


def read_secret(context, cloud):
    """The credentials stored in Barbican at the cloud's credential_ref."""
    session = _user_session(context)
    if session is None:
        raise exception.CredentialRefUnusable(
            cloud=cloud['name'],
            reason='reading Barbican needs keystone authentication')
    try:
        client = barbican_client.Client(
            session=session, region_name=CONF.keystone.region_name)
        payload = client.secrets.get(cloud['credential_ref']).payload
    except barbican_exc.HTTPClientError as exc:
        raise exception.CredentialRefUnusable(
            cloud=cloud['name'],
            reason='Barbican answered %s' % exc.status_code)
    except (ks_exc.ClientException, barbican_exc.HTTPError) as exc:
        raise exception.CredentialRefUnusable(
            cloud=cloud['name'],
            reason='Barbican failed: %s' % type(exc).__name__)
    try:
        credentials = json.loads(payload)
    except (TypeError, ValueError):
        raise exception.CredentialRefUnusable(
            cloud=cloud['name'], reason='the secret is not a JSON object')
    if not isinstance(credentials, dict):
        raise exception.CredentialRefUnusable(
            cloud=cloud['name'], reason='the secret is not a JSON object')
    check_schema(cloud['type'], cloud['name'], credentials)
    return credentials


_FROM_REF = 'credential_ref'


def _given(cloud, supplied):
    """What the user gave with the request for ``cloud``, if anything."""
    supplied = supplied or {}
    return supplied.get(cloud['id']) or supplied.get(cloud['name'])


def is_shared_identity(cloud, supplied):
    """Whether every project reaches ``cloud`` as one and the same identity.

    A shared cloud reached with its stored credentials (the operator's
    Barbican secret) cannot tell projects apart: CIMinG must keep each
    project to its own images there. With the caller's own token, trust
    or credentials, the cloud's own rules (Glance visibility and
    membership) do it.
    """
    return bool(cloud.get('shared') and not is_home_cloud(cloud)
                and _given(cloud, supplied) is None)


def for_cloud(context, cloud, supplied):
    """The credentials a driver of ``cloud`` (a mapping) works with.

    ``supplied`` maps cloud ids or names to what the user gave with the
    request; credentials read from Barbican are added to it under a key
    of their own, so that a job reads each secret once.
    """
    if supplied is None:
        supplied = {}
    given = _given(cloud, supplied)
    if given is not None:
        return dict(given)
    if cloud.get('credential_ref'):
        # Kept apart from what the user gave: see is_shared_identity.
        key = (_FROM_REF, cloud['id'])
        if key not in supplied:
            supplied[key] = read_secret(context, cloud)
        return dict(supplied[key])
    if is_home_cloud(cloud):
        return _home_credentials(context, cloud)
    return None
