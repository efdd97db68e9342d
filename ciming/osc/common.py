"""What the commands share: options, credentials, cached lists."""

from osc_lib import utils as osc_utils

from ciming.client import cache
from ciming.client import credentials_file


def client_of(command):
    return command.app.client_manager.ciming


# Options

def add_credentials_option(parser):
    parser.add_argument(
        '--credentials-file', metavar='<path>',
        default=osc_utils.env('CIMING_CREDENTIALS_FILE'),
        help='YAML file mapping CIMinG cloud names to a clouds.yaml entry '
             '(clouds_yaml), an AWS profile (aws_profile) or a GCP '
             'service-account file (gcp_service_account); sent with the '
             'request, never stored (env CIMING_CREDENTIALS_FILE)')


def credentials(parsed_args):
    """The credentials of the request, or None."""
    path = getattr(parsed_args, 'credentials_file', None)
    return credentials_file.load(path) if path else None


def add_wait_options(parser, what=None):
    job = 'the job %s' % what if what else 'the job'
    parser.add_argument(
        '--wait', action='store_true',
        help='Wait until %s ends, showing its progress on stderr' % job)
    parser.add_argument(
        '--timeout', metavar='<seconds>', type=int, default=None,
        help='With --wait: give up after this many seconds')


def add_cache_options(parser):
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        '--cached', action='store_true',
        help='Serve from the local cache when it is younger than '
             '--cache-ttl (fetch and cache otherwise); filters run '
             'locally')
    group.add_argument(
        '--refresh', action='store_true',
        help='Fetch now and rewrite the local cache')
    parser.add_argument(
        '--cache-ttl', metavar='<seconds>', type=int,
        default=int(osc_utils.env('CIMING_CACHE_TTL',
                                  default=str(cache.DEFAULT_TTL))),
        help='Age in seconds after which cached lists are fetched again '
             '(default: %d; env CIMING_CACHE_TTL)' % cache.DEFAULT_TTL)


def add_image_filters(parser):
    parser.add_argument(
        '--name', metavar='<name>',
        help='Images of this name; shell-style wildcards (* ? [...]) are '
             'matched on the client')
    parser.add_argument('--status', metavar='<status>',
                        help='Images in this status (queued, importing, '
                             'active, partial, error...)')
    parser.add_argument('--available-in', metavar='<cloud>',
                        help='Images active in this cloud')
    parser.add_argument('--missing-in', metavar='<cloud>',
                        help='Images not active in this cloud')


def list_cache(client, parsed_args):
    return cache.ListCache(client.endpoint, client.current_project_id(),
                           ttl=parsed_args.cache_ttl)


def cached_list(client, parsed_args, kind, fetch):
    """A whole list from the cache (``--cached``) or fetched and cached."""
    store = list_cache(client, parsed_args)
    items = None if parsed_args.refresh else store.get(kind)
    if items is None:
        items = fetch()
        store.put(kind, items)
    return items


def list_images(client, parsed_args):
    """The images the filters select, from the API or the cache.

    Without ``--cached``/``--refresh`` the API filters (names with
    wildcards are matched here); an unfiltered list refreshes the cache.
    """
    filters = dict(name=parsed_args.name, status=parsed_args.status,
                   available=parsed_args.available_in,
                   missing=parsed_args.missing_in)
    if parsed_args.cached or parsed_args.refresh:
        images = cached_list(client, parsed_args, 'images',
                             client.images.list)
        return cache.filter_images(images, **filters)
    wildcard = cache.has_wildcards(parsed_args.name)
    images = client.images.list(
        name=None if wildcard else parsed_args.name,
        status=parsed_args.status,
        available_in=parsed_args.available_in,
        missing_in=parsed_args.missing_in)
    if not any(filters.values()):
        list_cache(client, parsed_args).put('images', images)
    if wildcard:
        images = cache.filter_images(images, name=parsed_args.name)
    return images
