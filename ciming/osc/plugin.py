"""The openstackclient plugin of CIMinG (entry point ``openstack.cli.
extension``: ``ciming``).

With a Keystone identity the client uses OSC's session and the catalog's
``cloud-image-manager`` endpoint (or ``--os-endpoint``). With
``--os-auth-type none --os-endpoint URL`` (a service without Keystone, such
as ``ciming-all-in-one``) it sends the identity headers a noauth service
trusts: ``--os-ciming-project-id`` (default ``demo``) and
``--os-ciming-roles``.
"""

import logging

from osc_lib import exceptions
from osc_lib import utils

from ciming.client import client as ciming_client
from ciming.client import http

LOG = logging.getLogger(__name__)

# "1": the highest 1.x microversion both sides speak; "1.N": exactly it.
DEFAULT_API_VERSION = '1'
API_VERSION_OPTION = 'os_ciming_api_version'
API_NAME = 'ciming'
API_VERSIONS = {'1': 'ciming.client.client.Client'}

NOAUTH_TYPES = ('none', 'noauth')


def _option(instance, name):
    """A plugin option from OSC's parsed options (os_ prefix stripped)."""
    config = instance.get_configuration()
    return config.get(name) or config.get('os_' + name)


def check_api_version(check_version):
    """Accept ``1`` and ``1.N`` (a microversion the client negotiates).

    openstackclient calls it with ``--os-ciming-api-version``; True tells
    it not to look the value up in API_VERSIONS (which lists majors).
    """
    text = str(check_version).strip()
    if text.lower() in ('latest', '1.latest'):
        raise exceptions.CommandError(
            '--os-ciming-api-version: give 1 for the highest version both '
            'sides speak, or 1.N')
    http.parse_version(text)
    return True


def api_version(instance):
    """The microversion asked for: OSC's per-API versions, else 1."""
    versions = getattr(instance, '_api_version', None) or {}
    return str(versions.get(API_NAME) or
               _option(instance, 'ciming_api_version') or
               DEFAULT_API_VERSION)


def make_client(instance):
    """The CIMinG client of OSC's client manager."""
    microversion = api_version(instance)
    config = instance.get_configuration()
    auth_type = config.get('auth_type')
    if auth_type in NOAUTH_TYPES:
        endpoint = ((config.get('auth') or {}).get('endpoint')
                    or config.get('cloud_image_manager_endpoint_override'))
        return ciming_client.Client(
            endpoint=endpoint, noauth=True,
            project_id=_option(instance, 'ciming_project_id'),
            roles=_option(instance, 'ciming_roles'),
            api_version=microversion, verify=instance.verify)
    endpoint = instance.get_endpoint_for_service_type(
        http.SERVICE_TYPE, region_name=instance.region_name,
        interface=instance.interface)
    return ciming_client.Client(
        session=instance.session, endpoint=endpoint,
        region_name=instance.region_name, interface=instance.interface,
        api_version=microversion)


def build_option_parser(parser):
    """Global options of the plugin."""
    parser.add_argument(
        '--os-ciming-api-version', metavar='<ciming-api-version>',
        default=utils.env('OS_CIMING_API_VERSION'),
        help='CIMinG API version: 1 for the highest microversion both '
             'sides speak (default), or 1.N for exactly that one (env '
             'OS_CIMING_API_VERSION; ciming_api_version in clouds.yaml)')
    parser.add_argument(
        '--os-ciming-project-id', metavar='<project-id>',
        default=utils.env('OS_CIMING_PROJECT_ID'),
        help='With --os-auth-type none: the project to act in (default: '
             'demo; env OS_CIMING_PROJECT_ID)')
    parser.add_argument(
        '--os-ciming-roles', metavar='<role,role>',
        default=utils.env('OS_CIMING_ROLES'),
        help='With --os-auth-type none: the roles to act with (default: '
             'member,reader; env OS_CIMING_ROLES)')
    return parser
