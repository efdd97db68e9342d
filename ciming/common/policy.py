"""The policy enforcer: rules come from :mod:`ciming.policies`."""

import sys
import threading

from oslo_log import log
from oslo_policy import policy

from ciming.common import exception
from ciming.conf import CONF
from ciming import policies

LOG = log.getLogger(__name__)

_ENFORCER = None
_LOCK = threading.Lock()


def get_enforcer():
    """The process-wide Enforcer, created on first use."""
    global _ENFORCER
    with _LOCK:
        if _ENFORCER is None:
            enforcer = policy.Enforcer(CONF)
            enforcer.register_defaults(policies.list_rules())
            _ENFORCER = enforcer
    return _ENFORCER


def get_oslo_policy_enforcer():
    """The ``oslo.policy.enforcer`` hook used by the oslopolicy tools."""
    # The tools' own options (--namespace, --output-file) would make the
    # parsing of CIMinG's configuration fail: leave them out.
    args = []
    argv = iter(sys.argv[1:])
    for arg in argv:
        if arg.lstrip('-').split('=')[0] in ('namespace', 'output-file'):
            if '=' not in arg:
                next(argv, None)
            continue
        args.append(arg)
    CONF(args, project='ciming')
    return get_enforcer()


def reset():
    """Forget the enforcer (tests, and after a configuration reload)."""
    global _ENFORCER
    with _LOCK:
        if _ENFORCER is not None:
            _ENFORCER.clear()
        _ENFORCER = None


def check(rule, target, context):
    """True when ``context`` may do ``rule`` on ``target``."""
    try:
        return get_enforcer().authorize(rule, target, context)
    except policy.InvalidScope:
        return False


def authorize(rule, target, context):
    """Raise PolicyNotAuthorized unless ``context`` may do ``rule``."""
    if not check(rule, target, context):
        LOG.debug('Policy %s refused for user %s in project %s', rule,
                  context.user_id, context.project_id)
        raise exception.PolicyNotAuthorized(action=rule)
