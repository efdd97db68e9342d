"""[DEFAULT] options that belong to no single subsystem."""

import socket

from oslo_config import cfg

opts = [
    cfg.StrOpt('auth_strategy',
               default='keystone',
               choices=[('keystone', 'Validate tokens with keystonemiddleware '
                                     'and Keystone.'),
                        ('noauth', 'Development only: the project comes '
                                   'from the X-Project-Id header (default '
                                   '"demo") and the roles from X-Roles '
                                   '(default "member,reader").')],
               help='How API requests are authenticated. Policy applies '
                    'the same way with either strategy.'),
    cfg.StrOpt('host',
               default=socket.gethostname(),
               sample_default='localhost',
               help='Name of this node: the conductor listens on the '
                    'topic ciming-conductor.<host> for jobs whose staged '
                    'data lives on this host.'),
    cfg.StrOpt('state_path',
               default='/var/lib/ciming',
               help='Top directory for the state CIMinG keeps on disk '
                    '(staging area, local clouds of the all-in-one).'),
]


def register_opts(conf):
    conf.register_opts(opts)
