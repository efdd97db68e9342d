"""[taskflow] options: where flows are persisted, and the jobboard."""

from oslo_config import cfg

GROUP = cfg.OptGroup(
    'taskflow', title='TaskFlow persistence and jobboard',
    help='Every job\'s flow is persisted, so that a job survives the '
         'conductor that ran it. With a jobboard, conductors share jobs '
         'and take over those of a conductor that died; without one, a '
         'conductor resumes its own jobs when it starts again.')

opts = [
    cfg.StrOpt('persistence_connection', secret=True,
               help='SQLAlchemy URL of the flow persistence database; '
                    'by default the [database] connection. Only ids '
                    'and states are stored there, never credentials.'),
    cfg.StrOpt('jobboard_backend', default='none',
               choices=[('none', 'No jobboard: each conductor runs the '
                                 'jobs cast to it and resumes them after '
                                 'a restart.'),
                        ('redis', 'Redis jobboard shared by conductors.'),
                        ('zookeeper', 'ZooKeeper jobboard.'),
                        ('etcd', 'etcd jobboard.')],
               help='Jobboard the conductors claim jobs from.'),
    cfg.ListOpt('jobboard_backend_hosts', default=['127.0.0.1'],
                help='Hosts of the jobboard backend.'),
    cfg.PortOpt('jobboard_backend_port', default=6379,
                help='Port of the jobboard backend.'),
    cfg.StrOpt('jobboard_backend_password', secret=True,
               help='Password of the jobboard backend, if any.'),
    cfg.StrOpt('jobboard_backend_namespace', default='ciming',
               help='Namespace (key prefix or path) of the jobboard.'),
    cfg.StrOpt('jobboard_name', default='ciming_jobs',
               help='Name of the jobboard.'),
    cfg.IntOpt('jobboard_expiration_time', default=30, min=3,
               help='Seconds a conductor\'s claim on a job lasts unless '
                    'renewed; a conductor that died loses its jobs to '
                    'the others after this long.'),
    cfg.FloatOpt('jobboard_poll_interval', default=1.0, min=0.05,
                 help='Seconds between two looks at the jobboard for '
                      'unclaimed jobs.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
