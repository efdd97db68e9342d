"""[transfer] options: how data moves between a source and its targets."""

from oslo_config import cfg

GROUP = cfg.OptGroup('transfer', title='Data transfer options')

opts = [
    cfg.IntOpt('chunk_size', default=1024 * 1024, min=4096,
               help='Bytes read from a source at a time.'),
    cfg.IntOpt('queue_depth', default=4, min=1,
               help='Chunks queued per target before the reader waits. '
                    'Memory stays below chunk_size x queue_depth x '
                    '(targets + 2), whatever the image size.'),
    cfg.BoolOpt('rehash_staged_data', default=False,
                help='Hash staged uploads again (md5 and sha512) while '
                     'copying them to the clouds. The API hashed them as '
                     'they arrived; this only guards against the staging '
                     'disk corrupting data, at the cost of CPU time.'),
    cfg.BoolOpt('hash_verified_copies', default=False,
                help='Hash the data of a cloud source (md5 and sha512) '
                     'while copying it even when every target hashes what '
                     'it receives and reports it (Glance), which the job '
                     'compares with the image\'s known size and hashes. '
                     'Costs about 4 CPU seconds per GiB in the conductor, '
                     'CPU the receiving clouds may need.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
