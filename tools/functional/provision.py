"""Create the regions, catalog, projects and users of the functional clouds.

Run by tools/functional/start with the servers' virtualenv once both
Keystones answer. Idempotent: everything is looked up before it is created,
and a password is only reset when it no longer authenticates (a password
change revokes the user's tokens, which a running Glance would notice).
Writes ${STATE}/env.json and ${STATE}/clouds.yaml.

Settings come from the environment that start exports (FUNC_*); their
defaults live in tools/functional/common.sh only.
"""

from concurrent import futures
import json
import os
import sys

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1.identity import v3
from keystoneauth1 import session as ks_session
import yaml

ENV = os.environ
HOST = ENV['FUNC_HOST']
STATE = ENV['FUNC_STATE']
ADMIN_PASSWORD = ENV['FUNC_ADMIN_PASSWORD']
SERVICE_PASSWORD = ENV['FUNC_SERVICE_PASSWORD']
USER_PASSWORD = ENV['FUNC_USER_PASSWORD']
TIMEOUT = 30
DOMAIN = 'default'


def url(port):
    return 'http://%s:%s' % (HOST, port)


# The two clouds: their Keystone, the Glance of each region, alpha's
# Barbican, and who is in them: user -> (password, project, roles on that
# project).
CLOUDS = {
    'alpha': {
        'keystone': url(ENV['FUNC_ALPHA_KEYSTONE_PORT']),
        'glance': {
            'RegionOne': url(ENV['FUNC_ALPHA_GLANCE1_PORT']),
            'RegionTwo': url(ENV['FUNC_ALPHA_GLANCE2_PORT']),
        },
        # One Barbican for the cloud, in the catalog of every region.
        'barbican': url(ENV['FUNC_ALPHA_BARBICAN_PORT']),
        'users': {
            'glance': (SERVICE_PASSWORD, 'service', ['admin', 'service']),
            'barbican': (SERVICE_PASSWORD, 'service', ['admin', 'service']),
            'ciming': (SERVICE_PASSWORD, 'service', ['admin']),
            'demo': (USER_PASSWORD, 'demo', ['member', 'reader']),
            'other': (USER_PASSWORD, 'other', ['member', 'reader']),
        },
    },
    'beta': {
        'keystone': url(ENV['FUNC_BETA_KEYSTONE_PORT']),
        'glance': {
            'RegionOne': url(ENV['FUNC_BETA_GLANCE_PORT']),
        },
        'users': {
            'glance': (SERVICE_PASSWORD, 'service', ['admin', 'service']),
            'beta-demo': (USER_PASSWORD, 'beta-demo', ['member', 'reader']),
        },
    },
}

# clouds.yaml entries: name -> (cloud, user, region, system scope).
CLOUD_ENTRIES = {
    'alpha-admin': ('alpha', 'admin', 'RegionOne', False),
    'alpha-system-admin': ('alpha', 'admin', 'RegionOne', True),
    'alpha-demo': ('alpha', 'demo', 'RegionOne', False),
    'alpha-demo-r2': ('alpha', 'demo', 'RegionTwo', False),
    'alpha-other': ('alpha', 'other', 'RegionOne', False),
    'alpha-ciming': ('alpha', 'ciming', 'RegionOne', False),
    'beta-admin': ('beta', 'admin', 'RegionOne', False),
    'beta-system-admin': ('beta', 'admin', 'RegionOne', True),
    'beta-demo': ('beta', 'beta-demo', 'RegionOne', False),
}

INTERFACES = ('public', 'internal', 'admin')


class Keystone(object):
    """Find-or-create on one Keystone, as its system admin.

    What exists is listed once per kind (a handful of GETs), so a run on
    a provisioned Keystone costs little more than the password checks.
    """

    def __init__(self, base_url):
        self.base_url = base_url
        self.auth_url = base_url + '/v3'
        auth = v3.Password(auth_url=self.auth_url, username='admin',
                           password=ADMIN_PASSWORD,
                           user_domain_id=DOMAIN, system_scope='all')
        self.session = ks_session.Session(auth=auth, timeout=TIMEOUT)
        self.regions = {r['id'] for r in self.get('/regions', 'regions')}
        self.services = {s['type']: s['id']
                         for s in self.get('/services', 'services')}
        self.endpoints = {(e['service_id'], e['region_id'], e['interface']): e
                          for e in self.get('/endpoints', 'endpoints')}
        self.projects = {p['name']: p['id'] for p in self.get(
            '/projects', 'projects', domain_id=DOMAIN)}
        self.users = {u['name']: u['id'] for u in self.get(
            '/users', 'users', domain_id=DOMAIN)}
        self.roles = {r['name']: r['id'] for r in self.get('/roles', 'roles')}
        self.grants = {
            (a['scope']['project']['id'], a['user']['id'], a['role']['id'])
            for a in self.get('/role_assignments', 'role_assignments')
            if 'project' in a['scope'] and 'user' in a}

    def _call(self, method, path, **kwargs):
        return self.session.request(self.auth_url + path, method,
                                    raise_exc=True, **kwargs)

    def get(self, path, key, **params):
        return self._call('GET', path, params=params).json()[key]

    def post(self, path, key, body):
        return self._call('POST', path, json={key: body}).json()[key]

    def patch(self, path, key, body):
        return self._call('PATCH', path, json={key: body}).json()[key]

    def region(self, region_id):
        if region_id not in self.regions:
            self.post('/regions', 'region', {'id': region_id})
            self.regions.add(region_id)

    def service(self, stype, name):
        if stype not in self.services:
            self.services[stype] = self.post(
                '/services', 'service', {'type': stype, 'name': name})['id']
        return self.services[stype]

    def endpoint(self, service_id, region, endpoint_url):
        for interface in INTERFACES:
            found = self.endpoints.get((service_id, region, interface))
            if found is None:
                self.post('/endpoints', 'endpoint', {
                    'service_id': service_id, 'region_id': region,
                    'interface': interface, 'url': endpoint_url})
            elif found['url'] != endpoint_url:
                self.patch('/endpoints/%s' % found['id'], 'endpoint',
                           {'url': endpoint_url})

    def project(self, name):
        if name not in self.projects:
            self.projects[name] = self.post(
                '/projects', 'project',
                {'name': name, 'domain_id': DOMAIN})['id']
        return self.projects[name]

    def role(self, name):
        if name not in self.roles:
            self.roles[name] = self.post('/roles', 'role',
                                         {'name': name})['id']
        return self.roles[name]

    def _authenticates(self, name, password):
        auth = v3.Password(auth_url=self.auth_url, username=name,
                           password=password, user_domain_id=DOMAIN,
                           unscoped=True)
        try:
            auth.get_auth_ref(ks_session.Session(timeout=TIMEOUT))
        except ks_exc.Unauthorized:
            return False
        return True

    def user(self, name, password, project_id):
        if name not in self.users:
            self.users[name] = self.post('/users', 'user', {
                'name': name, 'password': password, 'domain_id': DOMAIN,
                'default_project_id': project_id, 'enabled': True})['id']
        elif not self._authenticates(name, password):
            self.patch('/users/%s' % self.users[name], 'user',
                       {'password': password})
        return self.users[name]

    def grant(self, project_id, user_id, role_id):
        if (project_id, user_id, role_id) not in self.grants:
            self._call('PUT', '/projects/%s/users/%s/roles/%s'
                       % (project_id, user_id, role_id))
            self.grants.add((project_id, user_id, role_id))


def provision(cloud):
    ks = Keystone(cloud['keystone'])
    identity_id = ks.service('identity', 'keystone')
    image_id = ks.service('image', 'glance')
    for region, glance_url in cloud['glance'].items():
        ks.region(region)
        # auth_token in a region's Glance looks Keystone up in its own
        # region: every region needs identity endpoints too.
        ks.endpoint(identity_id, region, ks.base_url)
        ks.endpoint(image_id, region, glance_url)
    if cloud.get('barbican'):
        key_manager_id = ks.service('key-manager', 'barbican')
        for region in cloud['glance']:
            ks.endpoint(key_manager_id, region, cloud['barbican'])

    users = {
        'admin': {
            'username': 'admin', 'password': ADMIN_PASSWORD,
            'user_id': ks.users['admin'], 'project_name': 'admin',
            'project_id': ks.project('admin'), 'roles': ['admin'],
            'system_roles': ['admin'],
        },
    }
    for user, (password, project, role_names) in cloud['users'].items():
        project_id = ks.project(project)
        user_id = ks.user(user, password, project_id)
        for role in role_names:
            ks.grant(project_id, user_id, ks.role(role))
        users[user] = {
            'username': user, 'password': password, 'user_id': user_id,
            'project_name': project, 'project_id': project_id,
            'roles': role_names,
        }
    for user in users.values():
        user.update(user_domain_name='Default',
                    project_domain_name='Default')
    result = {
        'auth_url': ks.auth_url,
        'keystone': ks.base_url,
        'regions': {region: {'image': glance_url}
                    for region, glance_url in cloud['glance'].items()},
        'users': users,
        'projects': dict(ks.projects),
        'roles': {name: ks.role(name)
                  for name in ('admin', 'member', 'reader', 'service')},
    }
    if cloud.get('barbican'):
        result['key_manager'] = cloud['barbican']
    return result


def provision_all():
    """Both clouds at once (they are independent)."""
    with futures.ThreadPoolExecutor(len(CLOUDS)) as pool:
        done = {name: pool.submit(provision, cloud)
                for name, cloud in CLOUDS.items()}
        return {name: future.result() for name, future in done.items()}


def clouds_yaml(env):
    clouds = {}
    for entry, (cloud, user, region, system) in CLOUD_ENTRIES.items():
        info = env['clouds'][cloud]
        account = info['users'][user]
        auth = {
            'auth_url': info['auth_url'],
            'username': account['username'],
            'password': account['password'],
            'user_domain_name': 'Default',
        }
        if system:
            auth['system_scope'] = 'all'
        else:
            auth.update(project_name=account['project_name'],
                        project_domain_name='Default')
        clouds[entry] = {
            'auth': auth,
            'auth_type': 'password',
            'region_name': region,
            'interface': 'public',
            'identity_api_version': 3,
        }
    return {'clouds': clouds}


def services():
    """Where each server listens and logs (FUNC_SERVICES from common.sh)."""
    result = {}
    for line in ENV['FUNC_SERVICES'].splitlines():
        if not line.strip():
            continue
        fields = line.split()
        name, cloud, kind, port = fields[:4]
        region = fields[4] if len(fields) > 4 else None
        result[name] = {
            'cloud': cloud, 'kind': kind, 'region': region,
            'url': url(port), 'port': int(port),
            'dir': os.path.join(STATE, name),
            'log': os.path.join(STATE, name, kind + '.log'),
            'pidfile': os.path.join(STATE, name, 'gunicorn.pid'),
        }
    return result


def write(path, text):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def main():
    env = {
        'state_dir': STATE,
        'clouds_yaml': os.path.join(STATE, 'clouds.yaml'),
        'clouds': provision_all(),
        'services': services(),
    }
    env['cloud_entries'] = {
        entry: {'cloud': cloud, 'user': user, 'region': region,
                'system_scope': system}
        for entry, (cloud, user, region, system) in CLOUD_ENTRIES.items()}
    write(env['clouds_yaml'],
          yaml.safe_dump(clouds_yaml(env), default_flow_style=False))
    write(os.path.join(STATE, 'env.json'),
          json.dumps(env, indent=2, sort_keys=True) + '\n')


if __name__ == '__main__':
    sys.exit(main())
