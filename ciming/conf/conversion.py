"""[conversion] options: converting images for clouds that need raw."""

from oslo_config import cfg

GROUP = cfg.OptGroup('conversion', title='Image conversion options')

opts = [
    cfg.StrOpt('scratch_dir',
               default='$state_path/conversion',
               help='Directory where a conductor keeps the source and the '
                    'raw conversion of an image while a job converts it '
                    '(qcow2, vmdk, vhd, vhdx to raw for a cloud that '
                    'takes only raw). Both are removed when the job '
                    'ends.'),
    cfg.IntOpt('max_size', default=128 * 1024 ** 3, min=1,
               help='Largest image, in bytes, the conductor converts: '
                    'the virtual size (the size of the raw result) and '
                    'the source data must each fit. A larger image fails '
                    'the targets that need a conversion.'),
    cfg.IntOpt('cpu_time', default=1800, min=1,
               help='CPU seconds one qemu-img process may use (prlimit, '
                    'as Nova limits qemu-img).'),
    cfg.IntOpt('memory', default=1024 ** 3, min=64 * 1024 ** 2,
               help='Address space, in bytes, one qemu-img process may '
                    'use (prlimit, as Nova limits qemu-img).'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
