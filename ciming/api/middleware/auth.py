"""Authentication: keystonemiddleware, or headers for development.

Either way the identity reaches the application as the headers
keystonemiddleware sets (X-Project-Id, X-User-Id, X-Roles), from which
:class:`ciming.api.hooks.ContextHook` builds the request context.
"""

import re

from keystonemiddleware import auth_token

# Version documents and the health check need no token.
PUBLIC_ROUTES = re.compile(r'^/(v1/?)?$|^/healthcheck/?$')

NOAUTH_DEFAULTS = {
    'HTTP_X_PROJECT_ID': 'demo',
    'HTTP_X_USER_ID': 'demo-user',
    'HTTP_X_ROLES': 'member,reader',
}


class KeystoneAuth:
    """keystonemiddleware's auth_token, except on the public routes."""

    def __init__(self, app, conf):
        self.app = app
        self.auth = auth_token.AuthProtocol(
            app, {'oslo_config_config': conf})

    def __call__(self, environ, start_response):
        if PUBLIC_ROUTES.match(environ.get('PATH_INFO', '')):
            return self.app(environ, start_response)
        return self.auth(environ, start_response)


class NoAuth:
    """Development only: trust the identity headers, with defaults."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        for key, default in NOAUTH_DEFAULTS.items():
            if not environ.get(key):
                environ[key] = default
        environ['HTTP_X_IDENTITY_STATUS'] = 'Confirmed'
        environ.setdefault('HTTP_X_PROJECT_NAME',
                           environ['HTTP_X_PROJECT_ID'])
        return self.app(environ, start_response)
