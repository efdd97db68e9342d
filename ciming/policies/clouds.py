"""Policy of clouds: own clouds for members, shared clouds for admins."""

from oslo_policy import policy

from ciming.policies import base

CLOUD_READER = '(%s) or (%s) or (%s)' % (
    base.ADMIN, base.PROJECT_READER, base.SHARED_READER)
CLOUD_WRITER = '(%s) or (%s)' % (base.ADMIN, base.OWN_UNSHARED_MEMBER)
CLOUD_VALIDATOR = '(%s) or (%s) or (%s)' % (
    base.ADMIN, base.PROJECT_MEMBER, base.SHARED_MEMBER)


def _rule(name, check_str, description, method, path):
    return policy.DocumentedRuleDefault(
        name='ciming:cloud:%s' % name, check_str=check_str,
        scope_types=base.SCOPE_TYPES, description=description,
        operations=[{'method': method, 'path': path}])


rules = [
    _rule('create', base.ADMIN_OR_PROJECT_MEMBER,
          'Define a cloud in the project.', 'POST', '/v1/clouds'),
    _rule('create_shared', base.ADMIN,
          'Define a cloud shared with every project.', 'POST',
          '/v1/clouds'),
    _rule('place_anywhere', base.ADMIN,
          'Give a cloud options that reach beyond the project: a local '
          'cloud anywhere under [local_driver] root. Others are confined '
          '(a local cloud under projects/<project id>/).', 'POST',
          '/v1/clouds'),
    _rule('get', CLOUD_READER,
          'Show a cloud of the project or a shared cloud.', 'GET',
          '/v1/clouds/{cloud}'),
    _rule('list', base.ADMIN_OR_PROJECT_READER,
          'List the clouds of the project and the shared clouds.', 'GET',
          '/v1/clouds'),
    _rule('update', CLOUD_WRITER,
          'Change a cloud; only admins change shared clouds.', 'PATCH',
          '/v1/clouds/{cloud}'),
    _rule('delete', CLOUD_WRITER,
          'Delete a cloud; only admins delete shared clouds.', 'DELETE',
          '/v1/clouds/{cloud}'),
    _rule('validate', CLOUD_VALIDATOR,
          'Check that a cloud can be reached with the caller\'s '
          'authority.', 'POST', '/v1/clouds/{cloud}/validate'),
    _rule('list_images', CLOUD_VALIDATOR,
          'Browse the images a cloud holds, with the caller\'s '
          'authority, tracked by CIMinG or not.', 'GET',
          '/v1/clouds/{cloud}/images'),
]


def list_rules():
    return rules
