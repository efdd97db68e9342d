"""Pecan hooks: what every controller finds on ``pecan.request``."""

import threading

from oslo_log import log
import oslo_messaging as messaging
from oslo_middleware import request_id as request_id_middleware
from pecan import hooks
import webob

from ciming.api.middleware import parsable_error
from ciming.common import context
from ciming.common import exception
from ciming.conductor import rpcapi as conductor_rpcapi
from ciming.db import api as dbapi

LOG = log.getLogger(__name__)


class ContextHook(hooks.PecanHook):
    """Build ``pecan.request.context`` from the identity headers."""

    def before(self, state):
        state.request.context = context.RequestContext.from_environ(
            state.request.environ)


class DBHook(hooks.PecanHook):
    """Attach the database API as ``pecan.request.dbapi``."""

    def before(self, state):
        state.request.dbapi = dbapi.get_instance()


class RPCHook(hooks.PecanHook):
    """Attach one ConductorAPI per application as ``pecan.request.rpcapi``.

    The client is made on the first request, so the application can be
    built before ``rpc.init()`` runs.
    """

    def __init__(self, rpcapi=None):
        self._rpcapi = rpcapi
        self._lock = threading.Lock()

    @property
    def rpcapi(self):
        with self._lock:
            if self._rpcapi is None:
                self._rpcapi = conductor_rpcapi.ConductorAPI()
        return self._rpcapi

    @rpcapi.setter
    def rpcapi(self, value):
        with self._lock:
            self._rpcapi = value

    def before(self, state):
        state.request.rpcapi = _LazyConductorAPI(self)


class _LazyConductorAPI:
    """Stands for the hook's ConductorAPI until a controller uses it."""

    def __init__(self, hook):
        self._hook = hook

    def __getattr__(self, name):
        return getattr(self._hook.rpcapi, name)


class ErrorHook(hooks.PecanHook):
    """Turn CimingExceptions into their JSON error response."""

    def on_error(self, state, exc):
        if isinstance(exc, webob.exc.HTTPException):
            return None  # ParsableErrorMiddleware shapes its body
        if isinstance(exc, messaging.MessagingTimeout):
            LOG.warning('No conductor answered: %s', exc)
            exc = exception.ServiceUnavailable(service='The conductor')
        if not isinstance(exc, exception.CimingException):
            # A database error quotes SQL and parameters: only the log
            # may have them.
            LOG.exception('Unexpected error')
            return _internal_error(state.request)
        if exc.status >= 500 and exc.status not in (502, 503):
            # A conductor-side failure: its text may name internals; a
            # 502 carries a cloud's own answer, a 503 says who is down.
            LOG.error('Request failed: %s', exc.message)
            return _internal_error(state.request)
        # Remote exceptions carry the conductor's traceback in str();
        # .message is the plain text.
        return _response(exc.status, exc.code, exc.message)


def _internal_error(request):
    """A 500 naming the request, to find its details in the log."""
    request_id = request.environ.get(request_id_middleware.ENV_REQUEST_ID)
    return _response(500, message=(
        'The server failed to handle the request; the details are in its '
        'log under request %s.' % request_id) if request_id else None)


def _response(status, code=None, message=None):
    return webob.Response(
        status='%d %s' % (status, parsable_error.title(status)),
        content_type=parsable_error.JSON_TYPE,
        body=parsable_error.error_body(status, code, message),
        charset=None)
