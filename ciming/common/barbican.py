"""Reading a cloud's stored credentials from Barbican.

A cloud record's ``credential_ref`` names a Barbican secret whose payload
is a JSON object: the credentials of that cloud. It is read with the
user's authority (a trust or a token session) and held in memory only.
"""

import json

from barbicanclient import client as barbican_client
from barbicanclient import exceptions as barbican_exc
from keystoneauth1 import exceptions as ks_exc

from ciming.common import exception
from ciming.conf import CONF


def read_json_secret(session, secret_ref, cloud_name):
    """The JSON object stored at ``secret_ref``; CredentialRefUnusable."""
    try:
        client = barbican_client.Client(
            session=session, region_name=CONF.keystone.region_name)
        payload = client.secrets.get(secret_ref).payload
    except barbican_exc.HTTPClientError as exc:
        raise exception.CredentialRefUnusable(
            cloud=cloud_name,
            reason='Barbican answered %s' % exc.status_code)
    except (ks_exc.ClientException, barbican_exc.HTTPError) as exc:
        raise exception.CredentialRefUnusable(
            cloud=cloud_name,
            reason='Barbican failed: %s' % type(exc).__name__)
    try:
        document = json.loads(payload)
    except (TypeError, ValueError):
        raise exception.CredentialRefUnusable(
            cloud=cloud_name, reason='the secret is not a JSON object')
    if not isinstance(document, dict):
        raise exception.CredentialRefUnusable(
            cloud=cloud_name, reason='the secret is not a JSON object')
    return document
