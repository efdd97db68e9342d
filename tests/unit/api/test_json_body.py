"""ciming.api.json_body: what JSON from a client may hold."""

import json

from ciming.api import json_body
from ciming.common import exception
from tests.unit import base


class LoadsTestCase(base.TestCase):

    def assertRefused(self, raw, what='body'):
        error = self.assertRaises(exception.MalformedBody, json_body.loads,
                                  raw, what)
        self.assertLess(len(error.message), 300)
        return error

    def test_plain_document_is_returned(self):
        self.assertEqual({'a': ['b', 1, 2.5, None, True]},
                         json_body.loads(b'{"a": ["b", 1, 2.5, null, true]}'))

    def test_newlines_and_unicode_are_kept(self):
        self.assertEqual({'k': 'line\nline \u00e9 \U0001F600'},
                         json_body.loads(json.dumps(
                             {'k': 'line\nline \u00e9 \U0001F600'})))

    def test_nesting_to_the_limit_is_accepted(self):
        raw = '[' * json_body.MAX_DEPTH + ']' * json_body.MAX_DEPTH
        self.assertIsInstance(json_body.loads(raw), list)

    def test_nesting_past_the_limit_is_refused(self):
        depth = json_body.MAX_DEPTH + 1
        error = self.assertRefused('{"a":' * depth + '1' + '}' * depth)
        self.assertIn('nested deeper than', error.message)

    def test_recursion_deep_nesting_is_refused(self):
        self.assertRefused('[' * 100000 + ']' * 100000)
        self.assertRefused('{"a":' * 100000)

    def test_nul_is_refused_in_values_and_keys(self):
        self.assertRefused(b'{"k": "a\\u0000b"}')
        self.assertRefused(b'{"a\\u0000": 1}')
        self.assertRefused(b'["\\u0000"]')

    def test_lone_surrogates_are_refused(self):
        self.assertRefused(b'{"k": "\\ud800"}')
        self.assertRefused(b'{"\\udfff": 1}')

    def test_surrogate_pairs_are_characters(self):
        self.assertEqual({'k': '\U0001F600'},
                         json_body.loads(b'{"k": "\\ud83d\\ude00"}'))

    def test_not_utf8_is_refused(self):
        self.assertRefused(b'{"k": "\xff"}')
        self.assertRefused('{"k": 1}'.encode('utf-16'))

    def test_constants_and_infinite_numbers_are_refused(self):
        self.assertRefused(b'{"k": NaN}')
        self.assertRefused(b'{"k": -Infinity}')
        self.assertRefused(b'{"k": 1e999}')

    def test_syntax_errors_do_not_quote_the_body(self):
        error = self.assertRefused(b'{"secret": "canary-value"')
        self.assertNotIn('canary', error.message)

    def test_what_names_the_source(self):
        error = self.assertRefused(b'["\\u0000"]', what='header')
        self.assertIn('header', error.message)
