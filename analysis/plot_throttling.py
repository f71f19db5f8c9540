#!/usr/bin/env python3
"""Plot a throttling-curves results file: one row per network.

Columns: replication buffer level over time, throttle intensity over time (both for one
workload, the first seed, one line per configuration, the primary crash marked), and guest
slowdown against p99 replication lag for every workload (means over seeds).

    python3 analysis/plot_throttling.py RESULTS.h5 -o results/throttling-curves.png \
        [--workload analytics]

Headless (matplotlib Agg). Exit status 2 with a message when the file cannot be read.
"""

import argparse
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from plot import save_png  # noqa: E402
from read_results import ResultsError, read_results  # noqa: E402

MARKERS = "osD^vP*X"


def mean(values):
    values = [v for v in values if not math.isnan(v)]
    return sum(values) / len(values) if values else math.nan


def plot(results, workload, output):
    runs = results["runs"]
    networks = list(dict.fromkeys(r["labels"]["network"] for r in runs))
    configurations = list(dict.fromkeys(r["labels"]["configuration"] for r in runs))
    workloads = list(dict.fromkeys(r["labels"]["workload"] for r in runs))
    if workload is None:
        workload = workloads[-1]
    if workload not in workloads:
        raise ResultsError(f"no workload '{workload}' in the file; it has {', '.join(workloads)}")
    seeds = sorted({r["seed"] for r in runs})
    colors = {c: plt.cm.tab10(i % 10) for i, c in enumerate(configurations)}

    figure, axes = plt.subplots(len(networks), 3, figsize=(18, 5 * len(networks)), squeeze=False)
    for row, network in enumerate(networks):
        level_axis, intensity_axis, scatter_axis = axes[row]
        for run in runs:
            labels = run["labels"]
            if (labels["network"], labels["workload"], run["seed"]) != (network, workload, seeds[0]):
                continue
            color = colors[labels["configuration"]]
            t = run["time_s"]
            level_axis.plot(t, run["series"]["buffer_level"]["values"], color=color,
                            label=labels["configuration"], linewidth=1.2)
            intensity_axis.plot(t, run["series"]["throttle_intensity"]["values"], color=color,
                                label=labels["configuration"], linewidth=1.2)
            for kind, at in run["events"]:
                for axis in (level_axis, intensity_axis):
                    axis.axvline(at, color="black", linestyle=":", linewidth=1)
        level_axis.set_title(f"{network}: buffer level, workload {workload} (seed {seeds[0]})")
        level_axis.set_xlabel("time (s)")
        level_axis.set_ylabel("buffered / bufferSize")
        level_axis.set_ylim(0, 1.1)
        intensity_axis.set_title(f"{network}: throttle intensity (dotted: faults, failover)")
        intensity_axis.set_xlabel("time (s)")
        intensity_axis.set_ylabel("fraction of guest CPU removed")
        intensity_axis.set_ylim(0, 1.0)
        intensity_axis.legend(fontsize=8, loc="upper left")

        for w_index, name in enumerate(workloads):
            for configuration in configurations:
                chosen = [r for r in runs if r["labels"]["network"] == network
                          and r["labels"]["workload"] == name
                          and r["labels"]["configuration"] == configuration]
                if not chosen:
                    continue
                slowdown = mean([r["summary"]["slowdown_pct"] for r in chosen])
                lag = mean([r["summary"]["lag_p99_ms"] for r in chosen])
                scatter_axis.scatter(lag, slowdown, color=colors[configuration],
                                     marker=MARKERS[w_index % len(MARKERS)], s=50)
        for w_index, name in enumerate(workloads):
            scatter_axis.scatter([], [], color="gray", marker=MARKERS[w_index % len(MARKERS)],
                                 label=f"workload {name}")
        scatter_axis.set_xscale("symlog", linthresh=10)
        scatter_axis.set_title(f"{network}: guest slowdown vs p99 lag (colour: configuration)")
        scatter_axis.set_xlabel("p99 replication lag (ms, log)")
        scatter_axis.set_ylabel("guest slowdown (%)")
        scatter_axis.legend(fontsize=8)
    figure.suptitle(f"Mycelium scenario {results['scenario']}: throttling curves compared")
    figure.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    save_png(figure, output, dpi=90)  # renamed into place: never half a PNG


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results")
    parser.add_argument("-o", "--output", required=True, help="PNG file to write")
    parser.add_argument("--workload", help="workload for the time series (default: the last)")
    arguments = parser.parse_args(argv)
    try:
        plot(read_results(arguments.results), arguments.workload, arguments.output)
    except ResultsError as error:
        print(f"plot_throttling: {error}", file=sys.stderr)
        return 2
    print(f"plot: {arguments.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
