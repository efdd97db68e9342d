"""[keystone] options: the Keystone CIMinG itself is part of."""

from oslo_config import cfg

GROUP = cfg.OptGroup('keystone', title='Home Keystone')

opts = [
    cfg.URIOpt('auth_url', schemes=['http', 'https'],
               help='Identity endpoint of the cloud CIMinG serves. '
                    'Clouds of type openstack without an auth_url option '
                    'are regions of this cloud: CIMinG reaches them with '
                    'the caller\'s own token, no extra credentials.'),
    cfg.StrOpt('region_name',
               help='Region whose endpoints CIMinG uses for the services '
                    'of its own cloud that are not image stores '
                    '(Barbican).'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
