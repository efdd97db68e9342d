"""[conductor] options: how many jobs a conductor runs and how it sweeps."""

from oslo_config import cfg

GROUP = cfg.OptGroup('conductor', title='Conductor options')

opts = [
    cfg.IntOpt('workers', default=4, min=1,
               help='Jobs one conductor runs at the same time.'),
    cfg.IntOpt('job_backlog', default=64, min=0,
               help='Jobs a conductor accepts beyond the running ones; '
                    'past that it leaves new jobs pending for another '
                    'conductor or a later sweep.'),
    cfg.IntOpt('periodic_interval', default=60, min=1,
               help='Seconds between runs of the conductor periodic '
                    'tasks (staging cleanup, trusts and saved flows '
                    'left by ended jobs).'),
    cfg.FloatOpt('progress_interval', default=1.0, min=0.05,
                 help='Seconds between two writes of a job\'s progress to '
                      'the database; each write also notices a cancel.'),
    cfg.IntOpt('pending_timeout', default=120, min=1,
               help='Seconds after which a conductor runs a job still '
                    'pending: the API recorded it but its cast was lost '
                    '(the message broker was down).'),
    cfg.StrOpt('rpc_version_cap',
               help='Highest conductor RPC API version to send, set during '
                    'rolling upgrades while older conductors still run.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
