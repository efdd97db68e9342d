"""Process start-up shared by every CIMinG command and the WSGI API.

One function, so that ``ciming-api``, ``ciming-conductor``, the other
commands and ``ciming.wsgi.api:application`` under uwsgi or gunicorn
all see the same options with the same defaults: the WSGI API once
missed the RPC transport defaults and published to an exchange no
conductor listened on.
"""

import gc
import sys

from oslo_config import cfg
from oslo_log import log
from oslo_policy import opts as policy_opts

from ciming.common import rpc
from ciming.conf import CONF

LOG = log.getLogger(__name__)


def register_opts(conf=CONF):
    """Register the libraries' options with CIMinG's defaults.

    Idempotent, and to be called before the configuration is parsed
    (commands that change defaults, like the all-in-one, call it first).
    """
    try:
        log.register_options(conf)
    except cfg.ArgsAlreadyParsedError:
        pass  # registered by whoever parsed the configuration before
    rpc.register_opts(conf)
    policy_opts.set_defaults(conf)


def prepare_service(argv=None, default_config_files=None):
    """Register options, parse the command line and files, set up logging.

    ``argv`` excludes the program name; ``sys.argv[1:]`` by default.
    """
    register_opts(CONF)
    CONF(sys.argv[1:] if argv is None else argv, project='ciming',
         default_config_files=default_config_files)
    log.setup(CONF, 'ciming')
    CONF.log_opt_values(LOG, log.DEBUG)


def freeze_startup_objects():
    """Keep what start-up built out of the garbage collector's full passes.

    Every request of the API leaves reference cycles (about 2,000 objects
    for a page of 100 images), so the collector's oldest generation runs
    every few seconds, and each pass walked every module, class and
    function loaded at start-up: 100 to 300 ms during which no thread of
    the process moved (the p99 of ``GET /v1/images``). Frozen, they are
    skipped and a pass takes a few ms. Called once the application is
    built; they are never freed, as they live as long as the process.
    """
    gc.collect()
    gc.freeze()
