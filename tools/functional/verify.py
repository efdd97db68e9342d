"""Check the functional clouds end to end through ${STATE}/clouds.yaml.

Run by tools/functional/start (and usable alone: verify.py STATE_DIR) with
the servers' virtualenv. For each Keystone: a token. For each Glance: an
image list, then a small raw image created, uploaded, downloaded, compared
and deleted. OS_* variables are ignored (they would override the entries).
"""

import hashlib
import io
import os
import sys
import time
import uuid

from glanceclient import Client as GlanceClient
from openstack import config as os_config

# (clouds.yaml entry, what it checks): admin entries check each Keystone,
# user entries each Glance (RegionOne and RegionTwo of alpha, and beta).
TOKEN_CHECKS = ('alpha-admin', 'beta-admin')
GLANCE_CHECKS = ('alpha-demo', 'alpha-demo-r2', 'beta-demo')


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


def main():
    state = sys.argv[1] if len(sys.argv) > 1 else os.environ['FUNC_STATE']
    loader = os_config.OpenStackConfig(
        config_files=[os.path.join(state, 'clouds.yaml')],
        vendor_files=[], load_envvars=False, load_yaml_config=True)
    for entry in TOKEN_CHECKS:
        check_token(loader, entry)
    for entry in GLANCE_CHECKS:
        check_glance(loader, entry)


if __name__ == '__main__':
    sys.exit(main())
