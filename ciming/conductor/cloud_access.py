"""How the conductor reaches a cloud: its credentials, then its driver.

Credentials are never stored, logged or returned. A cloud's come, in this
order of preference:

1. with the request (body field ``credentials`` or its header), carried
   in the RPC message to the conductor as ``{cloud_id: credentials}``
   (``credentials_by_cloud``);
2. from Barbican, when the cloud has a ``credential_ref``: read with the
   user's authority (the job's trust, or the request's token for a
   synchronous call);
3. for a region of the cloud CIMinG belongs to, from Keystone: the job's
   trust, or the caller's own token.

Whatever the source, they must match the driver's ``credentials_schema``.
A :class:`CloudAccess` builds each cloud's driver once, through
:func:`ciming.drivers.factory.build`, and keeps it for the job (or the
synchronous call) it serves.
"""

import threading

from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session

from ciming.common import barbican
from ciming.common import exception
from ciming.common import keystone
from ciming.conf import CONF
from ciming.db import api as dbapi
from ciming.drivers import factory

OPENSTACK = 'openstack'


_FROM_REF = 'credential_ref'


def cloud_record(cloud):
    """The plain mapping a driver is built from (no ORM object leaks)."""
    return {'id': cloud.id, 'name': cloud.name, 'type': cloud.type,
            'region': cloud.region, 'options': dict(cloud.options or {}),
            'credential_ref': cloud.credential_ref,
            'project_id': cloud.project_id, 'shared': bool(cloud.shared)}


def is_home_cloud(cloud):
    """A region of the cloud CIMinG belongs to: the caller's token works."""
    return cloud['type'] == OPENSTACK and not cloud['options'].get(
        'auth_url')


def _user_session(context):
    """The identity a job works with: its trust, else the caller's token."""
    trust_id = getattr(context, 'trust_id', None)
    if trust_id:
        return ks_session.Session(auth=_trust_auth(context),
                                  discovery_cache=keystone.DISCOVERY_CACHE)
    if context.auth_token and CONF.keystone.auth_url:
        return ks_session.Session(auth=v3.Token(
            auth_url=CONF.keystone.auth_url, token=context.auth_token,
            project_id=context.project_id),
            discovery_cache=keystone.DISCOVERY_CACHE)
    return None


def _trust_auth(context):
    """The trust's auth plugin, made once per job context.

    Every home region of a job then shares one token (one password check
    of the service user), and the drivers can tell they act as one
    identity (a Glance server-side copy needs that).
    """
    cached = getattr(context, '_ciming_trust_auth', None)
    if cached is None or cached[0] != context.trust_id:
        cached = (context.trust_id, keystone.trust_auth(context.trust_id))
        context._ciming_trust_auth = cached
    return cached[1]


def held_trust_auth(context, trust_id):
    """The trust plugin a job context already made, if any.

    Its token is still good for deleting the trust as the job ends.
    """
    cached = getattr(context, '_ciming_trust_auth', None)
    if cached is not None and cached[0] == trust_id:
        return cached[1]
    return None


def _home_credentials(context, cloud):
    trust_id = getattr(context, 'trust_id', None)
    if trust_id:
        return {'auth_plugin': _trust_auth(context)}
    if not context.auth_token or not CONF.keystone.auth_url:
        raise exception.CredentialsRequired(
            cloud=cloud['name'],
            reason='it is a region of this cloud, which needs keystone '
                   'authentication and [keystone] auth_url')
    return {'auth_type': 'token', 'auth_url': CONF.keystone.auth_url,
            'token': context.auth_token, 'project_id': context.project_id}


def read_stored_credentials(context, cloud):
    """The credentials stored in Barbican at the cloud's credential_ref."""
    session = _user_session(context)
    if session is None:
        raise exception.CredentialRefUnusable(
            cloud=cloud['name'],
            reason='reading Barbican needs keystone authentication')
    credentials = barbican.read_json_secret(
        session, cloud['credential_ref'], cloud['name'])
    factory.check_credentials(cloud['type'], cloud['name'], credentials)
    return credentials


def _given(cloud, credentials_by_cloud):
    """What the user gave with the request for ``cloud``, if anything."""
    credentials_by_cloud = credentials_by_cloud or {}
    return (credentials_by_cloud.get(cloud['id'])
            or credentials_by_cloud.get(cloud['name']))


def is_shared_identity(cloud, credentials_by_cloud):
    """Whether every project reaches ``cloud`` as one and the same identity.

    A shared cloud reached with its stored credentials (the operator's
    Barbican secret) cannot tell projects apart: CIMinG must keep each
    project to its own images there. With the caller's own token, trust
    or credentials, the cloud's own rules (Glance visibility and
    membership) do it.
    """
    return bool(cloud.get('shared') and not is_home_cloud(cloud)
                and _given(cloud, credentials_by_cloud) is None)


def credentials_for(context, cloud, credentials_by_cloud):
    """The credentials a driver of ``cloud`` (a mapping) works with.

    ``credentials_by_cloud`` maps cloud ids or names to what the user
    gave with the request; credentials read from Barbican are added to it
    under a key of their own, so that a job reads each secret once.
    """
    if credentials_by_cloud is None:
        credentials_by_cloud = {}
    given = _given(cloud, credentials_by_cloud)
    if given is not None:
        return dict(given)
    if cloud.get('credential_ref'):
        # Kept apart from what the user gave: see is_shared_identity.
        key = (_FROM_REF, cloud['id'])
        if key not in credentials_by_cloud:
            credentials_by_cloud[key] = read_stored_credentials(
                context, cloud)
        return dict(credentials_by_cloud[key])
    if is_home_cloud(cloud):
        return _home_credentials(context, cloud)
    return None


class CloudAccess:
    """The drivers one job (or one synchronous call) works with.

    Each cloud's driver is built once, with the credentials resolved
    once, and reused by every task of the job: its Keystone session and
    client go with it.
    """

    def __init__(self, context, credentials_by_cloud=None, project_id=None):
        self.context = context
        self.credentials_by_cloud = dict(credentials_by_cloud or {})
        # The project whose images are at stake (an image's, a job's),
        # else the caller's: an admin sees what that project stored.
        self.project_id = project_id or context.project_id
        self.dbapi = dbapi.get_instance()
        self._drivers = {}
        self._lock = threading.Lock()

    def driver(self, cloud_id):
        """The driver of a cloud, built on first use."""
        with self._lock:
            driver = self._drivers.get(cloud_id)
            if driver is None:
                record = cloud_record(self.dbapi.get_cloud(cloud_id))
                record['shared_identity'] = is_shared_identity(
                    record, self.credentials_by_cloud)
                driver = factory.build(
                    record, credentials=credentials_for(
                        self.context, record, self.credentials_by_cloud),
                    project_id=self.project_id)
                self._drivers[cloud_id] = driver
            return driver

    def reachable_without_asking(self, cloud):
        """Whether a cloud can be reached with what this access holds.

        Credentials given with the request or in Barbican, a region of
        the home cloud, or a type that takes none.
        """
        if cloud.id in self.credentials_by_cloud or cloud.credential_ref:
            return True
        record = {'type': cloud.type, 'options': cloud.options or {}}
        return (is_home_cloud(record)
                or not factory.takes_credentials(cloud.type))
