#!/usr/bin/env python3
"""Unit tests of analysis/plot.py's computations: the throttling curves must match
core/ram/throttle_policy.cpp, the Pareto flags and confidence intervals their definitions.

    /usr/bin/python3 -B tests/analysis/test_plot.py
"""

import math
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "analysis"))
import plot  # noqa: E402

CONFIG = """# scenario s, run lan/w/c/seed-1
apiVersion: mycelium.network/v1
kind: EndophyteVM
spec:
  distributedRAM:
    bufferSize: 256Mi
    throttleThreshold: 0.6
    throttlingCurve:
{curve}
    maxIntensity: 0.9
"""


def policy(curve_yaml):
    return plot.throttling_policy(CONFIG.format(curve=curve_yaml))


class Curves(unittest.TestCase):
    def test_linear_is_zero_up_to_the_threshold_then_rises_to_max(self):
        linear = policy("      type: linear")
        values = plot.curve_intensity(linear, [0.0, 0.6, 0.8, 1.0])
        for value, expected in zip(values, [0.0, 0.0, 0.9 * 0.5, 0.9]):
            self.assertAlmostEqual(float(value), expected)

    def test_exponential_uses_its_exponent(self):
        cubic = policy("      type: exponential\n      exponent: 3")
        self.assertAlmostEqual(float(plot.curve_intensity(cubic, [0.8])[0]), 0.9 * 0.5 ** 3)

    def test_custom_interpolates_in_the_excess_and_is_capped_by_max_intensity(self):
        custom = policy("      type: custom\n      points: [[0, 0], [0.5, 0.1], [1, 1]]")
        # level 0.7 is x = 0.25: halfway to (0.5, 0.1); level 1.0 is x = 1: 1, capped at 0.9.
        low, top = plot.curve_intensity(custom, [0.7, 1.0])
        self.assertAlmostEqual(float(low), 0.05)
        self.assertAlmostEqual(float(top), 0.9)

    def test_policies_with_memory_have_no_static_curve(self):
        for kind in ("auto-converge", "feedback"):
            self.assertIsNone(plot.curve_intensity(policy(f"      type: {kind}"), [0.9]))

    def test_short_form_and_defaults(self):
        short = plot.throttling_policy("spec:\n  distributedRAM:\n    throttlingCurve: linear\n")
        self.assertEqual((short["type"], short["threshold"], short["max_intensity"]),
                         ("linear", plot.DEFAULT_THRESHOLD, plot.DEFAULT_MAX_INTENSITY))

    def test_a_config_without_distributed_ram_has_no_policy(self):
        self.assertIsNone(plot.throttling_policy("kind: Something\nspec: {}\n"))
        self.assertIsNone(plot.throttling_policy(": not yaml ["))


class Statistics(unittest.TestCase):
    def test_pareto_front_minimises_both(self):
        points = [(1, 5), (2, 2), (5, 1), (3, 3), (2, 2), (math.nan, 0)]
        # (3, 3) is beaten by (2, 2); equal points do not beat each other; NaN is never optimal.
        self.assertEqual(plot.pareto_optimal(points), [True, True, True, False, True, False])

    def test_confidence_interval_uses_students_t(self):
        mean, half = plot.mean_ci([1.0, 3.0])
        self.assertEqual(mean, 2.0)
        self.assertAlmostEqual(half, 12.706 * math.sqrt(2) / math.sqrt(2))
        self.assertTrue(math.isnan(plot.mean_ci([4.0])[1]))
        self.assertTrue(math.isnan(plot.mean_ci([math.nan])[0]))
        self.assertEqual(plot.t95(25), plot.T95[20])  # between rows: the more conservative one

    def test_aggregate_groups_by_network_workload_configuration(self):
        def run(configuration, seed, slowdown, rpo):
            return {"name": f"{configuration}/{seed}", "seed": seed,
                    "labels": {"network": "lan", "workload": "w", "configuration": configuration},
                    "summary": {"slowdown_pct": slowdown, "rpo_bytes": rpo}}

        results = {"runs": [run("a", 1, 10.0, 4.0), run("a", 2, 20.0, 6.0),
                            run("b", 1, 30.0, 1.0), run("c", 1, 40.0, 2.0)]}
        table = plot.aggregate(results)
        self.assertEqual([(r["configuration"], r["seeds"]) for r in table],
                         [("a", 2), ("b", 1), ("c", 1)])
        self.assertEqual(table[0]["metrics"]["slowdown_pct"][0], 15.0)
        self.assertEqual([r["pareto"]["rpo_bytes"] for r in table], [True, True, False])
        self.assertEqual([r["pareto"]["lag_p99_ms"] for r in table], [False] * 3)  # no such metric


class FileNames(unittest.TestCase):
    def test_labels_become_safe_file_name_parts(self):
        self.assertEqual(plot.file_name_part("wan/eu west"), "wan_eu_west")
        self.assertEqual(plot.file_name_part(""), "_")


if __name__ == "__main__":
    unittest.main()
