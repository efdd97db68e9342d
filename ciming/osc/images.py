"""``ciming image ...``: images, their data, and where they are."""

from osc_lib.cli import format_columns
from osc_lib.cli import parseractions
from osc_lib.command import command
from osc_lib import exceptions

from ciming.osc import common

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
_FORMATTERS = {'locations': common.LocationsColumn,
               'targets': common.TargetsColumn,
               'properties': common.DictColumn,
               'tags': format_columns.ListColumn,
               'pending_metadata': common.PendingMetadataColumn,
               'source': common.DictColumn,
               'job': common.JobColumn}
VISIBILITIES = ('public', 'private', 'shared', 'community')


def show_image(image):
    """Every field of the image the API gave, by its API name."""
    return common.show_document(image, IMAGE_FIELDS, _FORMATTERS)


def show_job(job):
    return common.show_document(job, JOB_FIELDS, _FORMATTERS)


def _add_image_argument(parser):
    parser.add_argument('image', metavar='<image>',
                        help='Image ID, or a name only one image has')


def _add_metadata_options(parser, creating):
    """The options of ``image create`` and ``image set`` alike."""
    parser.add_argument(
        '--property', metavar='<key=value>', dest='properties',
        action=parseractions.KeyValueAction,
        help='A property of the image in every cloud (os_distro, hw_*...); '
             'repeat for more')
    parser.add_argument(
        '--tag', metavar='<tag>', action='append', dest='tags',
        help='A tag of the image in every cloud; repeat for more' +
             ('' if creating else ' (added to its tags)'))
    parser.add_argument('--min-disk', metavar='<disk-gb>', type=int,
                        help='Minimum disk size needed to boot it, in GB')
    parser.add_argument('--min-ram', metavar='<ram-mb>', type=int,
                        help='Minimum RAM needed to boot it, in MB')
    group = parser.add_mutually_exclusive_group()
    for visibility in VISIBILITIES:
        group.add_argument(
            '--' + visibility, dest='visibility', action='store_const',
            const=visibility,
            help='Make it %s in every cloud that has visibilities' %
                 visibility)
    group = parser.add_mutually_exclusive_group()
    group.add_argument('--protected', dest='protected', action='store_true',
                       default=None, help='Protect it from deletion')
    group.add_argument('--unprotected', dest='protected',
                       action='store_false', default=None,
                       help='Allow its deletion (default)')


def _metadata(parsed_args):
    """The image fields the metadata options give (None: not given)."""
    return {'properties': parsed_args.properties or None,
            'tags': parsed_args.tags, 'min_disk': parsed_args.min_disk,
            'min_ram': parsed_args.min_ram,
            'visibility': parsed_args.visibility,
            'protected': parsed_args.protected}


def _non_negative(parser, parsed_args):
    for option in ('min_disk', 'min_ram'):
        value = getattr(parsed_args, option, None)
        if value is not None and value < 0:
            raise exceptions.CommandError(
                '--%s must be 0 or more' % option.replace('_', '-'))


class CreateImage(common.ShowOne):
    """Create an image: its record, its metadata, and its data.

    The data comes from --file (streamed once to every target), from --url
    (the service fetches it once), or later with ``image upload``.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>', help='Image name')
        source = parser.add_mutually_exclusive_group()
        source.add_argument(
            '--file', metavar='<path>',
            help='The data, streamed once (without it or --url the image '
                 'waits, queued, for an upload)')
        source.add_argument(
            '--url', metavar='<url>',
            help='Import the data from this URL: the service fetches it '
                 'once for every target (API 1.2)')
        parser.add_argument(
            '--checksum', metavar='<algo:hex|url>',
            help='With --url: the checksum the data must have '
                 '(sha256:<hex>...), or the URL of a SHA256SUMS file')
        parser.add_argument('--disk-format', metavar='<format>',
                            help='raw (default), qcow2, vmdk...')
        parser.add_argument('--container-format', metavar='<format>',
                            help='bare (default), ova...')
        parser.add_argument(
            '--target', metavar='<cloud>', action='append', required=True,
            dest='targets', help='A cloud the image must reach; repeat '
                                 'for more')
        _add_metadata_options(parser, creating=True)
        parser.add_argument('--progress', action='store_true',
                            help='Show an upload progress bar on stderr')
        common.add_wait_options(parser, 'importing the data')
        common.add_credentials_option(parser)
        return parser

    def take_action(self, parsed_args):
        _non_negative(None, parsed_args)
        if parsed_args.checksum and not parsed_args.url:
            raise exceptions.CommandError('--checksum goes with --url')
        client = common.client_of(self)
        credentials = common.credentials(parsed_args)
        if parsed_args.file:
            # Fail on a missing file before the record is created.
            open(parsed_args.file, 'rb').close()
        fields = _metadata(parsed_args)
        if parsed_args.url:
            fields['source'] = {'url': parsed_args.url}
            if parsed_args.checksum:
                fields['source']['checksum'] = parsed_args.checksum
        image = client.images.create(
            parsed_args.name, parsed_args.targets,
            disk_format=parsed_args.disk_format,
            container_format=parsed_args.container_format, **fields)
        job = image.get('job')
        if parsed_args.file:
            job = _upload(self, client, image['id'], parsed_args,
                          credentials)
        if parsed_args.wait and job:
            common.wait_or_fail_later(self, client, job, parsed_args,
                                      image['id'])
        if parsed_args.file or parsed_args.wait:
            image = client.images.get(image['id'])
        return show_image(image)


def _upload(cmd, client, image_id, parsed_args, credentials):
    progress = (common.ProgressBar(cmd.app.stderr)
                if parsed_args.progress else None)
    return client.images.upload(image_id, parsed_args.file,
                                progress=progress, credentials=credentials)


class UploadImage(common.ShowOne):
    """Upload the data of a queued image, streamed once to every target."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_image_argument(parser)
        parser.add_argument('--file', metavar='<path>', required=True,
                            help='The data')
        parser.add_argument('--progress', action='store_true',
                            help='Show an upload progress bar on stderr')
        common.add_wait_options(parser, 'importing the data')
        common.add_credentials_option(parser)
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        image = client.images.find(parsed_args.image)
        open(parsed_args.file, 'rb').close()
        job = _upload(self, client, image['id'], parsed_args,
                      common.credentials(parsed_args))
        if parsed_args.wait:
            common.wait_or_fail_later(self, client, job, parsed_args,
                                      image['id'])
        return show_image(client.images.get(image['id']))


def current_tags(client, image, credentials=None):
    """The image's tags now: those still pending, else its clouds' tags."""
    pending = image.get('pending_metadata') or {}
    if 'tags' in pending:
        return list(pending['tags'] or ())
    if 'tags' in image:
        return list(image['tags'] or ())
    tags = []
    for location in client.locations.list(image['id'], live=True,
                                          credentials=credentials):
        for tag in (location.get('remote') or {}).get('tags') or ():
            if tag not in tags:
                tags.append(tag)
    return tags


class _ChangeImage(command.Command):
    """What ``image set`` and ``image unset`` share: one PATCH, a job."""

    def _patch(self, parsed_args, client, image, fields):
        credentials = common.credentials(parsed_args)
        changed = client.images.update(image['id'], credentials=credentials,
                                       **fields)
        job = changed.get('job') or (
            {'id': changed['job_id']} if changed.get('job_id') else None)
        if parsed_args.wait and job:
            common.wait_for_job(client, job, parsed_args.timeout,
                                stream=self.app.stderr,
                                image_id=image['id'])


class SetImage(_ChangeImage):
    """Change an image's name and metadata in every cloud that holds it."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_image_argument(parser)
        parser.add_argument('--name', metavar='<name>', help='New name')
        _add_metadata_options(parser, creating=False)
        common.add_wait_options(parser, 'changing the clouds')
        common.add_credentials_option(parser)
        return parser

    def take_action(self, parsed_args):
        _non_negative(None, parsed_args)
        client = common.client_of(self)
        image = client.images.find(parsed_args.image)
        fields = _metadata(parsed_args)
        fields['name'] = parsed_args.name
        if parsed_args.tags:
            tags = current_tags(client, image,
                                common.credentials(parsed_args))
            fields['tags'] = tags + [t for t in parsed_args.tags
                                     if t not in tags]
        if not any(v is not None for v in fields.values()):
            raise exceptions.CommandError('Nothing to change')
        self._patch(parsed_args, client, image, fields)


class UnsetImage(_ChangeImage):
    """Remove properties and tags of an image in every cloud."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_image_argument(parser)
        parser.add_argument('--property', metavar='<key>', action='append',
                            dest='properties',
                            help='A property to remove; repeat for more')
        parser.add_argument('--tag', metavar='<tag>', action='append',
                            dest='tags',
                            help='A tag to remove; repeat for more')
        common.add_wait_options(parser, 'changing the clouds')
        common.add_credentials_option(parser)
        return parser

    def take_action(self, parsed_args):
        if not (parsed_args.properties or parsed_args.tags):
            raise exceptions.CommandError('Give --property or --tag')
        client = common.client_of(self)
        image = client.images.find(parsed_args.image)
        fields = {}
        if parsed_args.properties:
            fields['properties'] = dict.fromkeys(parsed_args.properties)
        if parsed_args.tags:
            tags = current_tags(client, image,
                                common.credentials(parsed_args))
            fields['tags'] = [t for t in tags if t not in parsed_args.tags]
        self._patch(parsed_args, client, image, fields)


class DeprecateImage(common.ShowOne):
    """Deprecate an image: hidden in every cloud, pointing to another."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_image_argument(parser)
        parser.add_argument('--replacement', metavar='<image>',
                            help='The image to use instead (ID or name)')
        parser.add_argument('--deprecate-at', metavar='<date>',
                            help='ISO 8601 date it is deprecated from '
                                 '(default: now)')
        common.add_wait_options(parser, 'deprecating it')
        common.add_credentials_option(parser)
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        image = client.images.find(parsed_args.image)
        replacement = None
        if parsed_args.replacement:
            replacement = client.images.find(parsed_args.replacement)['id']
        job = client.images.deprecate(
            image['id'], replacement=replacement,
            deprecate_at=parsed_args.deprecate_at,
            credentials=common.credentials(parsed_args))
        if parsed_args.wait:
            job = common.wait_or_fail_later(self, client, job, parsed_args,
                                            image['id']) or job
        return show_job(job)


class UndeprecateImage(common.ShowOne):
    """Undeprecate an image: visible again in every cloud."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_image_argument(parser)
        common.add_wait_options(parser, 'undeprecating it')
        common.add_credentials_option(parser)
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        image = client.images.find(parsed_args.image)
        job = client.images.undeprecate(
            image['id'], credentials=common.credentials(parsed_args))
        if parsed_args.wait:
            job = common.wait_or_fail_later(self, client, job, parsed_args,
                                            image['id']) or job
        return show_job(job)


class ListImage(common.Lister):
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
            formatters['size'] = common.SizeColumn
        return (common.columns_of(fields),
                [common.show(i, fields, formatters)[1] for i in images])


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


class ShowImage(common.ShowOne):
    """Show an image and its locations."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_image_argument(parser)
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


class AdoptImage(common.ShowOne):
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
            common.wait_or_fail_later(self, client, image['job'],
                                      parsed_args, image['id'])
            image = client.images.get(image['id'])
        return show_image(image)


class LinkImage(common.ShowOne):
    """Record that a cloud already holds a copy of an image."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_image_argument(parser)
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
        return common.show_document(location, LOCATION_FIELDS)


class UnlinkImage(command.Command):
    """Forget an image's location in a cloud; the copy there stays."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_image_argument(parser)
        parser.add_argument('cloud', metavar='<cloud>',
                            help='Cloud name or ID')
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        image = client.images.find(parsed_args.image)
        client.locations.delete(image['id'], parsed_args.cloud)


class SyncImage(common.ShowOne):
    """Copy an image where it is not active yet (and to new targets)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_image_argument(parser)
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
            job = common.wait_or_fail_later(self, client, job, parsed_args,
                                            image['id']) or job
        return show_job(job)


class RefreshImage(common.Lister):
    """Check every location of an image in its cloud now."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_image_argument(parser)
        common.add_credentials_option(parser)
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        image = client.images.find(parsed_args.image)
        locations = client.images.refresh(
            image['id'], credentials=common.credentials(parsed_args))
        return (common.columns_of(LOCATION_FIELDS),
                [common.show(loc, LOCATION_FIELDS)[1] for loc in locations])


class ImageAvailability(common.Lister):
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
        return common.Columns(['id', 'name'] + names,
                              {name: name for name in names}), rows
