"""What the commands share: options, formatting, waiting, progress."""

import os
import sys
import time

from cliff import columns
from osc_lib import utils as osc_utils

from ciming.client import cache
from ciming.client import credentials_file
from ciming.client import exceptions

MiB = 1024 * 1024


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


# Formatting

class LocationsColumn(columns.FormattableColumn):
    """Locations as ``cloud=status`` in a table, as the list in JSON."""

    def human_readable(self):
        return ', '.join('%s=%s' % (loc.get('cloud_name') or
                                    loc.get('cloud_id'), loc.get('status'))
                         for loc in self._value or ())

    def machine_readable(self):
        return self._value


class TargetsColumn(columns.FormattableColumn):
    """Job targets as ``cloud=state done/total`` lines."""

    def human_readable(self):
        return '\n'.join(
            '%s=%s %s' % (t.get('cloud_name') or t.get('cloud_id'),
                          t.get('state'), progress_text(t))
            for t in self._value or ())

    def machine_readable(self):
        return self._value


class DictColumn(columns.FormattableColumn):

    def human_readable(self):
        return osc_utils.format_dict(self._value or {})

    def machine_readable(self):
        return self._value


def progress_text(target):
    done = target.get('bytes_done') or 0
    total = target.get('bytes_total')
    if total:
        return '%d%% (%s/%s MiB)' % (done * 100 // total,
                                     _mib(done), _mib(total))
    return '%s MiB' % _mib(done)


def _mib(size):
    return '%.1f' % (size / MiB)


def job_progress(job):
    """One line on a job: its state and every target's progress."""
    return '%s %s: %s' % (job['id'][:8], job['state'], '; '.join(
        '%s %s %s' % (t.get('cloud_name') or t.get('cloud_id'), t['state'],
                      progress_text(t))
        for t in job.get('targets') or ()))


def show(item, fields, formatters=None):
    """(columns, values) of a ShowOne from the fields of a document."""
    names = [label for label, _key in fields]
    formatters = formatters or {}
    values = []
    for _label, key in fields:
        value = item.get(key)
        if key in formatters:
            value = formatters[key](value)
        values.append(value)
    return names, values


# Waiting and progress

class ProgressBar:
    """An upload bar on stderr: ``[#####     ]  50% 32.0/64.0 MiB``."""

    WIDTH = 30

    def __init__(self, stream=None, min_interval=0.1, clock=time.monotonic):
        self.stream = stream or sys.stderr
        self.min_interval = min_interval
        self.clock = clock
        self._last = None

    def __call__(self, done, total):
        now = self.clock()
        final = total is not None and done >= total
        if not final and self._last is not None and (
                now - self._last < self.min_interval):
            return
        self._last = now
        if total:
            filled = self.WIDTH * done // total
            line = '[%s%s] %3d%% %s/%s MiB' % (
                '#' * filled, ' ' * (self.WIDTH - filled),
                done * 100 // total, _mib(done), _mib(total))
        else:
            line = '%s MiB sent' % _mib(done)
        self.stream.write('\r' + line)
        if final:
            self.stream.write('\n')
        self.stream.flush()


def wait_for_job(client, job, timeout=None, stream=None, interval=1.0):
    """Wait for a job, a line of progress on stderr when it changes.

    Raises when the job does not succeed, so the command exits non-zero.
    """
    stream = stream or sys.stderr
    last = [None]

    def report(current):
        line = job_progress(current)
        if line != last[0]:
            stream.write(line + os.linesep)
            stream.flush()
            last[0] = line

    final = client.wait_for_job(job['id'], timeout=timeout, callback=report,
                                interval=interval)
    if final['state'] != 'succeeded':
        errors = [final.get('error')] + [
            '%s: %s' % (t.get('cloud_name'), t['error'])
            for t in final.get('targets') or () if t.get('error')]
        raise exceptions.ClientException('Job %s ended %s: %s' % (
            final['id'], final['state'],
            '; '.join(e for e in errors if e) or 'no error given'))
    return final
