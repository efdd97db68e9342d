"""The state rules every part of CIMinG shares (ciming.common.states)."""

import testtools

from ciming.common import states

A, C, M = states.LOC_ACTIVE, states.LOC_COPYING, states.LOC_MISSING


class ImageStatusTest(testtools.TestCase):

    def test_active_everywhere(self):
        self.assertEqual(states.IMAGE_ACTIVE,
                         states.image_status([A, A], staged=True))

    def test_active_somewhere(self):
        self.assertEqual(states.IMAGE_PARTIAL,
                         states.image_status([A, M], staged=False))

    def test_nowhere_and_not_staged_waits_for_an_upload(self):
        for locations in ([], [M], [C, M]):
            self.assertEqual(states.IMAGE_QUEUED,
                             states.image_status(locations, staged=False))

    def test_only_staged(self):
        self.assertEqual(states.IMAGE_ERROR,
                         states.image_status([M], staged=True))
        self.assertEqual(states.IMAGE_PARTIAL,
                         states.image_status([M], staged=True, tried=False))


class JobOutcomeTest(testtools.TestCase):

    def test_outcomes(self):
        done, failed = states.TARGET_ACTIVE, states.TARGET_FAILED
        self.assertEqual(states.JOB_SUCCEEDED, states.job_outcome(
            [done, states.TARGET_LINKED]))
        self.assertEqual(states.JOB_PARTIAL,
                         states.job_outcome([done, failed]))
        self.assertEqual(states.JOB_FAILED, states.job_outcome([failed]))


class TransitionsTest(testtools.TestCase):

    def test_every_state_has_its_moves(self):
        self.assertEqual(
            {states.IMAGE_QUEUED, states.IMAGE_UPLOADING,
             states.IMAGE_IMPORTING, states.IMAGE_ACTIVE,
             states.IMAGE_PARTIAL, states.IMAGE_ERROR},
            set(states.IMAGE_TRANSITIONS))
        self.assertEqual(set(states.JOB_ACTIVE_STATES
                             + states.JOB_FINAL_STATES),
                         set(states.JOB_TRANSITIONS))

    def test_a_final_job_never_moves(self):
        for state in states.JOB_FINAL_STATES:
            self.assertEqual((), states.JOB_TRANSITIONS[state])

    def test_moves_lead_to_known_states(self):
        for table in (states.IMAGE_TRANSITIONS, states.JOB_TRANSITIONS):
            for moves in table.values():
                self.assertLessEqual(set(moves), set(table))

    def test_a_sync_starts_from_a_resting_image(self):
        self.assertEqual(
            set(states.IMAGE_RESTING_STATES) | {states.IMAGE_UPLOADING},
            set(states.image_states_leading_to(states.IMAGE_IMPORTING)))
        self.assertEqual([states.JOB_AWAITING_CREDENTIALS],
                         states.job_states_leading_to(states.JOB_PENDING))
