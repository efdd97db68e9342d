"""Authentication strategies and the policy rules in code."""

import webtest

from ciming.api import app
from ciming import policies
from tests.unit.api import base


class KeystoneAuthTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.config(auth_strategy='keystone')
        app.make_app()  # registers the [keystone_authtoken] options
        # Without it a 401 could not name the Keystone to go to.
        self.config(www_authenticate_uri='http://keystone.example/v3',
                    group='keystone_authtoken')
        self.app = webtest.TestApp(app.make_app())

    def test_version_documents_are_public(self):
        self.assertEqual(200, self.app.get('/').status_int)
        self.assertEqual(200, self.app.get('/v1').status_int)
        self.assertEqual(200, self.app.get('/healthcheck').status_int)

    def test_resources_need_a_token(self):
        response = self.app.get('/v1/clouds', headers=base.ADMIN,
                                expect_errors=True)
        self.assertError(response, 401, 'unauthorized')
        self.assertIn('keystone.example',
                      response.headers['WWW-Authenticate'])


class NoAuthTestCase(base.APITestCase):

    def test_defaults_are_the_demo_member(self):
        response = self.app.post_json('/v1/clouds', {
            'name': 'c', 'type': 'local', 'options': {'path': 'c'}})
        self.assertEqual('demo', response.json['project_id'])


class PolicyRulesTestCase(base.APITestCase):

    def test_rules_are_documented_and_unique(self):
        rules = policies.list_rules()
        names = [rule.name for rule in rules]
        self.assertEqual(len(names), len(set(names)))
        for expected in ('ciming:cloud:create_shared', 'ciming:image:upload',
                         'ciming:image:sync', 'ciming:location:create',
                         'ciming:job:cancel', 'ciming:list_all_projects'):
            self.assertIn(expected, names)
        for rule in rules:
            self.assertTrue(rule.description)
            self.assertTrue(rule.operations)
