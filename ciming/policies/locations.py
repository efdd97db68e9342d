"""Policy of locations: where an image exists, per cloud."""

from oslo_policy import policy

from ciming.policies import base


def _rule(name, check_str, description, method, path):
    return policy.DocumentedRuleDefault(
        name='ciming:location:%s' % name, check_str=check_str,
        scope_types=base.SCOPE_TYPES, description=description,
        operations=[{'method': method, 'path': path}])


rules = [
    _rule('list', base.ADMIN_OR_PROJECT_READER,
          'List the locations of an image.', 'GET',
          '/v1/images/{image_id}/locations'),
    _rule('create', base.ADMIN_OR_PROJECT_MEMBER,
          'Link an image to a copy that already exists in a cloud.',
          'POST', '/v1/images/{image_id}/locations'),
    _rule('delete', base.ADMIN_OR_PROJECT_MEMBER,
          'Forget the location of an image in a cloud (the copy stays).',
          'DELETE', '/v1/images/{image_id}/locations/{cloud}'),
]


def list_rules():
    return rules
