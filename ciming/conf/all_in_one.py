"""[all_in_one] options for the single-process development service."""

from oslo_config import cfg

GROUP = cfg.OptGroup('all_in_one', title='All-in-one options')

opts = [
    cfg.StrOpt('data_dir',
               default='./data',
               help='Directory holding the all-in-one state: its sqlite '
                    'database, staging area and local clouds.'),
    cfg.ListOpt('local_clouds',
                default=['dev-a', 'dev-b'],
                help='Local clouds registered as shared clouds at start, '
                     'one directory each under the data directory.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
