"""Policy in code: one module per resource, gathered by list_rules()."""

import itertools

from oslo_policy import policy

from ciming.policies import base
from ciming.policies import clouds
from ciming.policies import images
from ciming.policies import jobs
from ciming.policies import locations

LIST_ALL_PROJECTS = 'ciming:list_all_projects'

_general_rules = [
    policy.DocumentedRuleDefault(
        name=LIST_ALL_PROJECTS, check_str=base.ADMIN,
        scope_types=base.SCOPE_TYPES,
        description='See the clouds, images and jobs of every project '
                    '(lists with ?all_projects=true, and any resource by '
                    'id).',
        operations=[{'method': 'GET', 'path': '/v1/images'},
                    {'method': 'GET', 'path': '/v1/jobs'},
                    {'method': 'GET', 'path': '/v1/clouds'}]),
]


def list_rules():
    """Every CIMinG policy rule (the ``oslo.policy.policies`` hook)."""
    return list(itertools.chain(
        _general_rules,
        clouds.list_rules(),
        images.list_rules(),
        locations.list_rules(),
        jobs.list_rules(),
    ))
