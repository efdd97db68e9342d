"""The URL import policy: what is refused before any request is made."""

import socket

import fixtures

from ciming.common import exception
from ciming.common import url_filter
from tests.unit import base


def _resolving_to(*addresses):
    """A getaddrinfo that answers ``addresses`` for any name."""
    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET6 if ':' in a else socket.AF_INET,
                 socket.SOCK_STREAM, 6, '', (a, port)) for a in addresses]
    return getaddrinfo


class URLFilterTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.getaddrinfo = self.useFixture(fixtures.MockPatch(
            'socket.getaddrinfo',
            side_effect=_resolving_to('93.184.216.34'))).mock

    def refused(self, url, reason=None):
        exc = self.assertRaises(exception.URLNotAllowed,
                                url_filter.check_url, url)
        self.assertEqual(400, exc.status)
        if reason:
            self.assertIn(reason, exc.message)
        return exc

    def test_a_public_https_url_is_allowed(self):
        target = url_filter.check_url(
            'https://images.example.org/a/b.img?x=1')
        self.assertEqual('https', target.scheme)
        self.assertEqual('images.example.org', target.host)
        self.assertEqual(443, target.port)
        self.assertEqual(['93.184.216.34'], target.addresses)
        self.assertEqual('/a/b.img?x=1', target.request_path)
        self.assertEqual('images.example.org', target.host_header)

    def test_a_public_ip_literal_is_allowed_without_resolving(self):
        target = url_filter.check_url('http://93.184.216.34/x')
        self.assertEqual(['93.184.216.34'], target.addresses)
        self.getaddrinfo.assert_not_called()

    def test_other_schemes_are_refused(self):
        for url in ('ftp://example.org/x', 'file:///etc/passwd',
                    'gopher://example.org/', 'data:,hello',
                    '//example.org/x', 'example.org/x'):
            self.refused(url, 'scheme')

    def test_a_disallowed_scheme_is_refused(self):
        self.config(disallowed_schemes=['http'], group='url_import')
        self.refused('http://example.org/x', 'scheme')
        url_filter.check_url('https://example.org/x')

    def test_private_and_special_addresses_are_refused(self):
        for url, label in (
                ('http://127.0.0.1/', 'loopback'),
                ('http://127.9.9.9/', 'loopback'),
                ('http://[::1]/', 'loopback'),
                ('http://0.0.0.0/', 'unspecified'),
                ('http://[::]/', 'unspecified'),
                ('http://10.1.2.3/', 'private'),
                ('http://172.16.0.1/', 'private'),
                ('http://192.168.1.1/', 'private'),
                ('http://169.254.169.254/latest/meta-data', 'link-local'),
                ('http://[fe80::1]/', 'link-local'),
                ('http://[fc00::1]/', 'private'),
                ('http://224.0.0.1/', 'multicast'),
                ('http://[ff02::1]/', 'multicast'),
                ('http://240.0.0.1/', 'private'),
                ('http://100.64.0.1/', 'not global'),
                ('http://[::ffff:127.0.0.1]/', 'loopback'),
                ('http://[::ffff:7f00:1]/', 'loopback'),
                ('http://[::ffff:169.254.169.254]/', 'link-local'),
                ('http://[64:ff9b::7f00:1]/', 'loopback'),
                ('http://[2002:7f00:1::]/', 'loopback'),
                ('http://[2001:db8::1]/', 'private')):
            self.refused(url, label)

    def test_numeric_hosts_that_are_not_dotted_quads_are_refused(self):
        for url in ('http://0x7f.1/', 'http://0x7f000001/',
                    'http://2130706433/', 'http://127.1/',
                    'http://0177.0.0.1/', 'http://017700000001/',
                    'http://1.2.3.4.5/'):
            self.refused(url, 'numeric host')
        self.getaddrinfo.assert_not_called()

    def test_a_name_resolving_to_loopback_is_refused(self):
        self.getaddrinfo.side_effect = _resolving_to('127.0.0.1')
        self.refused('http://localtest.me/x', 'loopback')

    def test_one_bad_address_among_several_refuses_the_name(self):
        self.getaddrinfo.side_effect = _resolving_to('93.184.216.34',
                                                     '10.0.0.1')
        self.refused('http://example.org/x', 'private')

    def test_a_name_that_does_not_resolve_is_refused(self):
        self.getaddrinfo.side_effect = socket.gaierror(-2, 'unknown')
        self.refused('http://nowhere.invalid/', 'cannot be resolved')

    def test_allowed_networks_let_private_addresses_in(self):
        self.config(allowed_networks=['127.0.0.0/8', 'fd00::/8'],
                    allowed_ports=[], group='url_import')
        url_filter.check_url('http://127.0.0.1:8080/x')
        url_filter.check_url('http://[fd00::5]/x')
        url_filter.check_url('http://[::ffff:127.0.0.1]/x')
        self.refused('http://10.0.0.1/', 'private')
        self.refused('http://[::1]/', 'loopback')

    def test_a_malformed_allowed_network_refuses_everything_clearly(self):
        self.config(allowed_networks=['not-a-network'], group='url_import')
        self.refused('http://example.org/', 'misconfigured')

    def test_ports_follow_allowed_and_disallowed_ports(self):
        self.refused('http://example.org:8080/', 'port 8080')
        self.refused('https://example.org:22/', 'port 22')
        url_filter.check_url('http://example.org:443/')
        self.config(allowed_ports=[8080], disallowed_ports=[443],
                    group='url_import')
        url_filter.check_url('http://example.org:8080/')
        self.refused('https://example.org/', 'port 443')

    def test_odd_ports_are_refused(self):
        self.config(allowed_ports=[], group='url_import')
        for url in ('http://example.org:0/', 'http://example.org:65536/',
                    'http://example.org:99999999/', 'http://example.org:-1/',
                    'http://example.org:+80/', 'http://example.org:8a/',
                    'http://example.org:/', 'http://[::1:80/'):
            self.refused(url)

    def test_hosts_follow_allowed_and_disallowed_hosts(self):
        self.config(disallowed_hosts=['Bad.Example.org', '93.184.216.35'],
                    group='url_import')
        self.refused('http://bad.example.org./x', 'host')
        self.refused('http://93.184.216.35/x', 'host')
        self.getaddrinfo.side_effect = _resolving_to('93.184.216.35')
        self.refused('http://other.example.org/x', 'resolves')
        self.getaddrinfo.side_effect = _resolving_to('93.184.216.34')
        self.config(allowed_hosts=['good.example.org'], group='url_import')
        url_filter.check_url('http://good.example.org/x')
        self.refused('http://other.example.org/x', 'host')

    def test_allowed_hosts_do_not_allow_private_addresses(self):
        self.config(allowed_hosts=['127.0.0.1'], group='url_import')
        self.refused('http://127.0.0.1/', 'loopback')

    def test_user_information_is_refused(self):
        for url in ('http://user:pass@example.org/',
                    'http://user@example.org/',
                    'http://example.org@127.0.0.1/',
                    'http://@example.org/'):
            self.refused(url, 'user information')

    def test_hostile_strings_are_refused_without_a_traceback(self):
        for url in ('http://exa\x00mple.org/', 'http://example.org/\ud800',
                    'http://example.org/\u00e9', 'http://example.org/ x',
                    'http://example.org\\@127.0.0.1/', 'http://ex\tample/',
                    'http://example.org/\n', '', 'http://',
                    'http:///x', 'http://[::1%25eth0]/',
                    'http://[not-an-ip]/', 'http://[::1]x/'):
            self.refused(url)
        for value in (None, 42, ['http://example.org/'], b'http://x/'):
            self.refused(value)

    def test_an_oversize_url_is_refused(self):
        self.refused('http://example.org/' + 'a' * 3000, 'longer than')

    def test_a_non_default_port_goes_into_the_host_header(self):
        self.config(allowed_ports=[], allowed_networks=['::1/128'],
                    group='url_import')
        target = url_filter.check_url('http://[::1]:8080/a')
        self.assertEqual('[::1]:8080', target.host_header)
        self.assertEqual(['::1'], target.addresses)

    def test_the_host_is_not_resolved_when_not_asked(self):
        target = url_filter.check_url('http://example.org/x', resolve=False)
        self.assertEqual([], target.addresses)
        self.getaddrinfo.assert_not_called()

    def test_file_name_is_the_last_path_segment_decoded(self):
        self.assertEqual('a b.img', url_filter.file_name(
            'http://example.org/dir/a%20b.img?x=y'))
        self.assertEqual('', url_filter.file_name('http://example.org/d/'))
