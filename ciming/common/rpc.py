"""oslo.messaging plumbing: one transport, context-aware serialization."""

from oslo_log import log
import oslo_messaging as messaging
from oslo_messaging import opts as messaging_opts

from ciming.common import context as ciming_context
from ciming.conf import CONF

LOG = log.getLogger(__name__)

TRANSPORT = None
NOTIFICATION_TRANSPORT = None

# Exceptions raised on the conductor that the API must see as themselves.
ALLOWED_EXMODS = ['ciming.common.exception', 'ciming.common.streams']


def register_opts(conf=CONF):
    """Register oslo.messaging's [DEFAULT] options before config parsing.

    So that commands can set their defaults (the all-in-one's fake://)
    and config files still override them.
    """
    messaging.set_transport_defaults(control_exchange='ciming')
    for group, opts in messaging_opts.list_opts():
        if group is None:
            conf.register_opts(opts)


def init(conf=CONF):
    """Create the transports; call once per process, after config."""
    global TRANSPORT, NOTIFICATION_TRANSPORT
    if TRANSPORT is None:
        TRANSPORT = messaging.get_rpc_transport(
            conf, allowed_remote_exmods=ALLOWED_EXMODS)
    if NOTIFICATION_TRANSPORT is None:
        NOTIFICATION_TRANSPORT = messaging.get_notification_transport(
            conf, allowed_remote_exmods=ALLOWED_EXMODS)


def cleanup():
    global TRANSPORT, NOTIFICATION_TRANSPORT
    for transport in (TRANSPORT, NOTIFICATION_TRANSPORT):
        if transport is not None:
            transport.cleanup()
    TRANSPORT = NOTIFICATION_TRANSPORT = None


class RequestContextSerializer(messaging.Serializer):
    """Carry the RequestContext across RPC as a dict."""

    def __init__(self, base=None):
        self._base = base or messaging.NoOpSerializer()

    def serialize_entity(self, context, entity):
        return self._base.serialize_entity(context, entity)

    def deserialize_entity(self, context, entity):
        return self._base.deserialize_entity(context, entity)

    def serialize_context(self, context):
        return context.to_dict()

    def deserialize_context(self, context):
        return ciming_context.RequestContext.from_dict(context)


def get_client(target, version_cap=None):
    return messaging.get_rpc_client(
        TRANSPORT, target, version_cap=version_cap,
        serializer=RequestContextSerializer())


def get_server(target, endpoints):
    return messaging.get_rpc_server(
        TRANSPORT, target, endpoints, executor='threading',
        serializer=RequestContextSerializer(),
        access_policy=messaging.DefaultRPCAccessPolicy)
