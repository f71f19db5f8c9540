#!/usr/bin/env python3
"""Unit tests of analysis/sim_vs_real.py on hand-made inputs: agreement within the tolerance
passes and writes both distributions to HDF5 and a plot; a checked measure beyond it fails
(exit 1); unusable input is refused (exit 2) and leaves no output behind.

    /usr/bin/python3 -B tests/analysis/test_sim_vs_real.py
"""

import contextlib
import io
import json
import os
import sys
import tempfile
import unittest

import h5py
import numpy

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "analysis"))
import sim_vs_real  # noqa: E402

SPORE_SUMMARIES = {"registration_p50_s": 0.2, "registration_p99_s": 0.34, "leave_p50_s": 0.01,
                   "leave_p99_s": 0.17, "crash_p50_s": 10.1, "crash_p99_s": 10.3}


def write_sim(folder, scale=1.0, lag_s=0.05, nan_in=None):
    spore = os.path.join(folder, "spore.h5")
    with h5py.File(spore, "w") as out:
        for name, value in SPORE_SUMMARIES.items():
            values = numpy.full(4, value * scale)
            if name == nan_in:
                values[1] = numpy.nan
            out.create_dataset(f"summary/{name}", data=values)
    replication = os.path.join(folder, "replication.h5")
    with h5py.File(replication, "w") as out:
        for run in ("0000", "0001"):
            out.create_dataset(f"runs/{run}/lag_s", data=numpy.full(10, lag_s))
    return spore, replication


def write_real(folder, crash_all_s=10.0, lines=None, name="real.jsonl",
               registration_all_s=(0.3, 0.4)):
    path = os.path.join(folder, name)
    record = {"registration_p50_s": [0.2, 0.21], "registration_all_s": list(registration_all_s),
              "leave_p50_s": [0.006], "leave_all_s": [0.12], "crash_p50_s": [9.7],
              "crash_all_s": [crash_all_s], "lag_ms": [50.0, 52.0, 48.0]}
    with open(path, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) if lines is not None else json.dumps(record) + "\n")
    return path


def run(folder, real, spore, replication):
    arguments = ["--real", real, "--sim-spore", spore, "--sim-replication", replication,
                 "--output", os.path.join(folder, "out.h5"),
                 "--plot", os.path.join(folder, "out.png")]
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = sim_vs_real.main(arguments)
    return code, stdout.getvalue(), stderr.getvalue()


class SimVsRealTest(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.mkdtemp()

    def test_agreement_writes_both_distributions_and_a_plot(self):
        spore, replication = write_sim(self.folder)
        code, stdout, _ = run(self.folder, write_real(self.folder), spore, replication)
        self.assertEqual(code, 0, stdout)
        self.assertIn("crash_all_s", stdout)
        with h5py.File(os.path.join(self.folder, "out.h5")) as results:
            crash = results["crash_all_s"]
            self.assertEqual(list(crash["real"]), [10.0])
            self.assertEqual(len(crash["sim"]), 4)
            self.assertAlmostEqual(crash.attrs["difference"], (10.0 - 10.3) / 10.3)
            self.assertTrue(crash.attrs["agrees"])
            self.assertEqual(list(results["lag_ms"]["sim"]), [50.0] * 20)
        self.assertGreater(os.path.getsize(os.path.join(self.folder, "out.png")), 10000)

    def test_a_checked_measure_beyond_the_tolerance_fails(self):
        spore, replication = write_sim(self.folder)
        # 30 % slower detection than simulated.
        code, stdout, stderr = run(self.folder, write_real(self.folder, crash_all_s=10.3 * 1.3),
                                   spore, replication)
        self.assertEqual(code, 1)
        self.assertIn("crash_all_s", stderr)
        self.assertIn("DISAGREES", stdout)

    def test_one_straggler_does_not_decide_but_a_shifted_middle_does(self):
        # Seven registrations reach everyone in 0.34 s, one straggler in 2 s: the mean (0.55 s)
        # is 60 % off the simulated 0.34 s, the interquartile mean is not.
        spore, replication = write_sim(self.folder)
        straggler = write_real(self.folder, name="straggler.jsonl",
                               registration_all_s=[0.34] * 7 + [2.0])
        code, stdout, _ = run(self.folder, straggler, spore, replication)
        self.assertEqual(code, 0, stdout)
        with h5py.File(os.path.join(self.folder, "out.h5")) as results:
            registration = results["registration_all_s"]
            self.assertAlmostEqual(registration.attrs["real_iqm"], 0.34)
            self.assertAlmostEqual(registration.attrs["real_mean"], (7 * 0.34 + 2.0) / 8)
        # Half the samples 30 % slower moves the middle: that disagrees.
        shifted = write_real(self.folder, name="shifted.jsonl",
                             registration_all_s=[0.34] * 4 + [0.34 * 1.6] * 4)
        code, _, stderr = run(self.folder, shifted, spore, replication)
        self.assertEqual(code, 1)
        self.assertIn("registration_all_s", stderr)

    def test_interquartile_mean_cuts_a_quarter_at_each_end(self):
        self.assertEqual(sim_vs_real.interquartile_mean([5.0, 1.0, 100.0, 3.0]), 4.0)
        self.assertEqual(sim_vs_real.interquartile_mean([2.0, 4.0]), 3.0)
        self.assertEqual(sim_vs_real.interquartile_mean([7.0]), 7.0)

    def test_a_reported_measure_never_fails(self):
        # The leave is reported only: sim 10x slower is shown, not a failure.
        spore, replication = write_sim(self.folder)
        with h5py.File(spore, "a") as out:
            out["summary/leave_p99_s"][...] = 1.7
        code, _, _ = run(self.folder, write_real(self.folder), spore, replication)
        self.assertEqual(code, 0)

    def test_unusable_input_is_refused_and_writes_nothing(self):
        spore, replication = write_sim(self.folder)
        unfinished = os.path.join(self.folder, "unfinished")
        os.mkdir(unfinished)
        cases = [
            (write_real(self.folder, lines=["{not json"], name="a.jsonl"), spore,
             "a.jsonl:1: not JSON"),
            (write_real(self.folder, lines=['{"lag_ms": [1]}'], name="b.jsonl"), spore,
             "b.jsonl:1: registration_all_s: expected a list of numbers"),
            (os.path.join(self.folder, "missing.jsonl"), spore, "missing.jsonl"),
            (write_real(self.folder), write_sim(unfinished, nan_in="crash_p99_s")[0],
             "crash_p99_s: 1 runs never got there"),
        ]
        for real, spore_file, message in cases:
            code, _, stderr = run(self.folder, real, spore_file, replication)
            self.assertEqual(code, 2, message)
            self.assertIn(message, stderr)
            self.assertFalse(os.path.exists(os.path.join(self.folder, "out.h5")))
            self.assertFalse(os.path.exists(os.path.join(self.folder, "out.png")))


if __name__ == "__main__":
    unittest.main()
