"""[local_driver] options for clouds of type ``local`` (a directory)."""

from oslo_config import cfg

GROUP = cfg.OptGroup('local_driver', title='Local directory clouds')

opts = [
    cfg.StrOpt('root',
               default='$state_path/local-clouds',
               help='Directory under which every local cloud lives. A '
                    'cloud\'s "path" option is relative to it and may '
                    'never lead outside it.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
