"""[glance] options for clouds of type ``openstack`` (Glance images)."""

from oslo_config import cfg

GROUP = cfg.OptGroup('glance', title='OpenStack (Glance) clouds')

opts = [
    cfg.ListOpt('carried_properties',
                default=['hw_*', 'os_distro', 'os_type', 'os_version',
                         'os_secure_boot', 'os_require_quiesce',
                         'architecture', 'hypervisor_type', 'vm_mode',
                         'img_*', 'trait:*'],
                help='Image properties copied from a source image to the '
                     'copies in other clouds, as shell-style patterns '
                     '(like Glance\'s glance_download_properties). Other '
                     'properties stay in the cloud they were set in.'),
    cfg.IntOpt('active_timeout', default=1800, min=1,
               help='Seconds to wait for an uploaded image to become '
                    'active before the target fails.'),
    cfg.FloatOpt('poll_interval', default=1.0, min=0.05,
                 help='Scale of the waits between two checks of an '
                      'image\'s status: the first wait is a quarter of '
                      'it, each next one half as long again, up to it '
                      '(up to half of it while a target Glance pulls '
                      'an image with server_side_copy, each check '
                      'being a single request).'),
    cfg.IntOpt('page_size', default=100, min=1, max=1000,
               help='Images asked for per page when listing a cloud.'),
    cfg.IntOpt('upload_frame_size', default=64 * 1024, min=4096,
               max=16 * 1024 * 1024,
               help='Bytes per HTTP chunk when streaming image data to '
                    'Glance (chunked transfer encoding). Glance reads '
                    'uploads 64 KiB at a time; larger chunks make a '
                    'gunicorn-served Glance copy its read buffer over and '
                    'over, smaller ones cost CPU here.'),
    cfg.BoolOpt('server_side_copy', default=False,
                help='Ask the target Glance to pull the image from the '
                     'source Glance itself (its glance-download import '
                     'method) when both are regions of the same Keystone '
                     'reached with the same identity, the target offers '
                     'the method and the image\'s size and hashes are '
                     'known. The copy is verified by hash afterwards; '
                     'when the method is not offered or the import fails, '
                     'the data is streamed as usual. Off by default: '
                     'Glance stages the data before storing it, which '
                     'was slower than streaming in the measurements of '
                     'doc/source/admin/performance.rst; it spares the '
                     'conductor the data when it is far from the clouds.'),
]


def register_opts(conf):
    conf.register_group(GROUP)
    conf.register_opts(opts, group=GROUP)
