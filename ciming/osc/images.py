"""``ciming image ...``: images, their data, and where they are."""

from osc_lib.command import command

from ciming.osc import common

IMAGE_FIELDS = (
    ('ID', 'id'), ('Name', 'name'), ('Status', 'status'),
    ('Disk Format', 'disk_format'),
    ('Container Format', 'container_format'), ('Size', 'size'),
    ('Checksum', 'checksum'), ('OS Hash Algo', 'os_hash_algo'),
    ('OS Hash Value', 'os_hash_value'), ('Locations', 'locations'),
    ('Project ID', 'project_id'), ('Created At', 'created_at'),
    ('Updated At', 'updated_at'))
LOCATION_FIELDS = (
    ('Cloud', 'cloud_name'), ('Cloud ID', 'cloud_id'),
    ('Remote ID', 'remote_id'), ('Status', 'status'), ('Error', 'error'),
    ('Last Seen At', 'last_seen_at'))
JOB_FIELDS = (
    ('ID', 'id'), ('Image ID', 'image_id'), ('Action', 'action'),
    ('State', 'state'), ('Targets', 'targets'), ('Error', 'error'),
    ('Created At', 'created_at'), ('Finished At', 'finished_at'))
_FORMATTERS = {'locations': common.LocationsColumn,
               'targets': common.TargetsColumn}


def show_image(image):
    return common.show(image, IMAGE_FIELDS, _FORMATTERS)


def show_job(job):
    return common.show(job, JOB_FIELDS, _FORMATTERS)


def _add_image_argument(parser):
    parser.add_argument('image', metavar='<image>',
                        help='Image ID, or a name only one image has')


class CreateImage(command.ShowOne):
    """Create an image record and upload its data to every target."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>', help='Image name')
        parser.add_argument(
            '--file', metavar='<path>',
            help='The data, streamed once (without it the image waits, '
                 'queued, for an upload)')
        parser.add_argument('--disk-format', metavar='<format>',
                            help='raw (default), qcow2, vmdk...')
        parser.add_argument('--container-format', metavar='<format>',
                            help='bare (default), ova...')
        parser.add_argument(
            '--target', metavar='<cloud>', action='append', required=True,
            dest='targets', help='A cloud the image must reach; repeat '
                                 'for more')
        parser.add_argument('--progress', action='store_true',
                            help='Show an upload progress bar on stderr')
        common.add_wait_options(parser, 'importing the upload')
        common.add_credentials_option(parser)
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        credentials = common.credentials(parsed_args)
        if parsed_args.file:
            # Fail on a missing file before the record is created.
            open(parsed_args.file, 'rb').close()
        image = client.images.create(
            parsed_args.name, parsed_args.targets,
            disk_format=parsed_args.disk_format,
            container_format=parsed_args.container_format)
        if parsed_args.file:
            progress = (common.ProgressBar(self.app.stderr)
                        if parsed_args.progress else None)
            job = client.images.upload(image['id'], parsed_args.file,
                                       progress=progress,
                                       credentials=credentials)
            if parsed_args.wait:
                common.wait_for_job(client, job, parsed_args.timeout,
                                    stream=self.app.stderr)
            image = client.images.get(image['id'])
        return show_image(image)


class ListImage(command.Lister):
    """List images, from the API or the local cache."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        common.add_image_filters(parser)
        common.add_cache_options(parser)
        parser.add_argument('--long', action='store_true',
                            help='More columns')
        return parser

    def take_action(self, parsed_args):
        images = common.list_images(common.client_of(self), parsed_args)
        fields = [('ID', 'id'), ('Name', 'name'), ('Status', 'status'),
                  ('Size', 'size'), ('Locations', 'locations')]
        if parsed_args.long:
            fields += [('Disk Format', 'disk_format'),
                       ('Container Format', 'container_format'),
                       ('Checksum', 'checksum'),
                       ('Created At', 'created_at'),
                       ('Updated At', 'updated_at')]
        return ([label for label, _key in fields],
                [common.show(i, fields, _FORMATTERS)[1] for i in images])


class ShowImage(command.ShowOne):
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


class AdoptImage(command.ShowOne):
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
            common.wait_for_job(client, image['job'], parsed_args.timeout,
                                stream=self.app.stderr)
            image = client.images.get(image['id'])
        return show_image(image)


class LinkImage(command.ShowOne):
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
        return common.show(location, LOCATION_FIELDS)


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


class SyncImage(command.ShowOne):
    """Copy an image where it is not active yet (and to new targets)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_image_argument(parser)
        parser.add_argument('--target', metavar='<cloud>', action='append',
                            dest='targets',
                            help='A cloud to copy it to (default: every '
                                 'location not active); repeat for more')
        common.add_wait_options(parser, 'copying it')
        common.add_credentials_option(parser)
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        image = client.images.find(parsed_args.image)
        job = client.images.sync(image['id'], targets=parsed_args.targets,
                                 credentials=common.credentials(parsed_args))
        if parsed_args.wait:
            job = common.wait_for_job(client, job, parsed_args.timeout,
                                      stream=self.app.stderr)
        return show_job(job)


class RefreshImage(command.Lister):
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
        return ([label for label, _key in LOCATION_FIELDS],
                [common.show(loc, LOCATION_FIELDS)[1] for loc in locations])


class ImageAvailability(command.Lister):
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
        return ['ID', 'Name'] + names, rows
