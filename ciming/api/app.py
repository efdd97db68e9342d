"""The WSGI application of the CIMinG API.

:func:`make_app` is what servers and tests call: the pecan application
wrapped in its middleware, outermost first:

HTTPProxyToWSGI -> RequestId -> ParsableError -> RequestCheck (only the
documented calls, well formed) -> Healthcheck (``/healthcheck``) -> auth
(keystonemiddleware or noauth) -> Microversion -> pecan.
"""

from oslo_middleware import healthcheck
from oslo_middleware import http_proxy_to_wsgi
from oslo_middleware import request_id
import pecan

from ciming.api import hooks
from ciming.api.middleware import auth
from ciming.api.middleware import microversion
from ciming.api.middleware import parsable_error
from ciming.api.middleware import request_check
from ciming.conf import CONF

PECAN_CONFIG = {
    'app': {
        'root': 'ciming.api.controllers.root.RootController',
        'modules': ['ciming.api'],
    },
}


def get_pecan_config():
    return pecan.configuration.conf_from_dict(PECAN_CONFIG)


def setup_app(config=None):
    """The pecan application with CIMinG's hooks, without middleware."""
    config = config or get_pecan_config()
    app_conf = dict(config.app)
    app_hooks = [
        hooks.ContextHook(),
        hooks.DBHook(),
        hooks.RPCHook(),
        hooks.ErrorHook(),
    ]
    return pecan.make_app(
        app_conf.pop('root'),
        hooks=app_hooks,
        debug=False,
        force_canonical=False,
        guess_content_type_from_ext=False,
        **{k: v for k, v in app_conf.items() if k != 'modules'})


class _HealthcheckRoute:
    """Serve ``/healthcheck`` with oslo.middleware, the rest with ``app``.

    oslo.middleware's Healthcheck answers every request it is given (paste
    deployments mount it on a path); this mounts it without paste.
    """

    PATH = '/healthcheck'

    def __init__(self, app, conf):
        self.app = app
        self.healthcheck = healthcheck.Healthcheck(None, conf)

    def __call__(self, environ, start_response):
        if environ.get('PATH_INFO', '').rstrip('/') == self.PATH:
            return self.healthcheck(environ, start_response)
        return self.app(environ, start_response)


def make_app(config=None):
    """The complete WSGI application, as configured by ``CONF``."""
    app = setup_app(config)
    app = microversion.MicroversionMiddleware(app)
    if CONF.auth_strategy == 'keystone':
        app = auth.KeystoneAuth(app, CONF)
    else:
        app = auth.NoAuth(app)
    app = _HealthcheckRoute(app, CONF)
    app = request_check.RequestCheckMiddleware(app)
    app = parsable_error.ParsableErrorMiddleware(app)
    app = request_id.RequestId(app)
    app = http_proxy_to_wsgi.HTTPProxyToWSGI(app, CONF)
    return app
