"""Which URLs an image may be imported from: no server-side request forgery.

The API checks a URL when an image is created from it (a refusal is a
400, before any request is made) and the conductor checks it again right
before connecting, then connects to an address this check returned, so a
name that resolves elsewhere the second time (DNS rebinding) changes
nothing. Redirects are checked in the same way.

The policy is Glance's web-download filtering (``[url_import]`` schemes,
hosts and ports) plus address ranges: every address a host resolves to
must be a global unicast one (IPv4-mapped, NAT64, 6to4 and Teredo IPv6
addresses are judged by the IPv4 address they carry), unless it is in
``allowed_networks``. This module knows nothing of HTTP clients, the API
or jobs.
"""

import collections
import ipaddress
import re
import socket
from urllib import parse

from ciming.common import exception
from ciming.conf import CONF

# The ``type`` of a job's source that imports from a URL.
SOURCE_TYPE = 'url'

DEFAULT_PORTS = {'http': 80, 'https': 443}

# Printable ASCII without spaces; anything else must be percent-encoded
# (and host names written in their IDNA form).
_PRINTABLE = re.compile(r'^[\x21-\x7e]+$')
# A host (a name, or an IPv6 address in brackets), then digits of a port.
_NETLOC = re.compile(r'^(\[[0-9a-fA-F:.]+\]|[^:\[\]]+)(:[0-9]{1,5})?$')
_NAT64 = ipaddress.ip_network('64:ff9b::/96')

# Reasons an address is refused, tested in this order.
_RANGES = (
    ('is_unspecified', 'unspecified'),
    ('is_loopback', 'loopback'),
    ('is_link_local', 'link-local'),
    ('is_multicast', 'multicast'),
    ('is_private', 'private'),
    ('is_reserved', 'reserved'),
)

Target = collections.namedtuple(
    'Target', ['url', 'scheme', 'host', 'port', 'addresses', 'request_path',
               'host_header'])
Target.__doc__ = """A checked URL: where to connect and what to ask for.

``addresses`` are the checked IP addresses (strings) the host resolved
to; ``request_path`` is the path and query to send; ``host_header`` the
``Host`` header value.
"""


def _refuse(reason):
    raise exception.URLNotAllowed(reason=reason)


def check_url(url, resolve=True):
    """Check ``url`` against ``[url_import]``; return its :class:`Target`.

    Without ``resolve`` a host name is not looked up and ``addresses``
    holds only an IP address the URL names literally.
    """
    conf = CONF.url_import
    if not isinstance(url, str) or not url:
        _refuse('a URL must be a non-empty string')
    if len(url) > conf.max_url_length:
        _refuse('it is longer than %d characters' % conf.max_url_length)
    if not _PRINTABLE.fullmatch(url) or '\\' in url:
        _refuse('it must be printable ASCII without spaces or backslashes '
                '(percent-encode the rest)')
    try:
        parts = parse.urlsplit(url)
        port = parts.port
    except ValueError:
        _refuse('it cannot be parsed (check the host and port)')
    scheme = parts.scheme.lower()
    if (scheme not in conf.allowed_schemes
            or scheme in conf.disallowed_schemes):
        _refuse('the scheme must be one of %s'
                % ', '.join(s for s in conf.allowed_schemes
                            if s not in conf.disallowed_schemes))
    if '@' in parts.netloc:
        _refuse('user information (user:password@) is not accepted')
    if not _NETLOC.fullmatch(parts.netloc):
        _refuse('its host and port cannot be parsed')
    host = (parts.hostname or '').rstrip('.')
    if not host:
        _refuse('it names no host')
    if port is None:
        port = DEFAULT_PORTS[scheme]
    if port == 0:
        _refuse('port 0 is not a port')
    literal = _ip_literal(host)
    _check_host(host, literal)
    _check_port(port)

    if literal is not None:
        addresses = [literal]
    elif resolve:
        addresses = _resolve(host, port)
    else:
        addresses = []
    for address in addresses:
        _check_address(address)
        _check_host_address(address)

    request_path = parts.path or '/'
    if parts.query:
        request_path += '?' + parts.query
    if literal is not None and literal.version == 6:
        host_header = '[%s]' % literal.compressed
    else:
        host_header = host
    if port != DEFAULT_PORTS[scheme]:
        host_header += ':%d' % port
    return Target(url=url, scheme=scheme, host=host, port=port,
                  addresses=[str(a) for a in addresses],
                  request_path=request_path, host_header=host_header)


def file_name(url):
    """The file name a URL ends with (its last path segment), decoded."""
    segment = parse.urlsplit(url).path.rsplit('/', 1)[-1]
    return parse.unquote(segment, errors='strict')


def _ip_literal(host):
    """The IP address ``host`` names literally; None for a DNS name.

    Numeric forms that C resolvers accept but are not plain dotted
    quads (``0x7f.1``, ``2130706433``, ``127.1``, ``0177.0.0.1``) are
    refused: they exist to slip past filters.
    """
    if '%' in host:
        _refuse('IPv6 zone identifiers are not accepted')
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        socket.inet_aton(host)
    except (OSError, ValueError):
        pass
    else:
        _refuse('a numeric host must be a dotted-quad IPv4 address')
    if re.match(r'^[0-9.]+$', host):
        _refuse('a numeric host must be a dotted-quad IPv4 address')
    return None


def _normalized_hosts(entries):
    hosts = set()
    for entry in entries:
        entry = entry.strip().strip('[]').lower().rstrip('.')
        try:
            hosts.add(str(ipaddress.ip_address(entry)))
        except ValueError:
            hosts.add(entry)
    return hosts


def _check_host(host, literal):
    name = str(literal) if literal is not None else host.lower()
    conf = CONF.url_import
    if name in _normalized_hosts(conf.disallowed_hosts):
        _refuse('the host is not allowed')
    allowed = _normalized_hosts(conf.allowed_hosts)
    if allowed and name not in allowed:
        _refuse('the host is not allowed')


def _check_host_address(address):
    """A name resolving to an address of ``disallowed_hosts`` is refused."""
    if str(address) in _normalized_hosts(CONF.url_import.disallowed_hosts):
        _refuse('the host resolves to an address that is not allowed')


def _check_port(port):
    conf = CONF.url_import
    if port in conf.disallowed_ports or (conf.allowed_ports
                                         and port not in conf.allowed_ports):
        _refuse('port %d is not allowed' % port)


def _resolve(host, port):
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        _refuse('the host name cannot be resolved')
    addresses = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split('%', 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        _refuse('the host name cannot be resolved')
    return addresses


def _allowed_networks():
    networks = []
    for entry in CONF.url_import.allowed_networks:
        try:
            networks.append(ipaddress.ip_network(entry.strip(),
                                                 strict=False))
        except ValueError:
            raise exception.URLNotAllowed(
                reason='the service is misconfigured ([url_import] '
                       'allowed_networks)')
    return networks


def _embedded(address):
    """The addresses ``address`` stands for: IPv4 it carries, and itself."""
    if address.version == 4:
        return [address]
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    found = []
    if address in _NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xffffffff))
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    return found + [address]


def _check_address(address):
    """Refuse an address that is not global unicast, unless allowed."""
    networks = _allowed_networks()
    for candidate in _embedded(address):
        if any(candidate.version == net.version and candidate in net
               for net in networks):
            continue
        for attribute, label in _RANGES:
            if getattr(candidate, attribute, False):
                _refuse('the host resolves to a %s address' % label)
        if not candidate.is_global:
            _refuse('the host resolves to an address that is not global')
