"""The API as a WSGI application for uwsgi, gunicorn or mod_wsgi.

``ciming-api-wsgi`` (the ``wsgi_scripts`` entry point) calls
:func:`initialize_application`; servers importing a module attribute use
``ciming.wsgi.api:application``. The configuration files come from
``--config-file`` options on the server's command line or from the
``CIMING_CONFIG_FILE`` environment variable (several files separated by
commas), else from oslo.config's default locations.
"""

import os
import sys
import threading

from oslo_log import log

from ciming.api import app as api_app
from ciming.common import rpc
from ciming.common import service
from ciming.common import upload_lease
from ciming.conf import CONF
from ciming.db import api as dbapi

LOG = log.getLogger(__name__)

CONFIG_ENV = 'CIMING_CONFIG_FILE'

_LOCK = threading.Lock()
_APPLICATION = None


def _config_args(argv):
    """The --config-file/--config-dir options of argv, and the env's."""
    args = []
    items = iter(argv)
    for arg in items:
        if arg in ('--config-file', '--config-dir'):
            value = next(items, None)
            if value is not None:
                args += [arg, value]
        elif arg.startswith(('--config-file=', '--config-dir=')):
            args.append(arg)
    for path in filter(None, os.environ.get(CONFIG_ENV, '').split(',')):
        args += ['--config-file', path.strip()]
    return args


def initialize_application(argv=None):
    """Prepare the service as every command does, return the app."""
    global _APPLICATION
    with _LOCK:
        if _APPLICATION is None:
            # The server's own arguments are not ours: keep only config.
            service.prepare_service(
                _config_args(sys.argv[1:] if argv is None else argv))
            # Uploads a killed API process of this host was streaming.
            upload_lease.recover_own(dbapi.get_instance())
            rpc.init()
            LOG.info('CIMinG API ready (auth_strategy %s)',
                     CONF.auth_strategy)
            _APPLICATION = api_app.make_app()
            service.freeze_startup_objects()
    return _APPLICATION


class _LazyApplication:
    """Build the application on the first request, in the worker."""

    def __call__(self, environ, start_response):
        return initialize_application()(environ, start_response)


application = _LazyApplication()
