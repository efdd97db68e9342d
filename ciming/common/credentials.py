"""Credentials for reaching a cloud, held in memory only.

Never stored, logged or returned: they arrive with a request, travel in
the RPC message to the conductor that runs the job, and die with it.
"""

from ciming.common import exception
from ciming.conf import CONF

OPENSTACK = 'openstack'


def is_home_cloud(cloud):
    """A region of the cloud CIMinG belongs to: the caller's token works."""
    return cloud['type'] == OPENSTACK and not cloud['options'].get(
        'auth_url')


def for_cloud(context, cloud, supplied):
    """The credentials a driver of ``cloud`` (a mapping) works with.

    ``supplied`` maps cloud ids or names to what the user gave with the
    request. A home cloud uses the caller's own token.
    """
    supplied = supplied or {}
    given = supplied.get(cloud['id']) or supplied.get(cloud['name'])
    if given is not None:
        return dict(given)
    if is_home_cloud(cloud):
        if not context.auth_token or not CONF.keystone.auth_url:
            raise exception.CredentialsRequired(
                cloud=cloud['name'],
                reason='it is a region of this cloud, which needs '
                       'keystone authentication and [keystone] auth_url')
        return {'auth_type': 'token', 'auth_url': CONF.keystone.auth_url,
                'token': context.auth_token,
                'project_id': context.project_id}
    return None


def mask(supplied):
    """What may be logged about supplied credentials: whose they are."""
    return sorted(supplied or {})
