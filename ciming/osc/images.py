"""``ciming image ...``: images, their data, and where they are."""

from osc_lib.cli import format_columns
from osc_lib.cli import parseractions
from osc_lib.command import command
from osc_lib import exceptions

from ciming.osc import common
from ciming.osc import formatting
from ciming.osc import waiting

IMAGE_FIELDS = (
    ('ID', 'id'), ('Name', 'name'), ('Status', 'status'),
    ('Disk Format', 'disk_format'),
    ('Container Format', 'container_format'), ('Size', 'size'),
    ('Checksum', 'checksum'), ('OS Hash Algo', 'os_hash_algo'),
    ('OS Hash Value', 'os_hash_value'), ('Visibility', 'visibility'),
    ('Protected', 'protected'), ('Min Disk', 'min_disk'),
    ('Min RAM', 'min_ram'), ('Properties', 'properties'), ('Tags', 'tags'),
    ('Deprecated', 'deprecated'), ('Pending Metadata', 'pending_metadata'),
    ('Source', 'source'), ('Locations', 'locations'),
    ('Project ID', 'project_id'), ('Created At', 'created_at'),
    ('Updated At', 'updated_at'), ('Job ID', 'job_id'), ('Job', 'job'))
LOCATION_FIELDS = (
    ('Cloud', 'cloud_name'), ('Cloud ID', 'cloud_id'),
    ('Remote ID', 'remote_id'), ('Status', 'status'), ('Error', 'error'),
    ('Last Seen At', 'last_seen_at'))
JOB_FIELDS = (
    ('ID', 'id'), ('Image ID', 'image_id'), ('Action', 'action'),
    ('State', 'state'), ('Targets', 'targets'), ('Error', 'error'),
    ('Created At', 'created_at'), ('Finished At', 'finished_at'))
_FORMATTERS = {'locations': formatting.LocationsColumn,
               'targets': formatting.TargetsColumn,
               'properties': formatting.DictColumn,
               'tags': format_columns.ListColumn,
               'pending_metadata': formatting.PendingMetadataColumn,
               'source': formatting.DictColumn,
               'job': formatting.JobColumn}


def show_image(image):
    """Every field of the image the API gave, by its API name."""
    return formatting.show_document(image, IMAGE_FIELDS, _FORMATTERS)


def show_job(job):
    return formatting.show_document(job, JOB_FIELDS, _FORMATTERS)


def add_image_argument(parser):
    parser.add_argument('image', metavar='<image>',
                        help='Image ID, or a name only one image has')


class ListImage(formatting.Lister):
    """List images, from the API or the local cache."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        common.add_image_filters(parser)
        parser.add_argument(
            '--property', metavar='<key=value>', dest='properties',
            action=parseractions.KeyValueAction,
            help='Images with this property in their clouds (checks every '
                 "image's clouds: one request per image); repeat for more")
        parser.add_argument(
            '--tag', metavar='<tag>', action='append', dest='tags',
            help='Images with this tag in their clouds (as --property); '
                 'repeat for more')
        parser.add_argument('--limit', metavar='<n>', type=int,
                            help='At most this many images (one page)')
        parser.add_argument('--marker', metavar='<image-id>',
                            help='The page after this image')
        parser.add_argument(
            '--sort', metavar='<key>[:<direction>]',
            help='Sort by this field (name, status, size, created_at, '
                 'updated_at...), asc or desc')
        parser.add_argument('--long', action='store_true',
                            help='More columns')
        parser.add_argument('--human-readable', action='store_true',
                            help='Sizes as 1.5GiB instead of bytes')
        common.add_cache_options(parser)
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        sort_key = sort_dir = None
        if parsed_args.sort:
            sort_key, _sep, sort_dir = parsed_args.sort.partition(':')
            if sort_dir and sort_dir not in ('asc', 'desc'):
                raise exceptions.CommandError(
                    '--sort direction is asc or desc, not %s' % sort_dir)
        paging = (parsed_args.limit, parsed_args.marker, sort_key)
        if any(v is not None for v in paging):
            if parsed_args.cached or parsed_args.refresh:
                raise exceptions.CommandError(
                    '--limit, --marker and --sort ask the API: not with '
                    '--cached or --refresh')
            images = client.images.list(
                name=parsed_args.name, status=parsed_args.status,
                available_in=parsed_args.available_in,
                missing_in=parsed_args.missing_in, sort_key=sort_key or None,
                sort_dir=sort_dir or None, limit=parsed_args.limit,
                marker=parsed_args.marker)
        else:
            images = common.list_images(client, parsed_args)
        if parsed_args.properties or parsed_args.tags:
            images = [i for i in images
                      if _has_metadata(client, i, parsed_args)]
        fields = [('ID', 'id'), ('Name', 'name'), ('Status', 'status'),
                  ('Size', 'size'), ('Locations', 'locations')]
        if parsed_args.long:
            fields += [('Disk Format', 'disk_format'),
                       ('Container Format', 'container_format'),
                       ('Checksum', 'checksum'),
                       ('Deprecated', 'deprecated'),
                       ('Project ID', 'project_id'),
                       ('Created At', 'created_at'),
                       ('Updated At', 'updated_at')]
            if images and 'deprecated' not in images[0]:
                fields.remove(('Deprecated', 'deprecated'))
        formatters = dict(_FORMATTERS)
        if parsed_args.human_readable:
            formatters['size'] = formatting.SizeColumn
        return (formatting.columns_of(fields),
                [formatting.show(i, fields, formatters)[1] for i in images])


def _has_metadata(client, image, parsed_args):
    """Whether every copy of the image has the properties and tags asked."""
    wanted = parsed_args.properties or {}
    tags = parsed_args.tags or ()
    remotes = [loc.get('remote') or {} for loc in client.locations.list(
        image['id'], live=True, credentials=common.credentials(parsed_args))
        if loc.get('status') == 'active']
    if not remotes:
        return False
    for remote in remotes:
        properties = remote.get('properties') or {}
        if any(properties.get(k) != v for k, v in wanted.items()):
            return False
        if any(t not in (remote.get('tags') or ()) for t in tags):
            return False
    return True


class ShowImage(formatting.ShowOne):
    """Show an image and its locations."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_image_argument(parser)
        return parser

    def take_action(self, parsed_args):
        return show_image(
            common.client_of(self).images.find(parsed_args.image))


class DeleteImage(command.Command):
    """Forget images; with --purge, delete their copies in the clouds too."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('images', metavar='<image>', nargs='+',
                            help='Image IDs or names')
        parser.add_argument('--purge', action='store_true',
                            help='Also delete every copy in the clouds '
                                 '(otherwise they stay)')
        common.add_credentials_option(parser)
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        credentials = common.credentials(parsed_args)
        for ident in parsed_args.images:
            client.images.delete(client.images.find(ident)['id'],
                                 purge=parsed_args.purge,
                                 credentials=credentials)


class AdoptImage(formatting.ShowOne):
    """Track an image that exists in a cloud, and copy it to targets."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--source', metavar='<cloud>', required=True,
                            help='The cloud holding the image')
        parser.add_argument('--remote-id', metavar='<id>', required=True,
                            help="The image's ID in that cloud")
        parser.add_argument('--name', metavar='<name>',
                            help="Name (default: the cloud's)")
        parser.add_argument('--target', metavar='<cloud>', action='append',
                            dest='targets',
                            help='A cloud to copy it to; repeat for more')
        common.add_wait_options(parser, 'copying it to the targets')
        common.add_credentials_option(parser)
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        image = client.images.adopt(
            parsed_args.source, parsed_args.remote_id, name=parsed_args.name,
            targets=parsed_args.targets,
            credentials=common.credentials(parsed_args))
        if parsed_args.wait and image.get('job'):
            waiting.wait_or_fail_later(self, client, image['job'],
                                       parsed_args, image['id'])
            image = client.images.get(image['id'])
        return show_image(image)


class LinkImage(formatting.ShowOne):
    """Record that a cloud already holds a copy of an image."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_image_argument(parser)
        parser.add_argument('--cloud', metavar='<cloud>', required=True,
                            help='The cloud holding the copy')
        parser.add_argument('--remote-id', metavar='<id>', required=True,
                            help="The copy's ID in that cloud")
        parser.add_argument('--force', action='store_true',
                            help='Link even if the checksums differ')
        common.add_credentials_option(parser)
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        image = client.images.find(parsed_args.image)
        location = client.locations.create(
            image['id'], parsed_args.cloud, parsed_args.remote_id,
            force=parsed_args.force,
            credentials=common.credentials(parsed_args))
        return formatting.show_document(location, LOCATION_FIELDS)


class UnlinkImage(command.Command):
    """Forget an image's location in a cloud; the copy there stays."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_image_argument(parser)
        parser.add_argument('cloud', metavar='<cloud>',
                            help='Cloud name or ID')
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        image = client.images.find(parsed_args.image)
        client.locations.delete(image['id'], parsed_args.cloud)


class SyncImage(formatting.ShowOne):
    """Copy an image where it is not active yet (and to new targets)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_image_argument(parser)
        parser.add_argument('--target', metavar='<cloud>', action='append',
                            dest='targets',
                            help='A cloud to copy it to (default: every '
                                 'location not active); repeat for more')
        parser.add_argument('--metadata', action='store_true',
                            help="Also apply the image's metadata again "
                                 'where a copy differs (API 1.1)')
        common.add_wait_options(parser, 'copying it')
        common.add_credentials_option(parser)
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        image = client.images.find(parsed_args.image)
        job = client.images.sync(image['id'], targets=parsed_args.targets,
                                 credentials=common.credentials(parsed_args),
                                 metadata=parsed_args.metadata)
        if parsed_args.wait:
            job = waiting.wait_or_fail_later(self, client, job, parsed_args,
                                             image['id']) or job
        return show_job(job)


class RefreshImage(formatting.Lister):
    """Check every location of an image in its cloud now."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        add_image_argument(parser)
        common.add_credentials_option(parser)
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        image = client.images.find(parsed_args.image)
        locations = client.images.refresh(
            image['id'], credentials=common.credentials(parsed_args))
        return (formatting.columns_of(LOCATION_FIELDS),
                [formatting.show(loc, LOCATION_FIELDS)[1]
                 for loc in locations])


class ImageAvailability(formatting.Lister):
    """Where images are: one row per image, one column per cloud.

    Each cell holds the image's location status in that cloud (active,
    pending, copying, missing, checksum_mismatch, error), blank where the
    image has no location.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        common.add_image_filters(parser)
        parser.add_argument('--cloud', metavar='<cloud>', action='append',
                            dest='clouds',
                            help='Only this cloud\'s column; repeat for '
                                 'more')
        common.add_cache_options(parser)
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        images = common.list_images(client, parsed_args)
        if parsed_args.cached or parsed_args.refresh:
            clouds = common.cached_list(client, parsed_args, 'clouds',
                                        client.clouds.list)
        else:
            clouds = client.clouds.list()
        names = [c['name'] for c in clouds]
        for image in images:
            for loc in image.get('locations') or ():
                name = loc.get('cloud_name') or loc.get('cloud_id')
                if name not in names:
                    names.append(name)
        if parsed_args.clouds:
            ids = {c['id']: c['name'] for c in clouds}
            wanted = [ids.get(c, c) for c in parsed_args.clouds]
            names = [n for n in names if n in wanted]
        rows = []
        for image in images:
            cells = {loc.get('cloud_name') or loc.get('cloud_id'):
                     loc.get('status')
                     for loc in image.get('locations') or ()}
            rows.append([image['id'], image.get('name')] +
                        [cells.get(name) or '' for name in names])
        # The cloud columns keep the clouds' names in every format.
        return formatting.Columns(['id', 'name'] + names,
                                  {name: name for name in names}), rows
