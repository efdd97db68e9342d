"""The HTTP layer of the client: a keystoneauth1 Adapter that speaks v1.

It finds the endpoint (the catalog's ``cloud-image-manager`` entry, or an
override), negotiates the microversion once against the versions document
at the endpoint's root (``GET /``), labels every request with
``OpenStack-API-Version: cloud-image-manager X.Y``, remembers the request
ids and turns error answers into :mod:`ciming.client.exceptions`.
"""

import base64
import json
import re

from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import exceptions as ks_exc

from ciming.client import exceptions

SERVICE_TYPE = 'cloud-image-manager'
VERSION_HEADER = 'OpenStack-API-Version'
CREDENTIALS_HEADER = 'X-CIMinG-Credentials'
REQUEST_ID_HEADER = 'X-OpenStack-Request-ID'

# The microversions this client speaks (1.1: image lifecycle).
MIN_VERSION = (1, 0)
MAX_VERSION = (1, 1)

_VERSION = re.compile(r'^v?(\d+)\.(\d+)$')


def parse_version(text):
    """``'1.0'`` -> ``(1, 0)``; ``'latest'`` -> the client's maximum."""
    if text is None or str(text).lower() == 'latest':
        return MAX_VERSION
    match = _VERSION.match(str(text).strip())
    if not match:
        raise exceptions.VersionNotSupported(
            'API version %s is not of the form X.Y' % text)
    return int(match.group(1)), int(match.group(2))


def version_string(version):
    return '%d.%d' % version


def credentials_header(credentials):
    """The ``X-CIMinG-Credentials`` value of a credentials mapping."""
    return base64.b64encode(json.dumps(credentials).encode()).decode()


class HTTPClient:
    """Requests to one CIMinG endpoint through a keystoneauth1 session.

    :param session: a keystoneauth1 Session (with a token plugin, or the
        ``noauth`` plugin for a service without Keystone).
    :param endpoint_override: the service's root URL, instead of the
        catalog's (``/v1`` at its end is ignored).
    :param api_version: the microversion wanted: ``'1.0'``, or
        ``'latest'`` for the highest both sides speak.
    :param additional_headers: sent with every request (noauth identity).
    """

    def __init__(self, session, endpoint_override=None, api_version=None,
                 interface=None, region_name=None,
                 additional_headers=None, global_request_id=None,
                 user_agent='python-ciming-client'):
        self.adapter = ks_adapter.Adapter(
            session, service_type=SERVICE_TYPE, interface=interface,
            region_name=region_name,
            additional_headers=dict(additional_headers or {}),
            global_request_id=global_request_id, user_agent=user_agent,
            raise_exc=False)
        self._endpoint_override = endpoint_override
        self._endpoint = None
        self._asked_version = api_version
        self.api_version = None
        self.last_request_id = None
        self.request_ids = []

    # Endpoint and version

    @property
    def endpoint(self):
        """The service's root URL, found once (without ``/v1``)."""
        if self._endpoint is None:
            endpoint = self._endpoint_override
            if not endpoint:
                try:
                    endpoint = self.adapter.get_endpoint()
                except ks_exc.ClientException as exc:
                    raise exceptions.CommunicationError(
                        'No endpoint of %s: %s' % (SERVICE_TYPE, exc))
            if not endpoint:
                raise exceptions.CommunicationError(
                    'No endpoint of service type %s in the catalog; give '
                    'one with --endpoint' % SERVICE_TYPE)
            endpoint = endpoint.rstrip('/')
            if endpoint.endswith('/v1'):
                endpoint = endpoint[:-len('/v1')]
            self._endpoint = endpoint
        return self._endpoint

    def negotiate_version(self):
        """The microversion to use, agreed with the server's ``GET /``."""
        if self.api_version is not None:
            return self.api_version
        wanted = parse_version(self._asked_version)
        if not MIN_VERSION <= wanted <= MAX_VERSION:
            raise exceptions.VersionNotSupported(
                'This client speaks API versions %s to %s, not %s' % (
                    version_string(MIN_VERSION),
                    version_string(MAX_VERSION), version_string(wanted)))
        document = self._send('GET', self.endpoint + '/', versioned=False)
        versions = document.get('versions') or []
        v1 = [v for v in versions if str(v.get('id', '')).startswith('v1')]
        if not v1:
            raise exceptions.VersionNotSupported(
                'The service at %s offers no API v1' % self.endpoint)
        server_min = parse_version(v1[0].get('min_version') or '1.0')
        server_max = parse_version(v1[0].get('version') or '1.0')
        if self._asked_version in (None, 'latest'):
            wanted = min(wanted, server_max)
        if not server_min <= wanted <= server_max:
            raise exceptions.VersionNotSupported(
                'The service offers API versions %s to %s, not %s' % (
                    version_string(server_min), version_string(server_max),
                    version_string(wanted)))
        self.api_version = wanted
        return wanted

    # Requests

    def request(self, method, path, json_body=None, params=None,
                headers=None, data=None, credentials=None):
        """A v1 call; returns the decoded JSON body, or None when empty.

        ``path`` is relative to ``/v1`` (``'/images'``) or a full URL
        (a ``next`` link). ``credentials`` go in the JSON body, or in the
        ``X-CIMinG-Credentials`` header when the call has no JSON body (a
        GET, a DELETE, the upload).
        """
        version = self.negotiate_version()
        headers = dict(headers or {})
        headers[VERSION_HEADER] = '%s %s' % (SERVICE_TYPE,
                                             version_string(version))
        if credentials:
            if data is None and method not in ('GET', 'DELETE'):
                json_body = dict(json_body or {}, credentials=credentials)
            else:
                headers[CREDENTIALS_HEADER] = credentials_header(
                    credentials)
        url = path if '://' in path else '%s/v1%s' % (self.endpoint, path)
        # Never log a body or header that carries credentials or data.
        log = not credentials and data is None
        return self._send(method, url, json_body=json_body, params=params,
                          headers=headers, data=data, log=log)

    def _send(self, method, url, json_body=None, params=None, headers=None,
              data=None, versioned=True, log=True):
        kwargs = {'headers': headers or {}, 'log': log}
        if json_body is not None:
            kwargs['json'] = json_body
        if params:
            kwargs['params'] = {k: v for k, v in params.items()
                                if v is not None}
        if data is not None:
            kwargs['data'] = data
            kwargs['connect_retries'] = 0
        try:
            response = self.adapter.request(url, method, **kwargs)
        except ks_exc.ConnectFailure as exc:
            raise exceptions.CommunicationError(
                'Cannot reach the CIMinG API at %s: %s' % (
                    self.endpoint, _first_line(exc)))
        except ks_exc.ClientException as exc:
            raise exceptions.CommunicationError(
                '%s %s failed: %s' % (method, url, _first_line(exc)))
        request_id = response.headers.get(REQUEST_ID_HEADER)
        if request_id:
            self.last_request_id = request_id
            self.request_ids.append(request_id)
        if response.status_code >= 400:
            raise exceptions.from_response(response, method, url)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise exceptions.ClientException(
                '%s %s answered %s with a body that is not JSON' % (
                    method, url, response.status_code),
                http_status=response.status_code, request_id=request_id)


def _first_line(exc):
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
