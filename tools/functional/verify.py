"""Check the functional clouds end to end through ${STATE}/clouds.yaml.

Run by tools/functional/start (and usable alone: verify.py STATE_DIR) with
the servers' virtualenv. For each Keystone: a token. For each Glance: an
image list, then a small raw image created, uploaded, downloaded, compared
and deleted. For Barbican: a JSON secret stored as demo, read back, read
through a trust from demo to ciming, refused to other, deleted; and the
secret's project key encrypted with this environment's simple_crypto KEK
(proof that Barbican's plugins read its configuration). OS_* variables are
ignored (they would override the entries).
"""

import datetime
import hashlib
import io
import json
import os
import sqlite3
import sys
import time
import uuid

from cryptography import fernet
from glanceclient import Client as GlanceClient
from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
from openstack import config as os_config

# (clouds.yaml entry, what it checks): admin entries check each Keystone,
# user entries each Glance (RegionOne and RegionTwo of alpha, and beta).
TOKEN_CHECKS = ('alpha-admin', 'beta-admin')
GLANCE_CHECKS = ('alpha-demo', 'alpha-demo-r2', 'beta-demo')
# Barbican: the owner, another project's user, the trustee.
BARBICAN_OWNER, BARBICAN_STRANGER, TRUSTEE = (
    'alpha-demo', 'alpha-other', 'alpha-ciming')


def session_for(loader, entry):
    cloud = loader.get_one(cloud=entry)
    return cloud, cloud.get_session()


def check_token(loader, entry):
    _cloud, sess = session_for(loader, entry)
    token = sess.get_token()
    print('  %-14s token issued by %s (%s...)'
          % (entry, sess.auth.auth_url, token[:12]))


def check_glance(loader, entry):
    cloud, sess = session_for(loader, entry)
    glance = GlanceClient('2', session=sess, region_name=cloud.region_name,
                          interface='public')
    endpoint = sess.get_endpoint(service_type='image', interface='public',
                                 region_name=cloud.region_name)
    count = len(list(glance.images.list()))
    data = os.urandom(64 * 1024 + 17)
    start = time.monotonic()
    image = glance.images.create(
        name='ciming-functional-check-%s' % uuid.uuid4().hex[:8],
        disk_format='raw', container_format='bare')
    try:
        glance.images.upload(image.id, io.BytesIO(data))
        image = glance.images.get(image.id)
        if image.status != 'active' or image.size != len(data):
            raise SystemExit('%s: image %s is %s with size %s'
                             % (entry, image.id, image.status, image.size))
        if image.os_hash_value != hashlib.sha512(data).hexdigest():
            raise SystemExit('%s: os_hash_value differs' % entry)
        back = b''.join(glance.images.data(image.id))
        if back != data:
            raise SystemExit('%s: downloaded data differs' % entry)
    finally:
        glance.images.delete(image.id)
    print('  %-14s %s: %d image(s) listed, upload/download/delete OK '
          '(%.2fs)' % (entry, endpoint, count, time.monotonic() - start))


def _key_manager(sess, method, path, **kwargs):
    """A request to Barbican found in the catalog; the response."""
    kwargs.setdefault('raise_exc', False)
    return sess.request(path, method, endpoint_filter={
        'service_type': 'key-manager', 'interface': 'public'}, **kwargs)


def _expect(what, resp, *codes):
    if resp.status_code not in codes:
        raise SystemExit('barbican: %s: HTTP %s, expected %s: %s'
                         % (what, resp.status_code, codes, resp.text[:300]))
    return resp


def _trust_session(env, owner_sess):
    """ciming's session through a new trust from demo; the trust's URL.

    The trust names ids, not names: demo is no admin.
    """
    alpha = env['clouds']['alpha']
    trustee = alpha['users']['ciming']
    expires = (datetime.datetime.now(datetime.timezone.utc)
               + datetime.timedelta(minutes=10))
    resp = owner_sess.post(alpha['auth_url'] + '/OS-TRUST/trusts', json={
        'trust': {
            'trustor_user_id': owner_sess.get_user_id(),
            'trustee_user_id': trustee['user_id'],
            'project_id': owner_sess.get_project_id(),
            'roles': [{'id': alpha['roles']['member']}],
            'impersonation': True,
            'expires_at': expires.strftime('%Y-%m-%dT%H:%M:%S.%fZ'),
        }})
    trust = resp.json()['trust']
    auth = v3.Password(auth_url=alpha['auth_url'],
                       username=trustee['username'],
                       password=trustee['password'],
                       user_domain_name='Default', trust_id=trust['id'])
    sess = ks_session.Session(auth=auth)
    return sess, alpha['auth_url'] + '/OS-TRUST/trusts/' + trust['id']


def _check_kek(env, owner_sess):
    """The project key of the owner's project opens with our KEK."""
    service = env['services']['alpha-barbican']
    with open(os.path.join(service['dir'], 'simple-crypto-kek')) as f:
        kek = fernet.Fernet(f.read().strip())
    db = sqlite3.connect(os.path.join(service['dir'], 'barbican.db'))
    try:
        rows = db.execute(
            'SELECT kek_data.plugin_meta FROM kek_data JOIN projects '
            'ON projects.id = kek_data.project_id '
            'WHERE projects.external_id = ?',
            (owner_sess.get_project_id(),)).fetchall()
    finally:
        db.close()
    if not rows:
        raise SystemExit('barbican: no project key in the database')
    for (meta,) in rows:
        kek.decrypt(meta if isinstance(meta, bytes) else meta.encode())


def check_barbican(loader, env):
    start = time.monotonic()
    _cloud, owner = session_for(loader, BARBICAN_OWNER)
    _cloud, stranger = session_for(loader, BARBICAN_STRANGER)
    endpoint = owner.get_endpoint(service_type='key-manager',
                                  interface='public')
    payload = json.dumps({'check': uuid.uuid4().hex, 'password': 's3cr3t'})
    resp = _expect('store', _key_manager(owner, 'POST', '/v1/secrets', json={
        'name': 'ciming-functional-check-%s' % uuid.uuid4().hex[:8],
        'secret_type': 'opaque', 'payload': payload,
        'payload_content_type': 'text/plain'}), 201)
    ref = resp.json()['secret_ref']
    path = '/v1/secrets/' + ref.rstrip('/').rsplit('/', 1)[1]
    if not ref.startswith(endpoint):
        raise SystemExit('barbican: secret_ref %s is not under %s'
                         % (ref, endpoint))
    try:
        text = _expect('read', _key_manager(
            owner, 'GET', path + '/payload',
            headers={'Accept': 'text/plain'}), 200).text
        if json.loads(text) != json.loads(payload):
            raise SystemExit('barbican: the payload read back differs')
        for what in ('', '/payload'):
            _expect('read by another project', _key_manager(
                stranger, 'GET', path + what,
                headers={'Accept': 'text/plain'}), 403, 404)
        trustee, trust_url = _trust_session(env, owner)
        try:
            text = _expect('read through a trust', _key_manager(
                trustee, 'GET', path + '/payload',
                headers={'Accept': 'text/plain'}), 200).text
            if json.loads(text) != json.loads(payload):
                raise SystemExit('barbican: the payload read through the '
                                 'trust differs')
        finally:
            owner.delete(trust_url)
        _check_kek(env, owner)
    finally:
        _key_manager(owner, 'DELETE', path)
    _expect('read after delete', _key_manager(owner, 'GET', path), 404)
    print('  %-14s %s: secret stored, read, read through a trust, refused '
          'to %s, deleted (%.2fs)' % (BARBICAN_OWNER, endpoint,
                                      BARBICAN_STRANGER,
                                      time.monotonic() - start))


def main():
    state = sys.argv[1] if len(sys.argv) > 1 else os.environ['FUNC_STATE']
    loader = os_config.OpenStackConfig(
        config_files=[os.path.join(state, 'clouds.yaml')],
        vendor_files=[], load_envvars=False, load_yaml_config=True)
    with open(os.path.join(state, 'env.json')) as f:
        env = json.load(f)
    for entry in TOKEN_CHECKS:
        check_token(loader, entry)
    for entry in GLANCE_CHECKS:
        check_glance(loader, entry)
    if 'alpha-barbican' in env['services']:
        check_barbican(loader, env)


if __name__ == '__main__':
    sys.exit(main())
