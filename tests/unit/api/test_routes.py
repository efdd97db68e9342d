"""ciming.api.routes: which calls the API documents."""

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
