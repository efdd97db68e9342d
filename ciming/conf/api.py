"""[api] options: where the REST API listens and what it accepts."""

from oslo_config import cfg

GROUP = cfg.OptGroup('api', title='REST API options')

opts = [
    cfg.HostAddressOpt('host_ip', default='127.0.0.1',
                       help='Address the API server listens on.'),
    cfg.PortOpt('port', default=9779,
                help='Port the API server listens on.'),
    cfg.IntOpt('workers', default=16, min=1,
               help='Threads of the built-in WSGI server, that is how many '
                    'requests (uploads included) are served at once.'),
    cfg.IntOpt('max_limit', default=1000, min=1,
               help='Largest page a list call returns, whatever limit the '
                    'client asks for.'),
    cfg.IntOpt('image_size_cap', default=1099511627776, min=1,
               help='Largest image, in bytes, that can be uploaded (1 TiB '
                    'by default). Larger uploads are refused with 413.'),
    cfg.IntOpt('upload_chunk_size', default=1024 * 1024, min=65536,
               help='Bytes read from the client at a time while an upload '
                    'streams into the staging area.'),
    cfg.BoolOpt('copy_during_upload', default=True,
                help='Start the job copying an upload to its targets once '
                     'the upload proves longer than one upload_chunk_size: '
                     'Glance and local targets receive the data while the '
                     'client still sends it. Targets that need the size '
                     'first (AWS, Google Cloud) or a conversion still wait '
                     'for the whole upload, and no target is linked to an '
                     'identical image it already holds (the hash is known '
                     'only at the end). A waiting job holds one of its '
                     'conductor\'s workers. Not done when [staging] shared '
                     'is true (the job could run on another host), nor '
                     'while the conductors are pinned below RPC version '
                     '1.6.'),
    cfg.IntOpt('upload_heartbeat_interval', default=10, min=1,
               help='Seconds between two renewals of the lease of an '
                    'upload in progress, on its image record.'),
    cfg.IntOpt('upload_lease_timeout', default=120, min=2,
               help='Seconds after its last renewal when an upload counts '
                    'as dead (its API process was killed or its host '
                    'lost): a conductor then returns its image to queued '
                    'and a new upload can begin. Make it several times '
                    'upload_heartbeat_interval, or a slow database could '
                    'end the lease of an upload that still runs.'),
    cfg.IntOpt('max_request_header_size', default=65536, min=8192,
               help='Largest size, in bytes, of the request line and '
                    'headers of a request (a token and the '
                    'X-CIMinG-Credentials header must fit). Larger '
                    'requests are refused with 431, or 414 when the '
                    'request line alone is that long.'),
    cfg.StrOpt('public_endpoint',
               help='Base URL clients use to reach the API, for the links '
                    'in responses when the API sits behind a proxy.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
