"""The HTTP layer of the client: a keystoneauth1 Adapter that speaks v1.

It finds the endpoint (the catalog's ``cloud-image-manager`` entry, or an
override), negotiates the microversion once against the versions document
at the endpoint's root (``GET /``), labels every request with
``OpenStack-API-Version: cloud-image-manager X.Y`` (keystoneauth1's
microversion support does both), remembers the request
ids and turns error answers into :mod:`ciming.client.exceptions`.
"""

import base64
import json

from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import discover
from keystoneauth1 import exceptions as ks_exc

from ciming.client import exceptions

SERVICE_TYPE = 'cloud-image-manager'
VERSION_HEADER = 'OpenStack-API-Version'
CREDENTIALS_HEADER = 'X-CIMinG-Credentials'
REQUEST_ID_HEADER = 'X-OpenStack-Request-ID'

# The microversions this client speaks: 1.1 image lifecycle (metadata,
# update, deprecation), 1.2 import from a URL, 1.3 formats (more fields
# in the documents, shown as they come).
MIN_VERSION = (1, 0)
MAX_VERSION = (1, 3)
# What asks for the highest version both sides speak.
LATEST = ('latest', '1', 'v1', '1.latest')


def parse_version(text):
    """``'1.1'`` -> ``(1, 1)``; ``'1'`` or ``'latest'`` -> None.

    None asks for the highest version both sides speak.
    """
    if text is None or str(text).strip().lower() in LATEST:
        return None
    try:
        version = discover.normalize_version_number(str(text).strip())
    except TypeError:
        version = None
    if not version or len(version) != 2:
        raise exceptions.VersionNotSupported(
            'API version %s is not of the form 1 or 1.N' % text)
    return version


def version_string(version):
    return discover.version_to_string(version)


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
        """The microversion to use, agreed with the server once.

        keystoneauth1 reads the versions document at the endpoint (its
        ``min_version`` and ``version``); the answer is the asked version
        if both sides speak it, else the highest both speak.
        """
        if self.api_version is not None:
            return self.api_version
        wanted = parse_version(self._asked_version)
        if wanted is not None and not discover.version_between(
                MIN_VERSION, MAX_VERSION, wanted):
            raise exceptions.VersionNotSupported(
                'This client speaks API versions %s to %s, not %s' % (
                    version_string(MIN_VERSION),
                    version_string(MAX_VERSION), version_string(wanted)))
        try:
            document = discover.get_discovery(
                self.adapter.session, self.endpoint + '/',
                authenticated=False)
            data = document.versioned_data_for(min_version='1.0',
                                               max_version='1.latest')
        except ks_exc.ConnectFailure as exc:
            raise exceptions.CommunicationError(
                'Cannot reach the CIMinG API at %s: %s' % (
                    self.endpoint, _first_line(exc)))
        except ks_exc.ClientException as exc:
            raise exceptions.CommunicationError(
                'Cannot read the API versions at %s: %s' % (
                    self.endpoint, _first_line(exc)))
        if not data or not data.get('max_microversion'):
            raise exceptions.VersionNotSupported(
                'The service at %s offers no API v1' % self.endpoint)
        server_min = data.get('min_microversion') or MIN_VERSION
        server_max = data['max_microversion']
        if wanted is None:
            wanted = min(MAX_VERSION, server_max)
        if not discover.version_between(server_min, server_max, wanted):
            raise exceptions.VersionNotSupported(
                'The service offers API versions %s to %s, not %s' % (
                    version_string(server_min), version_string(server_max),
                    version_string(wanted)))
        self.api_version = wanted
        return wanted

    def supports(self, version):
        """Whether the agreed microversion is at least ``version``."""
        return self.negotiate_version() >= tuple(version)

    def require(self, version, what):
        """Refuse, before any request, what the agreed version lacks."""
        if not self.supports(version):
            raise exceptions.VersionNotSupported(
                '%s needs API version %s or later; this service and client '
                'agreed on %s (see --os-ciming-api-version)' % (
                    what[0].upper() + what[1:], version_string(version),
                    version_string(self.api_version)))

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
                          headers=headers, data=data, log=log,
                          microversion=version)

    def _send(self, method, url, json_body=None, params=None, headers=None,
              data=None, log=True, microversion=None):
        kwargs = {'headers': headers or {}, 'log': log}
        if microversion is not None:
            # keystoneauth1 writes OpenStack-API-Version for the service.
            kwargs['microversion'] = version_string(microversion)
            kwargs['microversion_service_type'] = SERVICE_TYPE
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
