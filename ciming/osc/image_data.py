"""``image create`` and ``image upload``: an image and its data."""

from osc_lib import exceptions

from ciming.osc import common
from ciming.osc import formatting
from ciming.osc import image_metadata
from ciming.osc import images
from ciming.osc import waiting


class CreateImage(formatting.ShowOne):
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
        image_metadata.add_metadata_options(parser, creating=True)
        parser.add_argument('--progress', action='store_true',
                            help='Show an upload progress bar on stderr')
        common.add_wait_options(parser, 'importing the data')
        common.add_credentials_option(parser)
        return parser

    def take_action(self, parsed_args):
        image_metadata.check_non_negative(parsed_args)
        if parsed_args.checksum and not parsed_args.url:
            raise exceptions.CommandError('--checksum goes with --url')
        client = common.client_of(self)
        credentials = common.credentials(parsed_args)
        if parsed_args.file:
            # Fail on a missing file before the record is created.
            open(parsed_args.file, 'rb').close()
        fields = image_metadata.metadata_fields(parsed_args)
        source = None
        if parsed_args.url:
            source = {'url': parsed_args.url}
            checksum = parsed_args.checksum
            if checksum and checksum.startswith(('http://', 'https://')):
                source['checksums_url'] = checksum
            elif checksum:
                source['checksum'] = checksum
        image = client.images.create(
            parsed_args.name, parsed_args.targets,
            disk_format=parsed_args.disk_format,
            container_format=parsed_args.container_format, source=source,
            credentials=credentials, **fields)
        job = image_metadata.job_of(image)
        if parsed_args.file:
            job = _upload(self, client, image['id'], parsed_args,
                          credentials)
        if parsed_args.wait and job:
            waiting.wait_or_fail_later(self, client, job, parsed_args,
                                       image['id'])
        if parsed_args.file or parsed_args.wait:
            image = client.images.get(image['id'])
        return images.show_image(image)


def _upload(cmd, client, image_id, parsed_args, credentials):
    progress = (waiting.ProgressBar(cmd.app.stderr)
                if parsed_args.progress else None)
    return client.images.upload(image_id, parsed_args.file,
                                progress=progress, credentials=credentials)


class UploadImage(formatting.ShowOne):
    """Upload the data of a queued image, streamed once to every target."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        images.add_image_argument(parser)
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
            waiting.wait_or_fail_later(self, client, job, parsed_args,
                                       image['id'])
        return images.show_image(client.images.get(image['id']))
