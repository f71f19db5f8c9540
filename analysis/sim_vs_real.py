#!/usr/bin/env python3
"""Compare the simulator with the real runtime on the same five-member LAN cluster
(docs/sim-vs-real.md, tests/real/sim_vs_real.sh).

    python3 analysis/sim_vs_real.py --real REAL.jsonl --sim-spore SPORE.h5 \\
        --sim-replication REPLICATION.h5 --output OUT.h5 --plot OUT.png [--tolerance 0.25]

REAL.jsonl: one JSON object per real repetition, each a list of samples per metric (seconds or
milliseconds after the event, as the simulator measures them):

    registration_p50_s, registration_all_s   half, then all, of the members know an instance
    leave_p50_s, leave_all_s                 ... know that a member left
    crash_p50_s, crash_all_s                 ... declared a killed member dead
    lag_ms                                   the primary's replication lag, one sample per epoch

SPORE.h5 and REPLICATION.h5: `mycelium run` results of scenarios/sim-vs-real/ (docs/results.md):
the spore runs' summaries registration_p50_s ... crash_p99_s (with five members p99 is all of
them) and every replication run's lag series (`lag_s`, one value per sample interval).

The three measures the issue names are checked: failure detection latency (crash_all_s), spore
convergence time (registration_all_s) and replication lag (lag_ms); each passes when the real
interquartile mean (the mean of the middle half of the samples) is within `tolerance` of the
simulated one. The interquartile mean, not the mean: a rumor that misses a member in every
gossip round reaches it seconds later (push-pull, a probe's piggyback), about one registration
in 50 on either side, and one such sample among 16 moves a mean by a third. Plain means are
reported too. The others are reported only. Writes OUT.h5 (group per metric, datasets `sim`
and `real` and attributes sim_iqm, real_iqm, sim_mean, real_mean, difference (of the
interquartile means), checked, agrees) and OUT.png (one empirical CDF per metric, sim against
real), each under a
temporary name then renamed, so a failed run leaves neither. Exits 1 if a checked measure
disagrees, 2 on unusable input (with the reason).
"""

import argparse
import json
import math
import os
import sys

import h5py
import numpy

# name, unit, simulated source (summary name in SPORE.h5, or "lag" for the series), checked
METRICS = [
    ("registration_all_s", "s", "registration_p99_s", True),
    ("registration_p50_s", "s", "registration_p50_s", False),
    ("crash_all_s", "s", "crash_p99_s", True),
    ("crash_p50_s", "s", "crash_p50_s", False),
    ("leave_all_s", "s", "leave_p99_s", False),
    ("leave_p50_s", "s", "leave_p50_s", False),
    ("lag_ms", "ms", "lag", True),
]
TITLES = {
    "registration_all_s": "spore convergence (all members)",
    "registration_p50_s": "spore convergence (half)",
    "crash_all_s": "failure detection (all members)",
    "crash_p50_s": "failure detection (half)",
    "leave_all_s": "leave known (all members)",
    "leave_p50_s": "leave known (half)",
    "lag_ms": "replication lag",
}


class InputError(Exception):
    pass


def read_real(path):
    samples = {name: [] for name, *_ in METRICS}
    try:
        with open(path, encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    raise InputError(f"{path}:{number}: not JSON: {error}") from None
                for name in samples:
                    values = record.get(name)
                    if not isinstance(values, list) or not all(
                        isinstance(v, (int, float)) and math.isfinite(v) for v in values
                    ):
                        raise InputError(f"{path}:{number}: {name}: expected a list of numbers")
                    samples[name].extend(float(v) for v in values)
    except OSError as error:
        raise InputError(f"{path}: {error.strerror}") from None
    for name, values in samples.items():
        if not values:
            raise InputError(f"{path}: no samples of {name}")
    return samples


def read_sim(spore_path, replication_path):
    samples = {}
    try:
        with h5py.File(spore_path, "r") as spore:
            for name, _, source, _ in METRICS:
                if source == "lag":
                    continue
                if f"summary/{source}" not in spore:
                    raise InputError(f"{spore_path}: no summary/{source}: not a spore results file")
                values = numpy.asarray(spore[f"summary/{source}"], dtype=float)
                # A run that never got there (NaN) would bias the mean: refuse instead.
                if not numpy.all(numpy.isfinite(values)):
                    raise InputError(
                        f"{spore_path}: {source}: {int(numpy.sum(~numpy.isfinite(values)))} runs "
                        "never got there; lengthen the scenario's duration"
                    )
                samples[name] = values
        with h5py.File(replication_path, "r") as replication:
            if "runs" not in replication:
                raise InputError(f"{replication_path}: no runs: not a results file")
            lags = []
            for run in replication["runs"].values():
                if "lag_s" not in run:
                    raise InputError(f"{replication_path}: run {run.name} has no lag_s series")
                lags.append(numpy.asarray(run["lag_s"], dtype=float) * 1e3)
            if not lags:
                raise InputError(f"{replication_path}: no runs")
            samples["lag_ms"] = numpy.concatenate(lags)
    except OSError as error:
        raise InputError(f"{error}") from None
    return samples


def interquartile_mean(values):
    """The mean of the middle half: a quarter of the samples (rounded down) cut at each end."""
    ordered = numpy.sort(numpy.asarray(values, dtype=float))
    cut = len(ordered) // 4
    return float(numpy.mean(ordered[cut:len(ordered) - cut]))


def compare(sim, real, tolerance):
    rows = []
    for name, unit, _, checked in METRICS:
        sim_iqm, real_iqm = interquartile_mean(sim[name]), interquartile_mean(real[name])
        difference = (real_iqm - sim_iqm) / sim_iqm if sim_iqm > 0 else math.inf
        agrees = abs(difference) <= tolerance
        rows.append((name, unit, sim_iqm, real_iqm, difference, checked, agrees))
    return rows


def write_results(path, sim, real, rows, tolerance):
    temporary = path + ".partial"
    with h5py.File(temporary, "w") as out:
        out.attrs["tolerance"] = tolerance
        for name, unit, sim_iqm, real_iqm, difference, checked, agrees in rows:
            group = out.create_group(name)
            group.create_dataset("sim", data=numpy.asarray(sim[name], dtype=float))
            group.create_dataset("real", data=numpy.asarray(real[name], dtype=float))
            group.attrs.update(
                unit=unit, sim_iqm=sim_iqm, real_iqm=real_iqm,
                sim_mean=float(numpy.mean(sim[name])), real_mean=float(numpy.mean(real[name])),
                difference=difference, checked=checked, agrees=agrees,
            )
    os.replace(temporary, path)


def write_plot(path, sim, real, rows):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 4, figsize=(16, 7))
    for axis, (name, unit, sim_iqm, real_iqm, difference, checked, agrees) in zip(
        axes.flat, rows
    ):
        for label, values, style in (("simulated", sim[name], "-"), ("real", real[name], "--")):
            ordered = numpy.sort(numpy.asarray(values, dtype=float))
            fractions = numpy.arange(1, len(ordered) + 1) / len(ordered)
            axis.step(ordered, fractions, style, where="post",
                      label=f"{label} (n={len(ordered)}, iqm {interquartile_mean(ordered):.3g})")
        verdict = ("agree" if agrees else "DISAGREE") if checked else "reported"
        axis.set_title(f"{TITLES[name]}\n{difference:+.0%}: {verdict}", fontsize=10)
        axis.set_xlabel(f"{name} ({unit})")
        axis.set_ylabel("fraction of samples")
        axis.legend(fontsize=7, loc="lower right")
    axes.flat[-1].axis("off")
    figure.suptitle("Five-member LAN cluster: simulator vs network namespaces")
    figure.tight_layout()
    temporary = path + ".partial.png"
    figure.savefig(temporary, dpi=90)
    os.replace(temporary, path)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", required=True)
    parser.add_argument("--sim-spore", required=True)
    parser.add_argument("--sim-replication", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--plot", required=True)
    parser.add_argument("--tolerance", type=float, default=0.25)
    args = parser.parse_args(argv)
    if not 0 < args.tolerance < 10:
        print("sim_vs_real: --tolerance: expected a fraction in (0, 10)", file=sys.stderr)
        return 2
    try:
        real = read_real(args.real)
        sim = read_sim(args.sim_spore, args.sim_replication)
    except InputError as error:
        print(f"sim_vs_real: {error}", file=sys.stderr)
        return 2
    rows = compare(sim, real, args.tolerance)
    write_results(args.output, sim, real, rows, args.tolerance)
    write_plot(args.plot, sim, real, rows)
    print(f"{'measure':<20} {'unit':<4} {'sim iqm':>9} {'real iqm':>9} {'diff':>7}  "
          f"{'sim mean':>9} {'real mean':>9}  verdict")
    for name, unit, sim_iqm, real_iqm, difference, checked, agrees in rows:
        verdict = ("agrees" if agrees else "DISAGREES") if checked else "reported"
        print(f"{name:<20} {unit:<4} {sim_iqm:>9.4g} {real_iqm:>9.4g} {difference:>+7.1%}  "
              f"{numpy.mean(sim[name]):>9.4g} {numpy.mean(real[name]):>9.4g}  "
              f"{verdict} (n = {len(sim[name])} sim, {len(real[name])} real)")
    print(f"results: {args.output}, plot: {args.plot}")
    failed = [row[0] for row in rows if row[5] and not row[6]]
    if failed:
        print(f"sim_vs_real: beyond {args.tolerance:.0%}: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
