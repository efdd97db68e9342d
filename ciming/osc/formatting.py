"""How the commands print: field names for machines, labels for people.

Commands return the API's field names as columns; the table shows them
with human labels, and every other format keeps the field names, so
``-f json`` reads like the API (``os_hash_value``), as ``openstack image
show -f json`` does. ``-c`` takes either.
"""

from cliff import columns
from osc_lib.command import command
from osc_lib import utils as osc_utils

MiB = 1024 * 1024


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
                                     mib(done), mib(total))
    return '%s MiB' % mib(done)


def mib(size):
    """Bytes as MiB with one decimal."""
    return '%.1f' % (size / MiB)


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
