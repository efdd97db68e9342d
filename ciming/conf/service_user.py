"""[service_user]: CIMinG's own Keystone identity, trustee of job trusts."""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

GROUP = cfg.OptGroup(
    'service_user', title='CIMinG service user',
    help='The Keystone user CIMinG acts as: users delegate their roles '
         'to it with a trust for the length of a job, so that the job '
         'finishes after their token expired, and on another conductor.')


def register_opts(conf):
    conf.register_group(GROUP)
    ks_loading.register_auth_conf_options(conf, GROUP.name)
    ks_loading.register_session_conf_options(conf, GROUP.name)


def list_opts():
    return (ks_loading.get_session_conf_options()
            + ks_loading.get_auth_common_conf_options()
            + ks_loading.get_auth_plugin_conf_options('password'))
