"""[aws] options for clouds of type ``aws`` (AMIs on EBS snapshots)."""

from oslo_config import cfg

GROUP = cfg.OptGroup('aws', title='Amazon Web Services clouds')

opts = [
    cfg.IntOpt('block_workers', default=8, min=1, max=64,
               help='Parallel EBS direct API calls (put_snapshot_block, '
                    'get_snapshot_block) per image and cloud. Each holds '
                    'one 512 KiB block in memory, and twice as many '
                    'blocks wait in a bounded queue.'),
    cfg.IntOpt('snapshot_timeout', default=3600, min=1,
               help='Seconds to wait for a snapshot to complete, an AMI '
                    'to become available or a copy to end.'),
    cfg.FloatOpt('poll_interval', default=2.0, min=0.05,
                 help='Seconds between two checks of a snapshot or an '
                      'AMI.'),
    cfg.IntOpt('import_part_size', default=64, min=5, max=5120,
               help='MiB per S3 part when an image goes in through VM '
                    'Import (one part is held in memory per target).'),
    cfg.IntOpt('import_timeout', default=14400, min=1,
               help='Seconds to wait for a VM Import task to end.'),
    cfg.IntOpt('page_size', default=100, min=5, max=1000,
               help='Images asked for per page when listing a cloud.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
