"""Keystone: CIMinG's service session and the trusts jobs work through.

A job's user delegates their roles on the project to the service user
with a trust (impersonating, expiring after ``[jobs] max_duration``). The
conductor then works with a trust-scoped token: the job outlives the
user's token, and a conductor that takes the job over still has
authority. Only the trust id is ever stored.
"""

import datetime
import threading

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
from oslo_log import log
from oslo_utils import timeutils

from ciming.common import exception
from ciming.conf import CONF

LOG = log.getLogger(__name__)

GROUP = 'service_user'
_TRUSTS = '/OS-TRUST/trusts'

# Version discovery documents by URL, shared by every session of the
# process: without it each new session (each job's trust, each cloud)
# reads Keystone's and the services' root documents again.
DISCOVERY_CACHE = {}

# The service user's id, found once: it is every trust's trustee.
_service_user = {}
_service_user_lock = threading.Lock()

# Scope options of the service user that a trust-scoped token must drop.
_SCOPE = ('project_id', 'project_name', 'project_domain_id',
          'project_domain_name', 'domain_id', 'domain_name',
          'system_scope')


def trusts_enabled():
    return CONF.auth_strategy == 'keystone' and CONF.jobs.use_trusts


def _identity_filter():
    return {'endpoint_override': CONF.keystone.auth_url}


def _check_configured():
    if not CONF.keystone.auth_url or not CONF[GROUP].auth_type:
        raise exception.ServiceUnavailable(
            service='Keystone trusts ([keystone] auth_url and '
                    '[service_user] are not configured)')


def service_session():
    """A session authenticated as the service user itself."""
    _check_configured()
    auth = ks_loading.load_auth_from_conf_options(CONF, GROUP)
    return ks_loading.load_session_from_conf_options(
        CONF, GROUP, auth=auth, discovery_cache=DISCOVERY_CACHE)


def trust_auth(trust_id):
    """An auth plugin for a token scoped to ``trust_id``."""
    _check_configured()
    return ks_loading.load_auth_from_conf_options(
        CONF, GROUP, trust_id=trust_id, **{k: None for k in _SCOPE})


def trust_session(trust_id):
    return ks_loading.load_session_from_conf_options(
        CONF, GROUP, auth=trust_auth(trust_id),
        discovery_cache=DISCOVERY_CACHE)


def service_user_id():
    """The service user's id, asked of Keystone once per process."""
    with _service_user_lock:
        user_id = _service_user.get('id')
        if user_id is None:
            user_id = _call('find the service user',
                            service_session().get_user_id)
            _service_user['id'] = user_id
        return user_id


def _call(what, func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except ks_exc.Unauthorized as exc:
        raise exception.NotAuthorized(
            message='Keystone refused to %s: %s' % (what, exc))
    except ks_exc.Forbidden as exc:
        raise exception.NotAuthorized(
            message='Keystone does not allow to %s: %s' % (what, exc))
    except (ks_exc.ConnectionError, ks_exc.ServiceUnavailable) as exc:
        LOG.warning('Keystone unavailable to %s: %s', what, exc)
        raise exception.ServiceUnavailable(service='Keystone')


def create_trust(user_auth):
    """Delegate the user's roles on their project to the service user.

    ``user_auth`` is the user's auth plugin from keystonemiddleware
    (``keystone.token_auth``); returns the trust id.
    """
    _check_configured()
    user = user_auth.user
    trustee = service_user_id()
    expires = timeutils.utcnow() + datetime.timedelta(
        seconds=CONF.jobs.max_duration)
    body = {'trust': {
        'trustor_user_id': user.user_id,
        'trustee_user_id': trustee,
        'project_id': user.project_id,
        'impersonation': True,
        'roles': [{'id': role_id} for role_id in user.role_ids],
        'expires_at': expires.strftime('%Y-%m-%dT%H:%M:%S.%fZ'),
    }}
    session = ks_session.Session(auth=user_auth,
                                 discovery_cache=DISCOVERY_CACHE)
    response = _call('create a trust', session.post, _TRUSTS, json=body,
                     **_identity_filter())
    trust_id = response.json()['trust']['id']
    LOG.info('Created trust %(trust)s from user %(user)s for project '
             '%(project)s', {'trust': trust_id, 'user': user.user_id,
                             'project': user.project_id})
    return trust_id


def delete_trust(trust_id, auth=None):
    """Delete a job's trust; True once it is gone, False if it may not be.

    Already gone is fine; other errors are logged. The trust-scoped token
    impersonates the trustor, who may delete it: ``auth``, the job's
    trust plugin when the caller holds it, saves authenticating anew.
    """
    try:
        if auth is None:
            session = trust_session(trust_id)
        else:
            session = ks_session.Session(auth=auth,
                                         discovery_cache=DISCOVERY_CACHE)
        session.delete('%s/%s' % (_TRUSTS, trust_id), **_identity_filter())
    except (ks_exc.NotFound, ks_exc.Unauthorized):
        LOG.debug('Trust %s was already gone', trust_id)
        return True
    except Exception as exc:
        LOG.warning('Could not delete trust %(trust)s: %(err)s',
                    {'trust': trust_id, 'err': exc})
        return False
    LOG.info('Deleted trust %s', trust_id)
    return True
