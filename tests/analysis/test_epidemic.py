#!/usr/bin/env python3
"""Unit tests of analysis/epidemic.py against known properties of push gossip and SWIM.

    /usr/bin/python3 -B tests/analysis/test_epidemic.py
"""

import math
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "analysis"))
import epidemic  # noqa: E402


class PushGossip(unittest.TestCase):
    def test_fractions_start_at_one_member_rise_monotonically_and_stay_at_most_one(self):
        for form in epidemic.FORMS:
            for members, fanout, loss in ((12, 3, 0.0), (100, 3, 0.3), (1000, 4, 0.1),
                                          (5, 1, 0.9)):
                fractions = epidemic.informed_fractions(members, fanout, loss, 200, form=form)
                self.assertEqual(len(fractions), 201)
                self.assertAlmostEqual(fractions[0], 1 / members)
                for before, after in zip(fractions, fractions[1:]):
                    self.assertGreaterEqual(after, before, (form, members, fanout, loss))
                    self.assertLessEqual(after, 1.0)
                self.assertGreater(fractions[-1], 1 - 1e-3, (form, members, fanout, loss))

    def test_first_round_adds_f_times_one_minus_p_members(self):
        # One sender, f distinct targets among N - 1, each arriving with 1 - p: exactly
        # 1 + f (1 - p) informed members expected after round 1.
        for members, fanout, loss in ((12, 3, 0.0), (100, 3, 0.3), (1000, 4, 0.5)):
            fractions = epidemic.informed_fractions(members, fanout, loss, 1)
            self.assertAlmostEqual(fractions[1] * members, 1 + fanout * (1 - loss), places=9)

    def test_reaches_one_minus_n_to_the_minus_c_within_order_log_n_rounds(self):
        # Growth can be at most a factor 1 + f per round: at least log_{1+f} N rounds. The tail
        # shrinks by exp(-f) per round: at most about c ln N / f rounds more.
        fanout = 3
        for exponent in range(2, 7):
            members = 10 ** exponent
            for c in (1, 2):
                rounds = epidemic.rounds_to_reach(members, fanout, 0.0, 1 - members ** -c)
                growth = math.log(members) / math.log(1 + fanout)
                self.assertGreaterEqual(rounds, growth, (members, c))
                self.assertLessEqual(rounds, growth + c * math.log(members) / fanout + 2,
                                     (members, c))

    def test_loss_slows_it_between_the_growth_and_the_tail_factor(self):
        # Early: 1 + f(1 - p) per round instead of 1 + f; late: exp(-f(1 - p)) instead of
        # exp(-f). The rounds to reach 1 - 1/N scale by a factor between the two (+- a round
        # of rounding).
        members, fanout = 10 ** 6, 3
        clean = epidemic.rounds_to_reach(members, fanout, 0.0, 1 - 1 / members)
        for loss in (0.1, 0.3, 0.5):
            lossy = epidemic.rounds_to_reach(members, fanout, loss, 1 - 1 / members)
            growth = math.log(1 + fanout) / math.log(1 + fanout * (1 - loss))
            tail = 1 / (1 - loss)
            self.assertGreater(lossy, clean)
            self.assertGreaterEqual(lossy, growth * clean - 1, loss)
            self.assertLessEqual(lossy, tail * clean + 1, loss)

    def test_the_three_forms_agree_for_large_n_and_mean_field_is_slower_for_small_n(self):
        large = {form: epidemic.informed_fractions(10 ** 6, 3, 0.2, 25, form=form)
                 for form in epidemic.FORMS}
        for r in range(26):
            self.assertAlmostEqual(large["distinct"][r], large["mean-field"][r], delta=1e-4)
            self.assertAlmostEqual(large["independent"][r], large["mean-field"][r], delta=1e-4)
        small = {form: epidemic.informed_fractions(12, 3, 0.0, 3, form=form)
                 for form in epidemic.FORMS}
        self.assertLess(small["mean-field"][2], small["independent"][2])
        self.assertLess(small["independent"][2], small["distinct"][2])

    def test_a_limited_epidemic_stops_at_the_sir_final_size(self):
        # Pushing for only R rounds with fanout f and loss p: each member reaches f R (1 - p)
        # others, and the final fraction z solves z = 1 - exp(-f R (1 - p) z).
        for fanout, active, loss in ((3, 1, 0.3), (1, 2, 0.2), (2, 1, 0.0)):
            r0 = fanout * active * (1 - loss)
            z = 0.5
            for _ in range(500):
                z = 1 - math.exp(-r0 * z)
            final = epidemic.informed_fractions(10 ** 5, fanout, loss, 500,
                                                active_rounds=active)[-1]
            self.assertAlmostEqual(final, z, delta=2e-3, msg=(fanout, active, loss))
        self.assertIsNone(epidemic.rounds_to_reach(10 ** 5, 3, 0.3, 0.9, active_rounds=1))
        more = [epidemic.informed_fractions(1000, 1, 0.3, 300, active_rounds=a)[-1]
                for a in (1, 2, 4, 8)]
        self.assertEqual(more, sorted(more))

    def test_the_first_round_can_have_its_own_fanout(self):
        plain = epidemic.informed_fractions(100, 3, 0.0, 4)
        leave = epidemic.informed_fractions(100, 3, 0.0, 4, first_round_fanout=6)
        self.assertAlmostEqual(leave[1] * 100, 7.0)
        self.assertTrue(all(b > a for a, b in zip(plain[1:], leave[1:])))

    def test_bad_arguments_are_refused(self):
        for arguments, options in (((1, 3, 0.0, 5), {}), ((10, 3, 1.0, 5), {}),
                                   ((10, 3, -0.1, 5), {}), ((10, 3, 0.0, 5), {"form": "x"}),
                                   ((10, 3, 0.0, 5), {"active_rounds": 0}),
                                   ((10, 3, 0.0, 5), {"initial": 0})):
            with self.assertRaises(ValueError, msg=(arguments, options)):
                epidemic.informed_fractions(*arguments, **options)


class RoundsToSeconds(unittest.TestCase):
    def test_wait_to_the_next_tick_of_a_timer_started_at_zero(self):
        self.assertEqual(epidemic.first_round_wait(5.0, 0.2), 0.0)  # 25 ticks: on the grid
        self.assertEqual(epidemic.first_round_wait(15.0, 5.0), 0.0)
        self.assertAlmostEqual(epidemic.first_round_wait(5.05, 0.2), 0.15)
        self.assertAlmostEqual(epidemic.first_round_wait(15.3, 1.0), 0.7)
        with self.assertRaises(ValueError):
            epidemic.first_round_wait(1.0, 0.0)

    def test_round_r_leaves_at_wait_plus_r_minus_one_intervals(self):
        self.assertEqual(epidemic.round_times(3, 0.2, 0.0), [0.0, 0.0, 0.2, 0.4])
        times = epidemic.round_times(2, 0.5, 0.1)
        self.assertEqual(times[:2], [0.0, 0.1])
        self.assertAlmostEqual(times[2], 0.6)


class Swim(unittest.TestCase):
    def test_expected_periods_to_the_first_probe_tend_to_e_over_e_minus_one(self):
        self.assertAlmostEqual(epidemic.swim_expected_periods(), 1.582, places=3)
        self.assertAlmostEqual(epidemic.SWIM_PERIODS_LIMIT, math.e / (math.e - 1))
        self.assertAlmostEqual(epidemic.swim_first_probe_probability(10 ** 7), 1 - 1 / math.e,
                               places=6)
        # Two members: the other one probes it every period.
        self.assertEqual(epidemic.swim_expected_periods(2), 1.0)
        # (1 - 1/n)^n grows towards 1/e, so q falls towards 1 - 1/e and 1/q rises to the limit.
        values = [epidemic.swim_expected_periods(m) for m in (2, 3, 12, 100, 1000, 10 ** 5)]
        self.assertEqual(values, sorted(values))
        self.assertLess(values[-1], epidemic.SWIM_PERIODS_LIMIT)
        self.assertAlmostEqual(values[-1], epidemic.SWIM_PERIODS_LIMIT, places=4)
        with self.assertRaises(ValueError):
            epidemic.swim_first_probe_probability(1)

    def test_expected_first_detection_adds_the_wait_to_the_period_boundary(self):
        limit = epidemic.swim_expected_periods(1000)
        self.assertAlmostEqual(epidemic.expected_first_detection_s(1000, 1.0, 15.0), limit)
        self.assertAlmostEqual(epidemic.expected_first_detection_s(1000, 5.0, 15.0), 5 * limit)
        self.assertAlmostEqual(epidemic.expected_first_detection_s(1000, 1.0, 15.25),
                               0.75 + limit)

    def test_retransmit_limit_is_lambda_ceil_log10_n_plus_one(self):
        self.assertEqual(epidemic.retransmit_limit(12), 8)
        self.assertEqual(epidemic.retransmit_limit(99), 8)
        self.assertEqual(epidemic.retransmit_limit(100), 12)
        self.assertEqual(epidemic.retransmit_limit(1000, 3), 12)
        self.assertEqual(epidemic.retransmit_limit(0), 4)


if __name__ == "__main__":
    unittest.main()
