"""[staging] options: where uploads wait until every target has them."""

from oslo_config import cfg

GROUP = cfg.OptGroup('staging', title='Staging area options')

opts = [
    cfg.StrOpt('dir',
               default='$state_path/staging',
               help='Directory uploads stream into before they are copied '
                    'to the clouds. Data is removed as soon as every '
                    'requested target is active.'),
    cfg.BoolOpt('shared', default=False,
                help='True when the staging directory is shared by every '
                     'API and conductor host (NFS, CephFS); False sends '
                     'upload jobs to the conductor on the API\'s host.'),
    cfg.IntOpt('ttl', default=7 * 24 * 3600, min=0,
               help='Seconds staged data is kept for a retry after some '
                    'target failed; older data is removed by the '
                    'conductor\'s periodic cleanup.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
