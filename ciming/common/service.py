"""Process start-up shared by every CIMinG command."""

import sys

from oslo_log import log

from ciming.common import rpc
from ciming.conf import CONF
from ciming.conf import opts

LOG = log.getLogger(__name__)


def prepare_service(argv=None, default_config_files=None):
    """Parse the command line and config files, set up logging."""
    log.register_options(CONF)
    rpc.register_opts(CONF)
    opts.update_opt_defaults()
    CONF(sys.argv[1:] if argv is None else argv, project='ciming',
         default_config_files=default_config_files)
    log.setup(CONF, 'ciming')
    CONF.log_opt_values(LOG, log.DEBUG)
