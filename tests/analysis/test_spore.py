#!/usr/bin/env python3
"""Unit tests of analysis/spore.py on hand-made spore runs: settings, the dissemination curves
and their model, the detection and traffic tables, the conclusions.

    /usr/bin/python3 -B tests/analysis/test_spore.py
"""

import math
import os
import sys
import unittest

import numpy

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "analysis"))
import epidemic  # noqa: E402
import plot  # noqa: E402
import spore  # noqa: E402

CONFIG = """# scenario s, run r
members: {members}
profile: lan
membership:
  probeIntervalMs: 1000
  probeTimeoutMs: 500
  suspicionMultiplier: 4
  pushPullIntervalS: 30
"""

DT = 0.1
SAMPLES = 100  # 0.1 .. 10 s


def run(members=100, loss=0.0, seed=1, profile="lan", config=None, known=None, events=None,
        summary=None):
    """A spore run like the simulator writes: samples every DT from DT; every event's fraction
    a step from 0 to 1 one second after it unless `known` says otherwise."""
    time_s = numpy.arange(1, SAMPLES + 1) * DT
    events = events if events is not None else [("registration", 2.0), ("leave", 4.0),
                                                ("crash", 6.0)]
    series = {}
    for event in spore.EVENTS:
        at = dict(events).get(event, math.inf)
        values = (known or {}).get(event)
        if values is None:
            values = numpy.where(time_s < at + 1.0 - 1e-9, 0.0, 1.0)
        values = numpy.where(time_s < at - 1e-9, numpy.nan, values)
        series[spore.SERIES[event]] = {"unit": "ratio", "values": numpy.asarray(values, float)}
    live = numpy.full(SAMPLES, float(members))
    live[time_s >= 4.0 - 1e-9] -= 1  # the leaver
    live[time_s >= 6.0 - 1e-9] -= 1  # the crashed member
    series["live_members"] = {"unit": "members", "values": live}
    return {"name": f"members-{members}/loss-{loss:g}/seed-{seed}", "seed": seed,
            "labels": {"members": str(members), "loss": f"{loss:g}", "profile": profile,
                       "seed": str(seed)},
            "config": CONFIG.format(members=members) if config is None else config,
            "time_s": time_s, "series": series, "events": events,
            "summary": summary or {}}


def results(*runs):
    return {"scenario": "s", "runs": list(runs)}


class Detection(unittest.TestCase):
    def test_spore_files_are_told_from_replication_files(self):
        self.assertTrue(spore.is_spore_results(results(run(), run(seed=2))))
        replication = {"name": "lan/w/c", "labels": {"network": "lan", "workload": "w"},
                       "series": {"buffer_level": {}}}
        self.assertFalse(spore.is_spore_results(results(replication)))
        self.assertFalse(spore.is_spore_results(results(run(), replication)))
        self.assertFalse(spore.is_spore_results(results()))


class Settings(unittest.TestCase):
    def test_what_the_config_lacks_comes_from_the_profile_and_says_so(self):
        settings = spore.run_settings(run())
        self.assertEqual(settings["probe_interval_s"], 1.0)
        self.assertEqual(settings["sources"]["probe_interval_s"], "config")
        self.assertEqual((settings["gossip_interval_s"], settings["gossip_fanout"]), (0.2, 3))
        self.assertEqual(settings["sources"]["gossip_interval_s"], "profile default")
        wan = spore.run_settings(run(profile="wan", config=""))
        self.assertEqual((wan["probe_interval_s"], wan["gossip_interval_s"],
                          wan["gossip_fanout"]), (5.0, 0.5, 4))

    def test_gossip_settings_in_the_config_win_over_the_profile(self):
        config = CONFIG.format(members=10) + "  gossipIntervalMs: 300\n  gossipFanout: 5\n"
        settings = spore.run_settings(run(config=config))
        self.assertAlmostEqual(settings["gossip_interval_s"], 0.3)
        self.assertEqual(settings["gossip_fanout"], 5)
        self.assertEqual(settings["sources"]["gossip_fanout"], "config")

    def test_an_unknown_profile_without_the_settings_is_an_error_naming_the_run(self):
        with self.assertRaisesRegex(spore.SporeError, "members-100/loss-0/seed-1': cannot tell "
                                                      "its gossip_interval_s, gossip_fanout:"):
            spore.run_settings(run(profile="dc"))
        # With the gossip settings recorded, the rest falls back to memberlist's defaults.
        config = CONFIG.format(members=10) + "  gossipIntervalMs: 300\n  gossipFanout: 5\n"
        settings = spore.run_settings(run(profile="dc", config=config))
        self.assertEqual((settings["gossip_fanout"], settings["indirect_checks"]), (5, 3))
        self.assertEqual(settings["sources"]["indirect_checks"], "memberlist default")

    def test_a_recorded_retransmit_limit_is_used_as_is(self):
        config = CONFIG.format(members=10) + "  retransmitLimit: 20\n"
        self.assertEqual(spore.run_settings(run(config=config))["retransmit_limit"], 20)
        self.assertNotIn("retransmit_limit", spore.run_settings(run()))


class Dissemination(unittest.TestCase):
    def test_curves_start_at_the_event_and_average_the_seeds(self):
        first = numpy.where(numpy.arange(1, SAMPLES + 1) * DT < 2.5, 0.0, 1.0)
        rows = spore.dissemination(results(run(known={"registration": first}), run(seed=2)),
                                   "registration")
        self.assertEqual(len(rows), 1)
        row = rows[0]
        self.assertEqual(row["runs"], ["members-100/loss-0/seed-1", "members-100/loss-0/seed-2"])
        self.assertAlmostEqual(row["x"][5], 0.5)
        # Seed 1 knows from 2.5 s, seed 2 from 3.0 s: the mean is 0.5 in between.
        self.assertEqual(list(row["mean"][[0, 4, 5, 9, 10]]), [0.0, 0.0, 0.5, 0.5, 1.0])
        self.assertEqual(row["model_members"], 100)
        self.assertEqual(row["first_wait_s"], 0.0)

    def test_the_model_is_the_epidemic_with_the_runs_settings_on_the_gossip_grid(self):
        row = spore.dissemination(results(run(members=50, loss=0.2)), "registration")[0]
        expected = epidemic.informed_fractions(50, 3, 0.2, len(row["model_fractions"]) - 1)
        numpy.testing.assert_allclose(row["model_fractions"], expected)
        self.assertEqual(list(row["model_times"][:4]), [0.0, 0.0, 0.2, 0.4])
        # Round 1 leaves at the event: a sample at that very instant still sees round 0.
        self.assertAlmostEqual(row["model_on_x"][0], expected[0])
        self.assertAlmostEqual(row["model_on_x"][1], expected[1])
        self.assertAlmostEqual(row["model_on_x"][3], expected[2])

    def test_the_leave_model_counts_the_direct_tells_and_not_the_leaver(self):
        row = spore.dissemination(results(run(members=100)), "leave")[0]
        # 99 live members when the leave is sampled, plus the leaver: N = 100 in the model.
        self.assertEqual(row["model_members"], 100)
        plain = epidemic.informed_fractions(100, 3, 0.0, 1, first_round_fanout=6)
        self.assertAlmostEqual(row["model_fractions"][1], (100 * plain[1] - 1) / 99)
        self.assertEqual(row["model_fractions"][0], 0.0)

    def test_a_leave_that_was_no_news_is_left_out_and_said_why(self):
        stale = numpy.ones(SAMPLES)
        rows = spore.dissemination(results(run(known={"leave": stale}), run(seed=2)), "leave")
        self.assertEqual(rows[0]["runs"], ["members-100/loss-0/seed-2"])
        self.assertEqual(rows[0]["excluded"][0][0], "members-100/loss-0/seed-1")
        self.assertIn("no news", rows[0]["excluded"][0][1])

    def test_the_crash_curve_starts_at_the_first_declaration_after_the_earliest_death(self):
        time_s = numpy.arange(1, SAMPLES + 1) * DT
        # 2 % never heard of the crashed member, one more forgets it for a while (6.5 .. 7.5 s):
        # not a declaration, as the shortest suspicion has not run out. Declarations from 8.0 s.
        crash = numpy.select([time_s < 6.5 - 1e-9, time_s < 7.5 - 1e-9, time_s < 8.0 - 1e-9,
                              time_s < 8.5 - 1e-9], [0.02, 0.03, 0.02, 0.3], 1.0)
        never = numpy.full(SAMPLES, 0.02)
        # Suspected 1 s after the crash at 6 s, alpha 0.5: no death before 7 + 0.5 log10(98) s.
        config = CONFIG.format(members=100).replace("suspicionMultiplier: 4",
                                                    "suspicionMultiplier: 0.5")
        declared = run(config=config, known={"crash": crash},
                       summary={"crash_detection_first_s": 1.0})
        self.assertAlmostEqual(spore.earliest_death_s(declared, spore.run_settings(declared)),
                               1.0 + 0.5 * math.log10(98))
        undeclared = run(seed=2, config=config, known={"crash": never},
                         summary={"crash_detection_first_s": 1.0})
        unsuspected = run(seed=3, config=config, known={"crash": crash})
        row = spore.dissemination(results(declared, undeclared, unsuspected), "crash")[0]
        self.assertEqual(row["origin"], "first declaration")
        self.assertAlmostEqual(row["mean"][0], 0.3)  # the sample at 8.0 s
        self.assertAlmostEqual(row["mean"][5], 1.0)
        self.assertEqual(row["excluded"],
                         [("members-100/loss-0/seed-2", "nobody declared it dead within the run"),
                          ("members-100/loss-0/seed-3", "nobody suspected it within the run")])
        self.assertEqual(row["model_members"], 98)

    def test_the_earliest_death_is_the_first_suspicion_plus_the_shortest_suspicion(self):
        crashed = run(summary={"crash_detection_first_s": 2.0})  # LAN, alpha 4, 99 members
        self.assertAlmostEqual(spore.earliest_death_s(crashed, spore.run_settings(crashed)),
                               2.0 + 4 * math.log10(98))
        unknown = run(profile="dc", config=CONFIG.format(members=100).replace(
            "  suspicionMultiplier: 4\n", "  gossipIntervalMs: 200\n  gossipFanout: 3\n"),
            summary={"crash_detection_first_s": 2.0})
        self.assertEqual(spore.earliest_death_s(unknown, spore.run_settings(unknown)), 0.0)

    def test_model_time_to_is_the_first_sample_after_the_round(self):
        times = numpy.asarray([0.0, 0.0, 0.2, 0.4])
        fractions = numpy.asarray([0.01, 0.1, 0.6, 0.99])
        self.assertAlmostEqual(spore.model_time_to(times, fractions, 0.5, 0.1), 0.3)
        self.assertAlmostEqual(spore.model_time_to(times, fractions, 0.05, 0.1), 0.1)
        self.assertTrue(math.isnan(spore.model_time_to(times, fractions, 0.999, 0.1)))

    def test_reach_table_compares_the_summary_with_the_model_and_counts_misses(self):
        fast = run(summary={"registration_p99_s": 1.0})
        missed = run(seed=2, summary={"registration_p99_s": math.nan})
        row = spore.reach_table(results(fast, missed))[0]
        self.assertEqual((row["runs"], row["not_reached"]), (2, 1))
        self.assertEqual(row["measured_s"], 1.0)
        # The model needs 99 of 100 members within half a member: informed >= 98.5 / 100.
        n = 100
        fractions = epidemic.informed_fractions(n, 3, 0.0, 40)
        rounds = next(r for r, f in enumerate(fractions) if f * n >= 98.5)
        self.assertAlmostEqual(row["model_s"], (rounds - 1) * 0.2 + 0.1)
        self.assertLessEqual(row["model_piggyback_s"], row["model_s"])
        self.assertEqual(row["retransmit_limit"], 12)  # 4 ceil(log10(101))
        recorded = run(config=CONFIG.format(members=100) + "  retransmitLimit: 20\n",
                       summary={"registration_p99_s": 1.0})
        self.assertEqual(spore.reach_table(results(recorded))[0]["retransmit_limit"], 20)
        with self.assertRaises(ValueError):
            spore.reach_table(results(fast), "crash")


class Tables(unittest.TestCase):
    def test_detection_against_swim_in_seconds_and_periods(self):
        runs = [run(seed=s, summary={"crash_detection_first_s": v})
                for s, v in ((1, 1.0), (2, 2.0), (3, 3.0), (4, math.nan))]
        row = spore.detection_table(results(*runs))[0]
        self.assertEqual((row["runs"], row["detected"]), (4, 3))
        self.assertEqual(row["measured_s"], 2.0)
        self.assertAlmostEqual(row["measured_ci_s"], plot.T95[2] * 1.0 / math.sqrt(3))
        self.assertEqual(row["wait_s"], 0.0)
        # The leaver left at 4 s: 99 live members at the crash, the crashed one included.
        self.assertEqual(row["group"], 99)
        self.assertAlmostEqual(row["expected_periods"], epidemic.swim_expected_periods(99))
        self.assertAlmostEqual(row["ratio"], 2.0 / epidemic.swim_expected_periods(99))
        self.assertEqual((row["min_s"], row["max_s"]), (1.0, 3.0))
        markdown = spore.format_detection_table([row])
        self.assertIn("| lan | 100 | 0 | 3/4 | 2.00 ± 2.48 |", markdown)

    def test_detection_counts_periods_from_the_next_period_boundary(self):
        config = CONFIG.format(members=100).replace("probeIntervalMs: 1000",
                                                    "probeIntervalMs: 2000")
        crash = run(config=config, events=[("registration", 2.0), ("leave", 4.0),
                                           ("crash", 6.5)],
                    summary={"crash_detection_first_s": 3.5})
        row = spore.detection_table(results(crash))[0]
        self.assertAlmostEqual(row["wait_s"], 1.5)
        self.assertAlmostEqual(row["measured_periods"], 1.0)
        self.assertAlmostEqual(row["expected_s"], 1.5 + 2 * row["expected_periods"])

    def test_traffic_means_per_configuration_in_member_order(self):
        runs = [run(members=m, seed=s, summary={"messages_per_member_per_s": m / 10 + s,
                                                 "bytes_per_member_per_s": 100.0})
                for m in (300, 100) for s in (1, 2)]
        table = spore.traffic_table(results(*runs))
        self.assertEqual([r["members"] for r in table], [100, 300])
        self.assertEqual(table[0]["messages_per_member_per_s"][0], 11.5)
        self.assertEqual(table[1]["bytes_per_member_per_s"], (100.0, 0.0))


class Conclusions(unittest.TestCase):
    def test_sentences_carry_the_numbers_of_the_file(self):
        runs = [run(members=m, seed=s,
                    summary={"registration_p99_s": math.nan if (m, s) == (300, 2) else 1.0,
                             "crash_detection_first_s": 1.0 + s,
                             "messages_per_member_per_s": m / 50,
                             "bytes_per_member_per_s": 50.0})
                for m in (100, 300) for s in (1, 2)]
        text = "\n".join(spore.conclusions(results(*runs)))
        self.assertIn("1 of 2 seeds at N = 300, loss 0", text)
        self.assertIn("at loss 0: messages x3.00 (2.0 to 6.0), bytes x1.00 (50 to 50)", text)
        self.assertIn("2.50 to 2.50 protocol periods", text)
        self.assertIn("within the 95 % interval in 2 of the 2 configurations whose seeds differ",
                      text)
        everyone = [run(summary={"registration_p99_s": 1.0, "crash_detection_first_s": 1.0}),
                    run(seed=2, summary={"registration_p99_s": 1.0})]
        text = "\n".join(spore.conclusions(results(*everyone)))
        self.assertIn("Everyone heard", text)
        self.assertIn("1 run never suspected it", text)
        self.assertNotIn("whose seeds differ", text)  # one value: no interval to compare with


if __name__ == "__main__":
    unittest.main()
