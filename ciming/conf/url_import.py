"""[url_import] options: which URLs an image may be imported from.

As Glance's ``[import_filtering_opts]`` for its web-download import, and
stricter by default: only addresses on the public internet are reached,
whatever a host name resolves to.
"""

from oslo_config import cfg
from oslo_config import types

GROUP = cfg.OptGroup('url_import', title='Import from a URL')

opts = [
    cfg.ListOpt('allowed_schemes', default=['http', 'https'],
                item_type=types.String(choices=['http', 'https']),
                help='URL schemes an image may be imported from.'),
    cfg.ListOpt('disallowed_schemes', default=[],
                item_type=types.String(choices=['http', 'https']),
                help='URL schemes refused even when allowed_schemes '
                     'names them.'),
    cfg.ListOpt('allowed_hosts', default=[],
                help='When set, the only host names or IP addresses URLs '
                     'may name. Their addresses must still be allowed '
                     '(see allowed_networks).'),
    cfg.ListOpt('disallowed_hosts', default=[],
                help='Host names or IP addresses refused; an IP address '
                     'here is also refused when a name resolves to it.'),
    cfg.ListOpt('allowed_ports', default=[80, 443],
                item_type=types.Integer(min=1, max=65535),
                help='When set, the only ports URLs may use (the scheme\'s '
                     'default port counts when a URL names none).'),
    cfg.ListOpt('disallowed_ports', default=[],
                item_type=types.Integer(min=1, max=65535),
                help='Ports refused even when allowed_ports names them.'),
    cfg.ListOpt('allowed_networks', default=[],
                item_type=types.String(),
                help='Networks (CIDR) that may be reached although they are '
                     'private, loopback, link-local, multicast or '
                     'reserved; by default every address must be a global '
                     'unicast one. For tests and development, or an '
                     'internal mirror.'),
    cfg.IntOpt('max_url_length', default=2048, min=16, max=8192,
               help='Longest URL accepted, in characters.'),
    cfg.IntOpt('max_size', default=1024 ** 4, min=1,
               help='Largest image imported from a URL, in bytes; a larger '
                    'one fails its job.'),
    cfg.IntOpt('max_checksums_size', default=1024 * 1024, min=1024,
               help='Largest checksums file (SHA256SUMS) read, in bytes.'),
    cfg.FloatOpt('connect_timeout', default=10.0, min=0.1,
                 help='Seconds to connect to a URL\'s server.'),
    cfg.FloatOpt('read_timeout', default=60.0, min=0.1,
                 help='Seconds to wait for each read from a URL\'s server.'),
    cfg.IntOpt('max_redirects', default=3, min=0, max=10,
               help='Redirects followed (each one checked as the URL '
                    'was); 0 refuses them.'),
    cfg.IntOpt('connect_retries', default=2, min=0, max=10,
               help='Attempts to connect again after a connection error '
                    'or a 5xx answer, before any data was read.'),
    cfg.StrOpt('ca_file',
               help='CA bundle to verify HTTPS servers with; the system\'s '
                    'by default.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
