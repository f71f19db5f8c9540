#!/usr/bin/env python3
"""Figures of a Service Spore results file (`kind: SporeScenario`), drawn by analysis/plot.py
(`mycelium plot`) when it finds one, and by notebooks/spore-scale.ipynb.

* ``dissemination-<profile>.png``: the fraction of the live members that know the registration,
  the leave and the crash (declared dead), one row per member count, one colour per packet loss;
  solid: the measured fraction, mean over the seeds; dashed: the push-gossip model of
  analysis/epidemic.py for the same N and loss (analysis/spore.py `dissemination`).
* ``detection.png``: the first suspicion of the crashed member, seconds after the crash, per
  member count and loss (each seed, and the mean with its 95 % confidence interval), against
  SWIM's expectation; the right axis counts protocol periods.
* ``traffic.png``: messages and bytes each member sends per second against N, one line per loss.

Matplotlib's object API (no pyplot): importing this module leaves the caller's backend alone.
"""

import math
import os
import sys

import numpy
from matplotlib.figure import Figure

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import epidemic  # noqa: E402
import spore  # noqa: E402
from plot import MARKERS, colors_for, file_name_part, ordered, save_figures  # noqa: E402

EVENT_AXIS = {
    "registration": "s since the registration",
    "leave": "s since the leave",
    "crash": "s since the first member declared it dead",
}
EVENT_TITLE = {
    "registration": "registration known",
    "leave": "leave known (leaver no longer alive)",
    "crash": "crash known (declared dead)",
}


def _loss_colors(rows):
    return colors_for([f"{loss:g}" for loss in sorted({row["loss"] for row in rows})])


def _settings_text(settings):
    """The gossip and probe settings, each with where it came from."""
    sources = settings["sources"]

    def source(*names):
        kinds = ordered(sources[name] for name in names)
        return " / ".join(kinds)

    return (f"gossip every {settings['gossip_interval_s'] * 1e3:g} ms to "
            f"{settings['gossip_fanout']:g} members ({source('gossip_interval_s', 'gossip_fanout')}"
            f"), probe period {settings['probe_interval_s']:g} s "
            f"({source('probe_interval_s')})")


def _window(rows):
    """Seconds to show: until every measured mean has settled and every model is within half a
    member of everyone, with a margin; never beyond the data."""
    ends, spans = [], []
    for row in rows:
        if not len(row["x"]):
            continue
        spans.append(float(row["x"][-1]))
        # Settled: within half a percent of its final value (a few stragglers may trickle in
        # much later, through push-pull or a late retransmission).
        final = numpy.nanmax(row["mean"])
        settled = numpy.nonzero(row["mean"] >= final - 0.005)[0]
        ends.append(float(row["x"][settled[0]]) if len(settled) else spans[-1])
        target = 1.0 - 0.5 / row["model_members"]
        reached = numpy.nonzero(row["model_fractions"] >= target)[0]
        if len(reached):
            ends.append(float(row["model_times"][reached[0]]))
    if not spans:
        return 1.0
    return min(max(spans), max(1.0, 1.25 * max(ends) + 0.3))


def figure_dissemination(results, profile):
    """Measured spread against the model for one profile: rows members, columns events."""
    by_event = {event: [row for row in spore.dissemination(results, event)
                        if row["profile"] == profile] for event in spore.EVENTS}
    sizes = ordered(row["members"] for row in by_event["registration"])
    colors = _loss_colors(by_event["registration"])
    figure = Figure(figsize=(16, 3.6 * len(sizes) + 1.6))
    axes = figure.subplots(len(sizes), len(spore.EVENTS), squeeze=False)
    for column, event in enumerate(spore.EVENTS):
        for line, members in enumerate(sizes):
            axis = axes[line][column]
            rows = [row for row in by_event[event] if row["members"] == members]
            window = _window(rows)
            notes = []
            for row in rows:
                color = colors[f"{row['loss']:g}"]
                if len(row["x"]) == 1:  # the origin is the run's last sample: nothing to follow
                    notes.append(f"loss {row['loss']:g}: it starts at the last sample of the "
                                 "run,\n  nothing to follow")
                elif len(row["x"]):
                    axis.plot(row["x"], row["mean"], color=color, linewidth=1.8, marker=".",
                              markersize=4)
                    times = numpy.append(row["model_times"], window)
                    fractions = numpy.append(row["model_fractions"], row["model_fractions"][-1])
                    axis.step(times, fractions, where="post", color=color, linewidth=1.3,
                              linestyle="--", alpha=0.9)
                for name, curve in zip(row["runs"], row["per_run"]):
                    if len(curve) > 1 and curve[-1] < 0.5:  # in the mean, but it drags it down
                        notes.append(f"loss {row['loss']:g}, {name.rsplit('/', 1)[-1]}: only "
                                     f"{curve[-1]:.0%} by the end of the run")
                for name, reason in row["excluded"]:
                    notes.append(f"loss {row['loss']:g}, {name.rsplit('/', 1)[-1]} left out:\n"
                                 f"  {reason}")
            if notes:
                axis.text(0.98, 0.04, "\n".join(notes), transform=axis.transAxes, ha="right",
                          va="bottom", fontsize=7, color="dimgray", wrap=True,
                          bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none",
                                "alpha": 0.8})
            axis.set_xlim(0, window)
            axis.set_ylim(-0.02, 1.03)
            axis.grid(True, alpha=0.3)
            axis.set_title(f"{EVENT_TITLE[event]}, N = {members}", fontsize=10)
            if line == len(sizes) - 1:
                axis.set_xlabel(EVENT_AXIS[event])
            if column == 0:
                axis.set_ylabel("fraction of the live members")
    seeds = ordered(len(row["runs"]) + len(row["excluded"]) for row in by_event["registration"])
    seeds_text = "/".join(str(s) for s in seeds) + (" seed" if seeds == [1] else " seeds")
    handles = [axes[0][0].plot([], [], color=color, linewidth=1.8, label=f"loss {loss}")[0]
               for loss, color in colors.items()]
    handles.append(axes[0][0].plot([], [], color="black", linewidth=1.8, marker=".",
                                   label="measured: mean over the seeds")[0])
    handles.append(axes[0][0].plot([], [], color="black", linewidth=1.3, linestyle="--",
                                   label="push-gossip model, same N and loss")[0])
    figure.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=9,
                  bbox_to_anchor=(0.5, 0.0))
    settings = by_event["registration"][0]["settings"]
    figure.suptitle(
        f"{results['scenario']} ({profile}): how fast news reaches the live members "
        f"({seeds_text} per point)\n{_settings_text(settings)}\n"
        "model: i(r+1) = i + (1 - i)(1 - (1 - f(1 - p)/(N - 1))^(N i)), round r at (r - 1) x "
        "interval; crash: every member's own suspicion timer adds to the gossip", fontsize=10)
    figure.tight_layout(rect=(0, 0.05, 1, 1))
    return figure


def figure_detection(results, table=None):
    """First suspicion of the crashed member against SWIM's expectation, per members and loss."""
    table = spore.detection_table(results) if table is None else table
    profiles = ordered(row["profile"] for row in table)
    colors = _loss_colors(table)
    figure = Figure(figsize=(max(11.0, 6.5 * len(profiles) + 1), 6.0))
    axes = figure.subplots(1, len(profiles), squeeze=False)[0]
    runs = spore.configurations(results)
    for axis, profile in zip(axes, profiles):
        rows = [row for row in table if row["profile"] == profile]
        sizes = ordered(row["members"] for row in rows)
        losses = sorted({row["loss"] for row in rows})
        width = 0.7 / max(1, len(losses))
        for row in rows:
            position = sizes.index(row["members"]) + (losses.index(row["loss"])
                                                      - (len(losses) - 1) / 2) * width
            color = colors[f"{row['loss']:g}"]
            values = [run["summary"].get("crash_detection_first_s", math.nan)
                      for run in runs[(profile, row["members"], row["loss"])]]
            finite = [v for v in values if not math.isnan(v)]
            offsets = numpy.linspace(-0.25, 0.25, len(finite)) * width if len(finite) > 1 else [0]
            axis.scatter(numpy.asarray(offsets) + position, finite, s=14, color=color, alpha=0.45,
                         edgecolors="none")
            if not math.isnan(row["measured_s"]):
                ci = None if math.isnan(row["measured_ci_s"]) else row["measured_ci_s"]
                axis.errorbar(position, row["measured_s"], yerr=ci, fmt="o", markersize=7,
                              color=color, capsize=4, elinewidth=1.2)
            if row["detected"] < row["runs"]:
                axis.annotate(f"{row['runs'] - row['detected']} never", (position, 0),
                              xycoords=("data", "axes fraction"), xytext=(0, 3),
                              textcoords="offset points", ha="center", fontsize=7, color=color)
        for index, members in enumerate(sizes):
            expected = [row["expected_s"] for row in rows if row["members"] == members]
            axis.hlines(expected[0], index - 0.45, index + 0.45, color="black", linestyle="--",
                        linewidth=1.3)
        period = rows[0]["probe_interval_s"]
        axis.set_xticks(range(len(sizes)), [f"N = {m}" for m in sizes])
        axis.set_xlim(-0.6, len(sizes) - 0.4)
        axis.set_ylim(bottom=0)
        axis.set_ylabel("first suspicion, s after the crash")
        axis.grid(True, axis="y", alpha=0.3)
        axis.set_title(f"profile {profile}: probe period {period:g} s", fontsize=10)
        right = axis.secondary_yaxis("right", functions=(lambda s, p=period: s / p,
                                                         lambda k, p=period: k * p))
        right.set_ylabel("protocol periods")
    handles = [axes[0].scatter([], [], color=color, label=f"loss {loss}")
               for loss, color in colors.items()]
    handles.append(axes[0].errorbar([], [], yerr=[], fmt="o", color="gray", capsize=4,
                                    label="mean, 95 % CI over seeds (dots: seeds)"))
    handles.append(axes[0].plot([], [], color="black", linestyle="--",
                                label=f"SWIM: {epidemic.SWIM_PERIODS_LIMIT:.3f} periods "
                                      "(1/q for the group)")[0])
    figure.legend(handles=handles, loc="lower center", ncol=3, fontsize=9)
    figure.suptitle(
        f"{results['scenario']}: time to the first suspicion of a crashed member by anyone\n"
        "SWIM: in each protocol period some member probes it with probability\n"
        "q = 1 - (1 - 1/(M-1))^(M-1) -> 1 - 1/e (M: live members at the crash); the prober "
        "suspects it at the end of that period", fontsize=10)
    figure.tight_layout(rect=(0, 0.1, 1, 1))
    return figure


def figure_traffic(results, table=None):
    """Messages and bytes each member sends per second, against N, one line per loss."""
    table = spore.traffic_table(results) if table is None else table
    colors = _loss_colors(table)
    figure = Figure(figsize=(13, 5))
    axes = figure.subplots(1, len(spore.TRAFFIC_METRICS), squeeze=False)[0]
    sizes = sorted({row["members"] for row in table})
    for axis, (metric, label) in zip(axes, spore.TRAFFIC_METRICS):
        for index, (profile, loss) in enumerate(ordered((r["profile"], r["loss"]) for r in table)):
            rows = sorted((r for r in table if (r["profile"], r["loss"]) == (profile, loss)),
                          key=lambda r: r["members"])
            means = [r[metric][0] for r in rows]
            cis = [0.0 if math.isnan(r[metric][1]) else r[metric][1] for r in rows]
            name = f"loss {loss:g}" + ("" if len({r["profile"] for r in table}) == 1
                                       else f", {profile}")
            axis.errorbar([r["members"] for r in rows], means, yerr=cis, color=colors[f"{loss:g}"],
                          marker=MARKERS[index % len(MARKERS)], capsize=3, label=name)
        periods = {spore.run_settings(runs[0])["probe_interval_s"]
                   for runs in spore.configurations(results).values()}
        if metric == "messages_per_member_per_s" and len(periods) == 1:
            period = periods.pop()
            axis.axhline(2.0 / period, color="gray", linestyle=":", linewidth=1.2,
                         label=f"probing alone: ping + ack every {period:g} s")
        if len(sizes) > 1 and sizes[-1] / sizes[0] >= 5:
            axis.set_xscale("log")
        axis.set_xticks(sizes, [str(s) for s in sizes])
        axis.minorticks_off()
        axis.set_ylim(bottom=0)
        axis.set_xlabel("members N")
        axis.set_ylabel(label)
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=9)
    figure.suptitle(f"{results['scenario']}: what each member sends per second, over the whole "
                    "run (means over seeds, bars: 95 % CI)", fontsize=10)
    figure.tight_layout()
    return figure


def plot_all(results, directory):
    """Writes the spore PNG files into `directory`; returns their paths. Raises
    spore.SporeError, before creating anything, when a run's settings cannot be found."""
    for run in results["runs"]:
        spore.run_settings(run)
    os.makedirs(directory, exist_ok=True)
    figures = []
    for profile in ordered(key[0] for key in spore.configurations(results)):
        figures.append((f"dissemination-{file_name_part(profile)}.png",
                        lambda p=profile: figure_dissemination(results, p)))
    figures.append(("detection.png", lambda: figure_detection(results)))
    figures.append(("traffic.png", lambda: figure_traffic(results)))
    return save_figures(figures, directory)
