"""[jobs] options: how long a job may run on its user's behalf."""

from oslo_config import cfg

GROUP = cfg.OptGroup('jobs', title='Jobs')

opts = [
    cfg.IntOpt('max_duration', default=24 * 3600, min=60,
               help='Seconds a job may take. The Keystone trust a job '
                    'works through expires after this long.'),
    cfg.BoolOpt('use_trusts', default=True,
                help='With keystone authentication, let every job work '
                     'through a Keystone trust from its user to the '
                     '[service_user], so it outlives the user\'s token. '
                     'Without trusts a job only has the token of the '
                     'request that started it.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
