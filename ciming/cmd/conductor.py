"""``ciming-conductor``: runs the jobs the API casts."""

from oslo_service import service

from ciming.common import service as ciming_service
from ciming.conductor import rpc_service
from ciming.conf import CONF


def main():
    ciming_service.prepare_service()
    launcher = service.launch(CONF, rpc_service.ConductorService(),
                              restart_method='mutate')
    launcher.wait()
