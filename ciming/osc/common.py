"""What the commands share: options, formatting, waiting, progress."""

import sys
import time

from cliff import columns
from osc_lib.command import command
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
#
# Commands return the API's field names as columns; the table shows them
# with human labels, and every other format keeps the field names, so
# ``-f json`` reads like the API (``os_hash_value``), as ``openstack image
# show -f json`` does. ``-c`` takes either.

_ACRONYMS = {'id': 'ID', 'os': 'OS', 'md5': 'MD5', 'url': 'URL'}


def label_of(key):
    """``os_hash_value`` -> ``OS Hash Value``."""
    return ' '.join(_ACRONYMS.get(word, word.capitalize())
                    for word in str(key).split('_'))


class Columns(tuple):
    """Column keys, with the label of each for the table."""

    def __new__(cls, keys, labels=None):
        columns = super().__new__(cls, keys)
        columns.labels = dict(labels or {})
        return columns

    def label(self, key):
        return self.labels.get(key) or label_of(key)


def columns_of(fields):
    """Columns of ``(label, key)`` pairs."""
    return Columns([key for _label, key in fields],
                   {key: label for label, key in fields})


def _normal(name):
    return str(name).lower().strip().replace(' ', '_')


def _readable(value):
    """A value as text: structured values never as a Python repr."""
    if isinstance(value, columns.FormattableColumn):
        return value.human_readable()
    if isinstance(value, dict):
        return osc_utils.format_dict(value)
    if isinstance(value, (list, tuple)):
        if all(isinstance(item, dict) for item in value):
            return osc_utils.format_list_of_dicts(value)
        return osc_utils.format_list(value)
    return value


class FieldsOutput:
    """Labels in the table, field names elsewhere; text in value and csv.

    cliff's ``value`` and ``csv`` formatters print a structured value's
    Python repr; here they print its human-readable form instead.
    """

    TEXT_FORMATS = ('value', 'csv')

    def produce_output(self, parsed_args, column_names, data):
        keys = list(column_names)
        labelled = getattr(column_names, 'label', label_of)
        labels = {key: labelled(key) for key in keys}
        if getattr(parsed_args, 'columns', None):
            by_name = {}
            for key in keys:
                by_name[_normal(labels[key])] = key
                by_name[_normal(key)] = key
            parsed_args.columns = [by_name.get(_normal(c), c)
                                   for c in parsed_args.columns]
        formatter = getattr(parsed_args, 'formatter', None)
        if formatter == 'table':
            column_names = [labels[key] for key in keys]
            if getattr(parsed_args, 'columns', None):
                parsed_args.columns = [labels.get(c, c)
                                       for c in parsed_args.columns]
        else:
            column_names = keys
        if formatter in self.TEXT_FORMATS:
            data = self._text(data)
        return super().produce_output(parsed_args, column_names, data)


def _text(value):
    """A value on one line of ``value`` or ``csv`` output."""
    value = _readable(value)
    if isinstance(value, str):
        return value.replace('\n', '; ')
    return value


class ShowOne(FieldsOutput, command.ShowOne):
    """A ShowOne that may print its result and still fail (``--wait``)."""

    failure = None

    def run(self, parsed_args):
        self.failure = None
        code = super().run(parsed_args)
        if self.failure is not None:
            raise self.failure
        return code

    @staticmethod
    def _text(data):
        return [_text(value) for value in data]


class Lister(FieldsOutput, command.Lister):

    @staticmethod
    def _text(data):
        return ([_text(value) for value in row] for row in data)


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
    """A mapping as ``k='v', ...`` (osc-lib's format), the object in JSON."""

    def human_readable(self):
        return osc_utils.format_dict(self._value or {})

    def machine_readable(self):
        return self._value


class PendingMetadataColumn(columns.FormattableColumn):
    """Metadata not yet in every target: ``key=value`` per field."""

    def human_readable(self):
        if not self._value:
            return ''
        return osc_utils.format_dict(
            {k: (osc_utils.format_dict(v) if isinstance(v, dict) else
                 osc_utils.format_list(v) if isinstance(v, list) else v)
             for k, v in self._value.items()})

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
    formatters = formatters or {}
    values = []
    for _label, key in fields:
        value = item.get(key)
        if key in formatters:
            value = formatters[key](value)
        values.append(value)
    return columns_of(fields), values


def show_document(item, fields, formatters=None):
    """(columns, values) of every field of an API document.

    The known ``fields`` first, in their order, then any other field the
    API gave: the keys are exactly the document's.
    """
    known = [(label, key) for label, key in fields if key in item]
    names = {key for _label, key in fields}
    known += [(label_of(key), key) for key in item if key not in names]
    return show(item, known, formatters)


class SizeColumn(columns.FormattableColumn):
    """A size in bytes as ``1.5GiB`` in text formats, bytes in JSON."""

    def human_readable(self):
        if self._value is None:
            return ''
        return osc_utils.format_size(self._value)

    def machine_readable(self):
        return self._value


class JobColumn(columns.FormattableColumn):
    """A job inside another document: its id and state in a table."""

    def human_readable(self):
        if not self._value:
            return ''
        return '%s %s' % (self._value.get('id'), self._value.get('state'))

    def machine_readable(self):
        return self._value


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


class JobStatusLine:
    """A job's progress on stderr as it waits.

    On a terminal one line is rewritten in place; elsewhere (a log, a
    pipe) only the last state is written, once, at the end.
    """

    def __init__(self, stream):
        self.stream = stream
        isatty = getattr(stream, 'isatty', None)
        self.tty = bool(isatty and isatty())
        self.line = None
        self._width = 0

    def __call__(self, job):
        line = job_progress(job)
        if line == self.line:
            return
        self.line = line
        if self.tty:
            padding = ' ' * max(self._width - len(line), 0)
            self._width = len(line)
            self.stream.write('\r' + line + padding)
            self.stream.flush()

    def close(self):
        if self.line is None:
            return
        if self.tty:
            self.stream.write('\n')
        else:
            self.stream.write(self.line + '\n')
        self.stream.flush()


class WaitFailed(exceptions.ClientException):
    """Waiting for a job ended without its success."""


def wait_for_job(client, job, timeout=None, stream=None, interval=1.0,
                 image_id=None):
    """Wait for a job, showing its progress on stderr.

    Raises :class:`WaitFailed` when the job does not succeed, or is still
    running after ``timeout`` seconds (it goes on in the service), so the
    command exits non-zero; the message names the job and the image.
    """
    status = JobStatusLine(stream or sys.stderr)
    try:
        final = client.wait_for_job(job['id'], timeout=timeout,
                                    callback=status, interval=interval)
    except exceptions.JobTimeout as exc:
        status.close()
        state = exc.job['state'] if exc.job else 'running'
        raise WaitFailed(
            'Timed out after %ss waiting for job %s%s (still %s); it goes '
            'on in the service: follow it with "job show %s --wait"' % (
                timeout, job['id'],
                ' of image %s' % image_id if image_id else '', state,
                job['id']))
    status.close()
    if final['state'] != 'succeeded':
        errors = [final.get('error')] + [
            '%s: %s' % (t.get('cloud_name'), t['error'])
            for t in final.get('targets') or () if t.get('error')]
        raise WaitFailed('Job %s%s ended %s: %s' % (
            final['id'], ' of image %s' % image_id if image_id else '',
            final['state'],
            '; '.join(e for e in errors if e) or 'no error given'))
    return final


def wait_or_fail_later(command, client, job, parsed_args, image_id=None):
    """Wait for a job; on failure print the result, then exit non-zero.

    The command still prints what it shows (the image, its id), then fails
    with the message. Returns the final job, or None when the wait failed.
    """
    try:
        return wait_for_job(client, job, parsed_args.timeout,
                            stream=command.app.stderr, image_id=image_id)
    except WaitFailed as exc:
        command.failure = exc
        return None
