"""``ciming``: the CIMinG commands without the rest of openstackclient.

The same command classes as ``openstack ciming ...`` (entry points
``openstack.ciming.v1``, named without their ``ciming_`` prefix here), run
by osc-lib's shell, so the global options are openstackclient's:
``--os-cloud`` / ``OS_CLOUD`` with ``clouds.yaml`` and ``secure.yaml``
(read by openstacksdk's config loader), the ``--os-*`` auth options and
``OS_*`` variables, and the plugin's ``--os-ciming-api-version``.

Against a service without Keystone (``ciming-all-in-one``)::

    ciming --endpoint http://127.0.0.1:9779 image list

(``--endpoint`` alone means ``--os-auth-type none --os-endpoint URL``.)
"""

import importlib.metadata
import logging
import sys

from cliff import commandmanager
from osc_lib.api import auth
from osc_lib import clientmanager
from osc_lib import shell
from osc_lib import utils as osc_utils

from ciming.osc import plugin

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


class ClientManager(clientmanager.ClientManager):
    """osc-lib's client manager, with the CIMinG client as ``ciming``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._ciming = None

    @property
    def ciming(self):
        if self._ciming is None:
            self._ciming = plugin.make_client(self)
        return self._ciming


def _version():
    try:
        return importlib.metadata.version('ciming')
    except importlib.metadata.PackageNotFoundError:
        return 'unknown'


class CimingShell(shell.OpenStackShell):
    """The ``ciming`` program."""

    def __init__(self, stdout=None, stderr=None):
        super().__init__(
            description='CIMinG: one image record, made to exist verified '
                        'in every cloud.',
            version=_version(),
            command_manager=CommandManager(NAMESPACE),
            stdout=stdout, stderr=stderr, deferred_help=True)

    def build_option_parser(self, description, version, argparse_kwargs=None):
        parser = super().build_option_parser(description, version,
                                             argparse_kwargs)
        parser = plugin.build_option_parser(parser)
        parser = auth.build_auth_plugins_option_parser(parser)
        parser.add_argument(
            '--endpoint', metavar='<url>', dest='ciming_endpoint',
            default=osc_utils.env('CIMING_ENDPOINT'),
            help='URL of the CIMinG API (env CIMING_ENDPOINT). Alone, a '
                 'service without Keystone (ciming-all-in-one), as '
                 '--os-auth-type none --os-endpoint URL; with --os-cloud '
                 "or --os-auth-* it overrides the catalog's endpoint")
        return parser

    def _final_defaults(self):
        super()._final_defaults()
        options = self.options
        if options.ciming_endpoint:
            if (options.cloud or options.auth_type or
                    getattr(options, 'auth_url', None)):
                # With Keystone: instead of the catalog's endpoint.
                options.cloud_image_manager_endpoint_override = (
                    options.ciming_endpoint)
            elif not options.endpoint:
                options.endpoint = options.ciming_endpoint
                options.auth_type = 'none'
        # As openstackclient: a password by default.
        self._auth_type = 'password'

    def _load_plugins(self):
        """The API version asked, as openstackclient reads it."""
        option = plugin.API_VERSION_OPTION.replace('os_', '', 1)
        version = str(self.cloud.config.get(option) or
                      plugin.DEFAULT_API_VERSION)
        plugin.check_api_version(version)
        self.api_version = {plugin.API_NAME: version}

    def initialize_app(self, argv):
        super().initialize_app(argv)
        self.client_manager = ClientManager(
            cli_options=self.cloud, api_version=self.api_version,
            pw_func=shell.prompt_for_password, app_name='ciming',
            app_version=_version())

    def configure_logging(self):
        super().configure_logging()
        # keystoneauth logs every request at DEBUG; keep it for --debug.
        if not self.options.debug:
            logging.getLogger('keystoneauth').setLevel(logging.WARNING)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    return CimingShell().run(argv)


if __name__ == '__main__':
    sys.exit(main())
