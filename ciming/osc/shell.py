"""``ciming``: the CIMinG commands without the rest of openstackclient.

The same command classes as ``openstack ciming ...`` (entry points
``openstack.ciming.v1``, named without their ``ciming_`` prefix here), run
by a cliff application of their own.

Against a service without Keystone (``ciming-all-in-one``)::

    ciming --endpoint http://127.0.0.1:9779 image list

With Keystone, the usual ``--os-*`` options or ``OS_*`` variables
(``--os-auth-type password`` is the default when ``OS_AUTH_URL`` is set).
"""

import importlib.metadata
import logging
import os
import sys

from cliff import app
from cliff import commandmanager
from keystoneauth1 import loading
from osc_lib import utils as osc_utils

from ciming.client import client as ciming_client
from ciming.client import exceptions

NAMESPACE = 'openstack.ciming.v1'
PREFIX = 'ciming_'


class CommandManager(commandmanager.CommandManager):
    """The plugin's commands, ``ciming_image_list`` as ``image list``."""

    def load_commands(self, namespace):
        for entry_point in importlib.metadata.entry_points(group=namespace):
            name = entry_point.name
            if name.startswith(PREFIX):
                name = name[len(PREFIX):]
            self.add_command(name.replace('_', ' '), entry_point.load())


class ClientManager:
    """What the commands find as ``app.client_manager``."""

    def __init__(self, options):
        self._options = options
        self._ciming = None

    @property
    def ciming(self):
        if self._ciming is None:
            self._ciming = make_client(self._options)
        return self._ciming


def _version():
    try:
        return importlib.metadata.version('ciming')
    except importlib.metadata.PackageNotFoundError:
        return 'unknown'


def make_client(options):
    """A client from the parsed global options."""
    noauth = options.os_auth_type in (None, 'none', 'noauth')
    if noauth:
        if not options.endpoint:
            raise exceptions.ClientException(
                'Give --endpoint (or CIMING_ENDPOINT) for a service without '
                'Keystone, or --os-auth-type and --os-auth-url for one '
                'with Keystone')
        return ciming_client.Client(
            endpoint=options.endpoint, noauth=True,
            project_id=options.project_id, roles=options.roles,
            api_version=options.api_version, verify=not options.insecure,
            timeout=options.timeout)
    auth = loading.load_auth_from_argparse_arguments(options)
    session = loading.load_session_from_argparse_arguments(options,
                                                           auth=auth)
    return ciming_client.Client(
        session=session, endpoint=options.endpoint,
        region_name=options.os_region_name,
        interface=options.os_interface, api_version=options.api_version)


class CimingApp(app.App):
    """The ``ciming`` program."""

    def __init__(self, argv=None, stdout=None, stderr=None):
        # The auth plugin's options depend on --os-auth-type in argv.
        self._argv = sys.argv[1:] if argv is None else argv
        super().__init__(
            stdout=stdout, stderr=stderr,
            description='CIMinG: one image record, made to exist verified '
                        'in every cloud.',
            version=_version(),
            command_manager=CommandManager(NAMESPACE),
            deferred_help=True)
        self.client_manager = None

    def build_option_parser(self, description, version, argparse_kwargs=None):
        parser = super().build_option_parser(description, version,
                                             argparse_kwargs)
        parser.add_argument(
            '--endpoint', metavar='<url>',
            default=osc_utils.env('CIMING_ENDPOINT'),
            help='URL of the CIMinG API (env CIMING_ENDPOINT); without '
                 'Keystone it is required, with Keystone it overrides the '
                 'catalog')
        parser.add_argument(
            '--project-id', metavar='<project-id>',
            default=osc_utils.env('CIMING_PROJECT_ID'),
            help='Without Keystone: the project to act in (default: demo; '
                 'env CIMING_PROJECT_ID)')
        parser.add_argument(
            '--roles', metavar='<role,role>',
            default=osc_utils.env('CIMING_ROLES'),
            help='Without Keystone: the roles to act with (default: '
                 'member,reader; env CIMING_ROLES)')
        parser.add_argument(
            '--api-version', metavar='<X.Y>',
            default=osc_utils.env('CIMING_API_VERSION', default='latest'),
            help='API microversion, or "latest" (default; env '
                 'CIMING_API_VERSION)')
        parser.add_argument(
            '--os-region-name', metavar='<region>',
            default=osc_utils.env('OS_REGION_NAME'),
            help='Region of the CIMinG endpoint in the catalog')
        parser.add_argument(
            '--os-interface', metavar='<interface>',
            default=osc_utils.env('OS_INTERFACE', default='public'),
            help='Interface of the CIMinG endpoint in the catalog')
        loading.register_session_argparse_arguments(parser)
        default_auth = 'password' if os.environ.get('OS_AUTH_URL') else None
        loading.register_auth_argparse_arguments(
            parser, self._argv, default=default_auth)
        return parser

    def initialize_app(self, argv):
        self.client_manager = ClientManager(self.options)

    def configure_logging(self):
        super().configure_logging()
        # keystoneauth logs every request at DEBUG; keep it for --debug.
        if not self.options.debug:
            logging.getLogger('keystoneauth').setLevel(logging.WARNING)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    return CimingApp(argv).run(argv)


if __name__ == '__main__':
    sys.exit(main())
