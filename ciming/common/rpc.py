"""oslo.messaging plumbing: one transport, context-aware serialization."""

import contextlib
import threading
import time

from oslo_log import log
import oslo_messaging as messaging
from oslo_messaging import opts as messaging_opts

from ciming.common import context as ciming_context
from ciming.common import exception
from ciming.conf import CONF
from ciming.conf import opts as ciming_opts

LOG = log.getLogger(__name__)

TRANSPORT = None
NOTIFICATION_TRANSPORT = None

# Exceptions raised on the conductor that the API must see as themselves.
ALLOWED_EXMODS = ['ciming.common.exception', 'ciming.common.streams']

# Reconnections a client (the API) tries before it gives up on the
# broker. oslo.messaging's default is to retry forever, which left an API
# request hanging for as long as RabbitMQ was down; with this it answers
# 503 after a few seconds (the retries back off from
# [oslo_messaging_rabbit] rabbit_retry_interval).
CLIENT_RETRY = 2


def register_opts(conf=CONF):
    """Register oslo.messaging's [DEFAULT] options before config parsing.

    So that commands can set their defaults (the all-in-one's fake://)
    and config files still override them. The transport defaults are set
    first: the options registered are copies of oslo.messaging's.
    """
    ciming_opts.update_opt_defaults()
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


@contextlib.contextmanager
def _broker_errors():
    try:
        yield
    except messaging.MessageDeliveryFailure as exc:
        LOG.warning('The message broker is unreachable: %s', exc)
        raise exception.ServiceUnavailable(service='The message broker')


def _reply_queue_ready(transport):
    """Whether the AMQP driver's reply queue (for calls) is set up.

    The driver sets it up on the first call, connecting with no limit on
    retries: a first call while the broker is down would hang until it is
    back. Other drivers (fake://) have nothing to set up.
    """
    driver = getattr(transport, '_driver', None)
    if not hasattr(driver, '_get_reply_q'):
        return True
    return getattr(driver, '_reply_q', None) is not None


_warming = set()


def _warm_up(transport):
    """Set the reply queue up in the background, once per transport."""
    if _reply_queue_ready(transport) or id(transport) in _warming:
        return
    _warming.add(id(transport))

    def set_up():
        try:
            transport._driver._get_reply_q()
        except Exception:
            LOG.exception('Could not set up the RPC reply queue')
        finally:
            _warming.discard(id(transport))

    threading.Thread(target=set_up, name='rpc-reply-queue',
                     daemon=True).start()


class _Client:
    """An RPC client whose sends fail fast with ServiceUnavailable.

    A call or cast that cannot reach the broker after
    :data:`CLIENT_RETRY` reconnections raises
    :class:`ciming.common.exception.ServiceUnavailable` (503), and so
    does a call made before the reply queue could be set up; a call no
    conductor answers still raises MessagingTimeout.
    """

    # Seconds a call waits for the reply queue being set up.
    reply_queue_wait = 5.0

    def __init__(self, client, transport=None):
        self._client = client
        self._transport = transport

    def prepare(self, **kwargs):
        kwargs.setdefault('retry', CLIENT_RETRY)
        return _Client(self._client.prepare(**kwargs), self._transport)

    def call(self, ctxt, method, **kwargs):
        if self._transport is not None \
                and not _reply_queue_ready(self._transport):
            _warm_up(self._transport)
            deadline = time.monotonic() + self.reply_queue_wait
            while not _reply_queue_ready(self._transport):
                if time.monotonic() > deadline:
                    LOG.warning('The message broker is unreachable: no '
                                'reply queue for %s', method)
                    raise exception.ServiceUnavailable(
                        service='The message broker')
                time.sleep(0.1)
        with _broker_errors():
            return self._client.call(ctxt, method, **kwargs)

    def cast(self, ctxt, method, **kwargs):
        with _broker_errors():
            return self._client.cast(ctxt, method, **kwargs)

    def can_send_version(self, version):
        return self._client.can_send_version(version)


def get_client(target, version_cap=None):
    _warm_up(TRANSPORT)
    return _Client(messaging.get_rpc_client(
        TRANSPORT, target, version_cap=version_cap,
        serializer=RequestContextSerializer(), retry=CLIENT_RETRY),
        TRANSPORT)


def get_server(target, endpoints):
    return messaging.get_rpc_server(
        TRANSPORT, target, endpoints, executor='threading',
        serializer=RequestContextSerializer(),
        access_policy=messaging.DefaultRPCAccessPolicy)
