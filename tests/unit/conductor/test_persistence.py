"""TaskFlow persistence: one connection object, the flows saved as before."""

import os
import threading

import fixtures
from taskflow.persistence import models as tf_models

from ciming.conductor import persistence
from tests.unit import base


class SharedConnectionBackendTest(base.TestCase):

    def setUp(self):
        super().setUp()
        directory = self.useFixture(fixtures.TempDir()).path
        self.path = os.path.join(directory, 'taskflow.sqlite')
        self.backend = persistence.SharedConnectionBackend(
            {'connection': 'sqlite:///%s' % self.path})
        self.addCleanup(self.backend.close)
        self.backend.get_connection().upgrade()

    def test_one_connection_object(self):
        first = self.backend.get_connection()
        first.close()  # TaskFlow closes each one it asked for
        self.assertIs(first, self.backend.get_connection())

    def test_one_connection_object_across_threads(self):
        seen = []
        threads = [threading.Thread(
            target=lambda: seen.append(self.backend.get_connection()))
            for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(1, len({id(c) for c in seen}))

    def test_saves_and_loads_as_taskflow_does(self):
        book = tf_models.LogBook('job', uuid='book-1')
        flow = tf_models.FlowDetail('job', uuid='flow-1')
        book.add(flow)
        self.backend.get_connection().save_logbook(book)
        atom = tf_models.TaskDetail('transfer', 'atom-1')
        flow.add(atom)
        self.backend.get_connection().update_flow_details(flow)
        for state in ('RUNNING', 'SUCCESS'):
            atom.state = state
            self.backend.get_connection().update_atom_details(atom)

        loaded = self.backend.get_connection().get_logbook('book-1')
        [atom] = list(loaded.find('flow-1'))
        self.assertEqual('SUCCESS', atom.state)

    def test_close_forgets_the_connection(self):
        first = self.backend.get_connection()
        self.backend.close()
        self.assertIsNot(first, self.backend.get_connection())


class PersistenceBackendTest(base.TestCase):

    def test_the_process_backend_shares_its_connection(self):
        backend = persistence.persistence_backend()
        self.assertIsInstance(backend, persistence.SharedConnectionBackend)
        self.assertIs(backend.get_connection(), backend.get_connection())

    def test_url_query_is_read_as_taskflow_reads_it(self):
        directory = self.useFixture(fixtures.TempDir()).path
        backend = persistence.make_backend(
            'sqlite:///%s/taskflow.sqlite?max_retries=3' % directory)
        self.addCleanup(backend.close)
        self.assertEqual(3, backend._max_retries)
        self.assertIs(backend.get_connection(), backend.get_connection())
