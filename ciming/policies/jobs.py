"""Policy of jobs: the copies in progress and their outcome."""

from oslo_policy import policy

from ciming.policies import base


def _rule(name, check_str, description, method, path):
    return policy.DocumentedRuleDefault(
        name='ciming:job:%s' % name, check_str=check_str,
        scope_types=base.SCOPE_TYPES, description=description,
        operations=[{'method': method, 'path': path}])


rules = [
    _rule('get', base.ADMIN_OR_PROJECT_READER, 'Show a job.', 'GET',
          '/v1/jobs/{job_id}'),
    _rule('list', base.ADMIN_OR_PROJECT_READER, 'List jobs.', 'GET',
          '/v1/jobs'),
    _rule('cancel', base.ADMIN_OR_PROJECT_MEMBER,
          'Cancel a pending or running job.', 'POST',
          '/v1/jobs/{job_id}/cancel'),
    _rule('resume', base.ADMIN_OR_PROJECT_MEMBER,
          'Give again the per-request credentials a job lost with its '
          'conductor, so that it goes on.', 'POST',
          '/v1/jobs/{job_id}/resume'),
]


def list_rules():
    return rules
