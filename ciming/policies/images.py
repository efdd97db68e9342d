"""Policy of images: readers see them, members change and upload."""

from oslo_policy import policy

from ciming.policies import base


def _rule(name, check_str, description, operations):
    return policy.DocumentedRuleDefault(
        name='ciming:image:%s' % name, check_str=check_str,
        scope_types=base.SCOPE_TYPES, description=description,
        operations=[{'method': m, 'path': p} for m, p in operations])


rules = [
    _rule('create', base.ADMIN_OR_PROJECT_MEMBER,
          'Create an image record with its target clouds.',
          [('POST', '/v1/images')]),
    _rule('get', base.ADMIN_OR_PROJECT_READER, 'Show an image.',
          [('GET', '/v1/images/{image_id}')]),
    _rule('list', base.ADMIN_OR_PROJECT_READER, 'List images.',
          [('GET', '/v1/images')]),
    _rule('update', base.ADMIN_OR_PROJECT_MEMBER,
          'Rename an image; from API 1.1 change its metadata in every '
          'cloud that holds it.',
          [('PATCH', '/v1/images/{image_id}')]),
    _rule('delete', base.ADMIN_OR_PROJECT_MEMBER,
          'Delete an image record and its staged data.',
          [('DELETE', '/v1/images/{image_id}')]),
    _rule('upload', base.ADMIN_OR_PROJECT_MEMBER,
          'Upload the data of a queued image.',
          [('PUT', '/v1/images/{image_id}/file')]),
    _rule('sync', base.ADMIN_OR_PROJECT_MEMBER,
          'Copy an image to more clouds, or again where it failed.',
          [('POST', '/v1/images/{image_id}/sync')]),
    _rule('adopt', base.ADMIN_OR_PROJECT_MEMBER,
          'Track an image that exists in a cloud and copy it to others.',
          [('POST', '/v1/images/adopt')]),
    _rule('refresh', base.ADMIN_OR_PROJECT_MEMBER,
          'Check every location of an image in its cloud now.',
          [('POST', '/v1/images/{image_id}/refresh')]),
    _rule('deprecate', base.ADMIN_OR_PROJECT_MEMBER,
          'Deprecate an image in every cloud that holds it.',
          [('POST', '/v1/images/{image_id}/deprecate')]),
    _rule('undeprecate', base.ADMIN_OR_PROJECT_MEMBER,
          'Undo the deprecation of an image in every cloud.',
          [('POST', '/v1/images/{image_id}/undeprecate')]),
]


def list_rules():
    return rules
