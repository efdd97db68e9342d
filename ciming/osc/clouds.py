"""``ciming cloud ...``: the clouds images are copied to and from."""

from osc_lib.cli import parseractions
from osc_lib.command import command

from ciming.osc import common
from ciming.osc import formatting

CLOUD_FIELDS = (
    ('ID', 'id'), ('Name', 'name'), ('Type', 'type'), ('Region', 'region'),
    ('Options', 'options'), ('Credential Ref', 'credential_ref'),
    ('Shared', 'shared'), ('Project ID', 'project_id'),
    ('Description', 'description'), ('Capabilities', 'capabilities'),
    ('Created At', 'created_at'), ('Updated At', 'updated_at'))
_FORMATTERS = {'options': formatting.DictColumn,
               'capabilities': formatting.DictColumn}


def _show(cloud):
    return formatting.show_document(cloud, CLOUD_FIELDS, _FORMATTERS)


def _options(pairs):
    return dict(pairs or {})


class CreateCloud(formatting.ShowOne):
    """Register a cloud."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>', help='Cloud name')
        parser.add_argument('--type', metavar='<type>', required=True,
                            help='Driver: openstack, local...')
        parser.add_argument('--region', metavar='<region>',
                            help='Region of the cloud')
        parser.add_argument(
            '--option', metavar='<key=value>',
            action=parseractions.KeyValueAction, dest='options',
            help='A non-secret option of the driver (auth_url, path...); '
                 'repeat for more')
        parser.add_argument('--credential-ref', metavar='<href>',
                            help='Barbican secret holding the credentials')
        parser.add_argument('--shared', action='store_true', default=None,
                            help='Visible to every project (admins only)')
        parser.add_argument('--description', metavar='<text>')
        return parser

    def take_action(self, parsed_args):
        cloud = common.client_of(self).clouds.create(
            parsed_args.name, parsed_args.type, region=parsed_args.region,
            options=parsed_args.options or None,
            credential_ref=parsed_args.credential_ref,
            shared=parsed_args.shared, description=parsed_args.description)
        return _show(cloud)


class ListCloud(formatting.Lister):
    """List the project's clouds and the shared ones."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--all-projects', action='store_true',
                            help='Clouds of every project (admins only)')
        parser.add_argument('--long', action='store_true',
                            help='More columns')
        return parser

    def take_action(self, parsed_args):
        clouds = common.client_of(self).clouds.list(
            all_projects=parsed_args.all_projects)
        fields = [('ID', 'id'), ('Name', 'name'), ('Type', 'type'),
                  ('Region', 'region'), ('Shared', 'shared')]
        if parsed_args.long:
            fields += [('Project ID', 'project_id'), ('Options', 'options'),
                       ('Capabilities', 'capabilities'),
                       ('Description', 'description')]
        return (formatting.columns_of(fields),
                [formatting.show(c, fields, _FORMATTERS)[1] for c in clouds])


class ShowCloud(formatting.ShowOne):
    """Show a cloud."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('cloud', metavar='<cloud>',
                            help='Cloud name or ID')
        return parser

    def take_action(self, parsed_args):
        return _show(common.client_of(self).clouds.get(parsed_args.cloud))


class SetCloud(command.Command):
    """Change a cloud (its type never changes)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('cloud', metavar='<cloud>',
                            help='Cloud name or ID')
        parser.add_argument('--name', metavar='<name>', help='New name')
        parser.add_argument('--region', metavar='<region>')
        parser.add_argument(
            '--option', metavar='<key=value>',
            action=parseractions.KeyValueAction, dest='options',
            help='Replace the options with these; repeat for more')
        parser.add_argument('--credential-ref', metavar='<href>')
        parser.add_argument('--description', metavar='<text>')
        return parser

    def take_action(self, parsed_args):
        fields = {key: getattr(parsed_args, key) for key in (
            'name', 'region', 'options', 'credential_ref', 'description')
            if getattr(parsed_args, key) is not None}
        if fields:
            common.client_of(self).clouds.update(parsed_args.cloud,
                                                 **fields)


class DeleteCloud(command.Command):
    """Delete clouds no image has a location in."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('clouds', metavar='<cloud>', nargs='+',
                            help='Cloud names or IDs')
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        for cloud in parsed_args.clouds:
            client.clouds.delete(cloud)


class ValidateCloud(formatting.ShowOne):
    """Check that the service can reach a cloud."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('cloud', metavar='<cloud>',
                            help='Cloud name or ID')
        common.add_credentials_option(parser)
        return parser

    def take_action(self, parsed_args):
        result = common.client_of(self).clouds.validate(
            parsed_args.cloud, credentials=common.credentials(parsed_args))
        return formatting.Columns(['cloud', 'valid']), (
            parsed_args.cloud, bool(result.get('valid')))


class ListCloudImage(formatting.Lister):
    """List the images a cloud holds, tracked by CIMinG or not."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('cloud', metavar='<cloud>',
                            help='Cloud name or ID')
        parser.add_argument('--untracked', action='store_true',
                            help='Only images CIMinG does not track')
        parser.add_argument('--long', action='store_true',
                            help='More columns')
        common.add_credentials_option(parser)
        return parser

    def take_action(self, parsed_args):
        images = common.client_of(self).clouds.images(
            parsed_args.cloud, credentials=common.credentials(parsed_args))
        if parsed_args.untracked:
            images = [i for i in images if not i.get('tracked_as')]
        fields = [('Remote ID', 'remote_id'), ('Name', 'name'),
                  ('Status', 'status'), ('Size', 'size'),
                  ('Tracked As', 'tracked_as')]
        if parsed_args.long:
            fields += [('Disk Format', 'disk_format'),
                       ('Container Format', 'container_format'),
                       ('Checksum', 'checksum'),
                       ('Visibility', 'visibility')]
        return (formatting.columns_of(fields),
                [formatting.show(i, fields)[1] for i in images])
