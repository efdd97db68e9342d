"""How the commands print: API names for machines, labels for people."""

import argparse
import io
import json

from osc_lib.cli import format_columns
import testtools

from ciming.client import exceptions
from ciming.osc import formatting
from ciming.osc import image_metadata
from ciming.osc import images
from ciming.osc import waiting


class _FakeApp:

    def __init__(self):
        self.stdout = io.StringIO()
        self.stderr = io.StringIO()


class _Show(formatting.ShowOne):

    document = None

    def take_action(self, parsed_args):
        return images.show_image(self.document)


IMAGE = {
    'id': 'c0ffee00-0000-4000-8000-000000000001', 'name': 'debian',
    'status': 'active', 'os_hash_value': 'ab' * 64, 'size': 3 * 1024 ** 3,
    'locations': [{'cloud_name': 'dev-a', 'status': 'active'},
                  {'cloud_name': 'dev-b', 'status': 'copying'}],
    'pending_metadata': {'properties': {'os_distro': 'debian'},
                         'tags': ['lts', 'x86'], 'clouds': ['c1']},
    'links': [{'href': 'http://x/v1/images/c0ffee', 'rel': 'self'}],
    'deprecated': False,
}


class FieldsOutputTest(testtools.TestCase):

    def run_show(self, *argv):
        command = _Show(_FakeApp(), None)
        command.document = IMAGE
        parser = command.get_parser('ciming image show')
        parsed_args = parser.parse_args(list(argv))
        command.run(parsed_args)
        return command.app.stdout.getvalue()

    def test_json_keys_are_the_api_field_names(self):
        shown = json.loads(self.run_show('-f', 'json'))
        self.assertEqual(set(IMAGE), set(shown))
        self.assertEqual(IMAGE['locations'], shown['locations'])
        self.assertEqual(IMAGE['pending_metadata'],
                         shown['pending_metadata'])

    def test_yaml_keys_are_the_api_field_names(self):
        out = self.run_show('-f', 'yaml')
        self.assertIn('os_hash_value: ', out)
        self.assertNotIn('OS Hash Value', out)

    def test_table_keeps_human_labels(self):
        out = self.run_show('-f', 'table')
        self.assertIn('| OS Hash Value ', out)
        self.assertIn('| Locations ', out)
        self.assertIn('dev-a=active, dev-b=copying', out)

    def test_value_prints_structured_values_readably(self):
        out = self.run_show('-f', 'value', '-c', 'locations', '-c',
                            'links', '-c', 'pending_metadata')
        self.assertEqual(
            ["clouds='c1', properties='os_distro='debian'', "
             "tags='lts, x86'",
             'dev-a=active, dev-b=copying',
             "href='http://x/v1/images/c0ffee', rel='self'"],
            out.splitlines())
        self.assertNotIn("{'", out)
        self.assertNotIn("[{", out)

    def test_columns_by_label_or_by_field_name(self):
        by_label = self.run_show('-f', 'value', '-c', 'OS Hash Value')
        by_name = self.run_show('-f', 'value', '-c', 'os_hash_value')
        self.assertEqual(by_label, by_name)
        self.assertEqual('ab' * 64, by_name.strip())
        self.assertEqual({'os_hash_value': 'ab' * 64}, json.loads(
            self.run_show('-f', 'json', '-c', 'OS Hash Value')))

    def test_labels_of_field_names(self):
        self.assertEqual('OS Hash Value', formatting.label_of('os_hash_value'))
        self.assertEqual('Project ID', formatting.label_of('project_id'))

    def test_size_column_is_human_in_text_and_bytes_in_json(self):
        column = formatting.SizeColumn(3 * 1024 ** 3)
        # osc-lib's format_size, as openstack image list --human-readable.
        self.assertEqual('3.2G', column.human_readable())
        self.assertEqual(3 * 1024 ** 3, column.machine_readable())
        self.assertEqual('', formatting.SizeColumn(None).human_readable())

    def test_tags_print_as_a_list(self):
        self.assertEqual('lts, x86', format_columns.ListColumn(
            ['lts', 'x86']).human_readable())


class _TTY(io.StringIO):

    def isatty(self):
        return True


def _job(state, done):
    return {'id': 'feedbeef-0000', 'state': state, 'targets': [
        {'cloud_name': 'dev-a', 'state': state, 'bytes_done': done,
         'bytes_total': 4}]}


class JobStatusLineTest(testtools.TestCase):

    def test_on_a_terminal_one_line_is_rewritten_in_place(self):
        stream = _TTY()
        status = waiting.JobStatusLine(stream)
        status(_job('running', 1))
        status(_job('running', 1))
        status(_job('succeeded', 4))
        status.close()
        text = stream.getvalue()
        self.assertEqual(1, text.count('\n'))
        self.assertTrue(text.endswith('\n'))
        self.assertEqual(2, text.count('\r'))
        self.assertIn('succeeded: dev-a succeeded 100%', text)

    def test_elsewhere_one_line_at_the_end(self):
        stream = io.StringIO()
        status = waiting.JobStatusLine(stream)
        status(_job('running', 1))
        status(_job('succeeded', 4))
        status.close()
        self.assertEqual(
            ['feedbeef succeeded: dev-a succeeded 100% (0.0/0.0 MiB)'],
            stream.getvalue().splitlines())


class _WaitingClient:

    def __init__(self, error=None, final=None):
        self.error = error
        self.final = final

    def wait_for_job(self, job_id, timeout=None, callback=None,
                     interval=1.0):
        callback(_job('running', 1))
        if self.error:
            raise self.error
        return self.final


class WaitForJobTest(testtools.TestCase):

    def test_timeout_names_the_job_and_the_image(self):
        client = _WaitingClient(error=exceptions.JobTimeout(
            'late', job=_job('running', 1)))
        stream = io.StringIO()
        exc = self.assertRaises(
            waiting.WaitFailed, waiting.wait_for_job, client,
            {'id': 'feedbeef-0000'}, timeout=1, stream=stream,
            image_id='c0ffee')
        self.assertIn('Timed out after 1s waiting for job feedbeef-0000 '
                      'of image c0ffee (still running)', str(exc))
        # The last state seen was still written, once.
        self.assertEqual(1, len(stream.getvalue().splitlines()))

    def test_a_failed_job_fails_with_its_errors(self):
        final = dict(_job('partial', 1), error=None)
        final['targets'][0]['error'] = 'disk full'
        exc = self.assertRaises(
            waiting.WaitFailed, waiting.wait_for_job,
            _WaitingClient(final=final), {'id': 'feedbeef-0000'},
            stream=io.StringIO())
        self.assertIn('ended partial: dev-a: disk full', str(exc))


class MetadataOptionsTest(testtools.TestCase):

    def parse(self, *argv):
        parser = argparse.ArgumentParser()
        image_metadata.add_metadata_options(parser, creating=True)
        return image_metadata.metadata_fields(parser.parse_args(list(argv)))

    def test_every_option_maps_to_its_api_field(self):
        self.assertEqual(
            {'properties': {'os_distro': 'debian', 'hw_disk_bus': 'scsi'},
             'tags': ['a', 'b'], 'min_disk': 2, 'min_ram': 512,
             'visibility': 'shared', 'protected': True},
            self.parse('--property', 'os_distro=debian', '--property',
                       'hw_disk_bus=scsi', '--tag', 'a', '--tag', 'b',
                       '--min-disk', '2', '--min-ram', '512', '--shared',
                       '--protected'))

    def test_nothing_given_is_nothing_sent(self):
        self.assertEqual({'properties': None, 'tags': None,
                          'min_disk': None, 'min_ram': None,
                          'visibility': None, 'protected': None},
                         self.parse())

    def test_unprotected_is_false_not_missing(self):
        self.assertIs(False, self.parse('--unprotected')['protected'])

    def test_one_visibility_only(self):
        self.assertRaises(SystemExit, self.parse, '--public', '--private')
        for visibility in image_metadata.VISIBILITIES:
            self.assertEqual(visibility, self.parse(
                '--' + visibility)['visibility'])
