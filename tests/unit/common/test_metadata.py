"""Pending metadata and the comparison of copies."""

import testtools

from ciming.common import metadata


class ComposeTestCase(testtools.TestCase):

    def test_properties_merge_and_removals_stay(self):
        first = metadata.compose(None, {'properties': {'a': '1', 'b': '2'},
                                        'tags': ['x']}, ['c1'])
        second = metadata.compose(first, {'properties': {'b': None},
                                          'tags': ['y']}, ['c1', 'c2'])
        self.assertEqual({'properties': {'a': '1', 'b': None},
                          'tags': ['y'], 'clouds': ['c1', 'c2']}, second)

    def test_nothing_to_hold_is_none(self):
        self.assertIsNone(metadata.compose(None, {}, ['c1']))
        self.assertIsNone(metadata.compose(None, {'tags': []}, []))

    def test_reached_strikes_clouds_off(self):
        pending = metadata.compose(None, {'min_disk': 1}, ['c1', 'c2'])
        pending = metadata.reached(pending, 'c1')
        self.assertEqual(['c2'], pending['clouds'])
        self.assertIsNone(metadata.reached(pending, 'c2'))

    def test_reserved_keys(self):
        self.assertEqual(['ciming_image_id', 'id', 'os_glance_x', 'status'],
                         metadata.reserved_keys({
                             'id': 1, 'status': 1, 'ciming_image_id': 1,
                             'os_glance_x': 1, 'os_distro': 1}))


class DriftTestCase(testtools.TestCase):

    @staticmethod
    def _remote(**fields):
        remote = {'properties': {}, 'tags': [], 'visibility': 'private',
                  'protected': False, 'min_disk': 0, 'min_ram': 0}
        remote.update(fields)
        return remote

    def test_the_odd_copy_drifts(self):
        remotes = {'a': self._remote(properties={'k': '1'}),
                   'b': self._remote(properties={'k': '1'}),
                   'c': self._remote(properties={'k': '2'},
                                     tags=['t'])}
        self.assertEqual({'a': [], 'b': [], 'c': ['k', 'tags']},
                         metadata.drift(remotes))

    def test_a_tie_goes_to_the_oldest_copy(self):
        remotes = {'a': self._remote(min_disk=1), 'b': self._remote()}
        self.assertEqual({'a': [], 'b': ['min_disk']},
                         metadata.drift(remotes))

    def test_an_extra_property_drifts_and_is_removed(self):
        remotes = {'a': self._remote(), 'b': self._remote(),
                   'c': self._remote(properties={'extra': 'x'})}
        self.assertEqual(['extra'], metadata.drift(remotes)['c'])
        self.assertIsNone(metadata.restoring_change(
            remotes)['properties']['extra'])

    def test_glance_and_ciming_properties_are_not_compared(self):
        remotes = {'a': self._remote(properties={'ciming_image_id': 'x',
                                                 'os_glance_importing': 'y'}),
                   'b': self._remote()}
        self.assertEqual({'a': [], 'b': []}, metadata.drift(remotes))

    def test_pending_values_win(self):
        remotes = {'a': self._remote(), 'b': self._remote()}
        pending = {'visibility': 'shared', 'clouds': ['b']}
        self.assertEqual({'a': ['visibility'], 'b': ['visibility']},
                         metadata.drift(remotes, pending))

    def test_properties_read_from_the_image_are_not_compared(self):
        # An AMI's architecture is no metadata: the Glance copies lacking
        # it do not drift, nor does the AMI, and nothing removes it; where
        # the Glance copies hold it, the AMI is not called odd either.
        ami = self._remote(properties={'hw_architecture': 'x86_64',
                                       'os_distro': 'debian'},
                           fixed_properties=['hw_architecture'])
        remotes = {'a': self._remote(properties={'os_distro': 'debian'}),
                   'ami': ami}
        self.assertEqual({'a': [], 'ami': []}, metadata.drift(remotes))
        self.assertEqual({'properties': {'os_distro': 'debian'}},
                         {k: v for k, v in metadata.restoring_change(
                             remotes).items() if k == 'properties'})
        remotes = {'a': self._remote(properties={'hw_architecture': 'arm'}),
                   'b': self._remote(properties={'hw_architecture': 'arm'}),
                   'ami': self._remote(properties={'hw_architecture': 'x'},
                                       fixed_properties=['hw_architecture'])}
        self.assertEqual({'a': [], 'b': [], 'ami': []},
                         metadata.drift(remotes))

    def test_a_field_a_cloud_does_not_know_is_not_compared(self):
        remotes = {'a': self._remote(protected=None), 'b': self._remote(
            protected=True), 'c': self._remote(protected=True)}
        self.assertEqual([], metadata.drift(remotes)['a'])
