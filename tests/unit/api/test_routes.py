"""ciming.api.routes: which calls the API documents."""

import os
import re

from ciming.api import routes
from tests.unit import base


def methods(path):
    return sorted(routes.match(tuple(path.strip('/').split('/'))
                               if path != '/' else ()))


class MatchTestCase(base.TestCase):

    def test_collection_takes_no_delete_or_patch(self):
        self.assertEqual(['GET', 'POST'], methods('/v1/clouds'))
        self.assertEqual(['GET', 'POST'], methods('/v1/images'))
        self.assertEqual(['GET'], methods('/v1/jobs'))

    def test_resource_by_id(self):
        self.assertEqual(['DELETE', 'GET', 'PATCH'],
                         methods('/v1/images/some-id'))

    def test_literal_segment_wins_over_an_id(self):
        self.assertEqual(['POST'], methods('/v1/images/adopt'))

    def test_action_without_its_id_is_an_id(self):
        self.assertEqual(['GET'], methods('/v1/jobs/cancel'))

    def test_unknown_paths_match_nothing(self):
        self.assertEqual([], methods('/v1/jobs/x/cancel/now'))
        self.assertEqual([], methods('/v2'))
        self.assertEqual([], methods('/v1/images//sync'))

    def test_upload_takes_octets(self):
        route = routes.match(('v1', 'images', 'x', 'file'))['PUT']
        self.assertEqual(routes.OCTETS, route.body)

    def test_every_json_route_is_a_write(self):
        for route in routes.ROUTES:
            if route.body == routes.JSON:
                self.assertIn(route.method, ('POST', 'PATCH'), route)
            if route.method in ('GET', 'DELETE', 'HEAD'):
                self.assertIsNone(route.body, route)


class DocumentedRoutesTestCase(base.TestCase):
    """ROUTES and the API reference list the same calls."""

    # Served by oslo.middleware, not part of the API reference.
    OPERATIONS = {('GET', '/healthcheck'), ('HEAD', '/healthcheck')}

    @staticmethod
    def _shape(path):
        return re.sub(r'\{[^}]*\}', '{}', path)

    def test_routes_are_the_documented_calls(self):
        root = os.path.join(os.path.dirname(__file__), '..', '..', '..',
                            'api-ref', 'source')
        documented = set()
        for name in os.listdir(root):
            if name.endswith('.inc'):
                with open(os.path.join(root, name)) as inc:
                    for method, path in re.findall(
                            r'^\.\. rest_method:: (\S+) (\S+)$', inc.read(),
                            re.M):
                        documented.add((method, self._shape(path)))
        routed = {(r.method, self._shape(r.path)) for r in routes.ROUTES}
        self.assertEqual(set(), documented - routed)
        self.assertEqual(self.OPERATIONS,
                         routed - documented)
