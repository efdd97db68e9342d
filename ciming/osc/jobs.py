"""``ciming job ...``: copies of images in progress, and their outcome."""

from osc_lib import exceptions

from ciming.osc import common
from ciming.osc import formatting
from ciming.osc import images
from ciming.osc import waiting


class ListJob(formatting.Lister):
    """List jobs, newest first."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--image', metavar='<image>',
                            help='Jobs of this image (ID or name)')
        parser.add_argument('--state', metavar='<state>',
                            help='pending, running, succeeded, partial, '
                                 'failed, cancelling or cancelled')
        parser.add_argument('--all-projects', action='store_true',
                            help='Jobs of every project (admins only)')
        parser.add_argument('--limit', metavar='<n>', type=int,
                            help='At most this many jobs')
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        image_id = None
        if parsed_args.image:
            image_id = client.images.find(parsed_args.image)['id']
        jobs = client.jobs.list(image_id=image_id, state=parsed_args.state,
                                all_projects=parsed_args.all_projects,
                                limit=parsed_args.limit)
        fields = [('ID', 'id'), ('Image ID', 'image_id'),
                  ('Action', 'action'), ('State', 'state'),
                  ('Targets', 'targets'), ('Created At', 'created_at')]
        return (formatting.columns_of(fields),
                [formatting.show(j, fields,
                                 {'targets': formatting.TargetsColumn})[1]
                 for j in jobs])


class ShowJob(formatting.ShowOne):
    """Show a job, with the progress of every target."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('job', metavar='<job>', help='Job ID')
        common.add_wait_options(parser)
        return parser

    def take_action(self, parsed_args):
        client = common.client_of(self)
        job = client.jobs.get(parsed_args.job)
        if parsed_args.wait:
            job = waiting.wait_or_fail_later(self, client, job,
                                             parsed_args) or job
        return images.show_job(job)


class CancelJob(formatting.ShowOne):
    """Cancel a job: at once if pending, when its conductor stops if not."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('job', metavar='<job>', help='Job ID')
        return parser

    def take_action(self, parsed_args):
        return images.show_job(
            common.client_of(self).jobs.cancel(parsed_args.job))


class ResumeJob(formatting.ShowOne):
    """Resume a job awaiting the credentials it lost with its conductor."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('job', metavar='<job>', help='Job ID')
        common.add_credentials_option(parser)
        common.add_wait_options(parser)
        return parser

    def take_action(self, parsed_args):
        credentials = common.credentials(parsed_args)
        if not credentials:
            raise exceptions.CommandError(
                'Give the credentials with --credentials-file.')
        client = common.client_of(self)
        job = client.jobs.resume(parsed_args.job, credentials)
        if parsed_args.wait:
            job = waiting.wait_or_fail_later(self, client, job,
                                             parsed_args) or job
        return images.show_job(job)
