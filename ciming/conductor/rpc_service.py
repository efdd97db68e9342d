"""The conductor service: an RPC server around the manager, plus periodics."""

from futurist import periodics
from oslo_log import log
import oslo_messaging as messaging
from oslo_service import service

from ciming.common import rpc
from ciming.conductor import manager as conductor_manager
from ciming.conductor import rpcapi
from ciming.conf import CONF

LOG = log.getLogger(__name__)


class ConductorService(service.Service):
    """Serve ``ciming-conductor`` (all jobs) and its host's own queue."""

    def __init__(self, host=None):
        super().__init__()
        self.host = host or CONF.host
        self.manager = None
        self._server = None
        self._periodics = None

    def start(self):
        super().start()
        rpc.init()
        self.manager = conductor_manager.ConductorManager(self.host)
        self.manager.start()
        target = messaging.Target(topic=rpcapi.TOPIC, server=self.host)
        self._server = rpc.get_server(target, [self.manager])
        self._server.start()
        manager = self.manager

        @periodics.periodic(CONF.conductor.periodic_interval)
        def cleanup_staging():
            manager.cleanup_staging()

        @periodics.periodic(CONF.conductor.pending_timeout / 2.0)
        def requeue_stale_jobs():
            manager.requeue_stale_jobs()

        @periodics.periodic(CONF.api.upload_lease_timeout / 2.0)
        def reset_dead_uploads():
            manager.reset_dead_uploads()

        @periodics.periodic(CONF.conductor.periodic_interval)
        def delete_ended_trusts():
            manager.delete_ended_trusts()

        @periodics.periodic(CONF.conductor.periodic_interval)
        def destroy_ended_flows():
            manager.destroy_ended_flows()

        self._periodics = periodics.PeriodicWorker(
            [(cleanup_staging, None, None),
             (requeue_stale_jobs, None, None),
             (reset_dead_uploads, None, None),
             (delete_ended_trusts, None, None),
             (destroy_ended_flows, None, None)])
        self.tg.add_thread(self._periodics.start)
        LOG.info('Conductor %s started', self.host)

    def stop(self, graceful=True):
        LOG.info('Conductor %s stopping', self.host)
        if self._periodics is not None:
            self._periodics.stop()
        if self._server is not None:
            self._server.stop()
            self._server.wait()
        if self.manager is not None:
            self.manager.stop(wait=graceful)
        super().stop(graceful=graceful)
