"""An image's metadata in every cloud that holds it (API 1.1).

``image set``, ``image unset``, ``image deprecate``, ``image undeprecate``,
and the metadata options ``image create`` shares with ``image set``.
"""

from osc_lib.cli import parseractions
from osc_lib.command import command
from osc_lib import exceptions

from ciming.osc import common
from ciming.osc import formatting
from ciming.osc import images
from ciming.osc import waiting

VISIBILITIES = ('public', 'private', 'shared', 'community')


def add_metadata_options(parser, creating):
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


def metadata_fields(parsed_args):
    """The image fields the metadata options give (None: not given)."""
    return {'properties': parsed_args.properties or None,
            'tags': parsed_args.tags, 'min_disk': parsed_args.min_disk,
            'min_ram': parsed_args.min_ram,
            'visibility': parsed_args.visibility,
            'protected': parsed_args.protected}


def check_non_negative(parsed_args):
    for option in ('min_disk', 'min_ram'):
        value = getattr(parsed_args, option, None)
        if value is not None and value < 0:
            raise exceptions.CommandError(
                '--%s must be 0 or more' % option.replace('_', '-'))


def job_of(image):
    """The job an answer about an image started, if any."""
    if image.get('job'):
        return image['job']
    return {'id': image['job_id']} if image.get('job_id') else None


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
        job = job_of(changed)
        if parsed_args.wait and job:
            waiting.wait_for_job(client, job, parsed_args.timeout,
                                 stream=self.app.stderr,
                                 image_id=image['id'])


class SetImage(_ChangeImage):
    """Change an image's name and metadata in every cloud that holds it."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        images.add_image_argument(parser)
        parser.add_argument('--name', metavar='<name>', help='New name')
        add_metadata_options(parser, creating=False)
        common.add_wait_options(parser, 'changing the clouds')
        common.add_credentials_option(parser)
        return parser

    def take_action(self, parsed_args):
        check_non_negative(parsed_args)
        client = common.client_of(self)
        image = client.images.find(parsed_args.image)
        fields = metadata_fields(parsed_args)
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
        images.add_image_argument(parser)
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


class DeprecateImage(formatting.ShowOne):
    """Deprecate an image: hidden in every cloud, pointing to another."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        images.add_image_argument(parser)
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
            job = waiting.wait_or_fail_later(self, client, job, parsed_args,
                                             image['id']) or job
        return images.show_job(job)


class UndeprecateImage(formatting.ShowOne):
    """Undeprecate an image: visible again in every cloud."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        images.add_image_argument(parser)
        common.add_wait_options(parser, 'undeprecating it')
        common.add_credentials_option(parser)
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        image = client.images.find(parsed_args.image)
        job = client.images.undeprecate(
            image['id'], credentials=common.credentials(parsed_args))
        if parsed_args.wait:
            job = waiting.wait_or_fail_later(self, client, job, parsed_args,
                                             image['id']) or job
        return images.show_job(job)
