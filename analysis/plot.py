#!/usr/bin/env python3
"""Draw the plots of a Mycelium results file (docs/results.md) as PNG files in a folder.

    python3 analysis/plot.py RESULTS.h5 -o DIR        (what `mycelium plot` runs)

Writes into DIR (created if missing):

* ``timeseries-<network>-<workload>.png``, one per network x workload: buffer level, throttle
  intensity, replication lag and guest progress over time, one line per configuration (its
  first seed), with the run's events (primary_crash, failover, takeover ...) as labelled
  vertical lines.
* ``curves.png``: each configuration's throttling curve, intensity against buffer level, from
  the resolved configuration in the run's ``@config``. Policies with memory (auto-converge,
  feedback) have no static curve: their observed (buffer level, intensity) samples are drawn
  as a scatter instead, and the legend says so.
* ``tradeoff.png``: guest slowdown against RPO and against p99 replication lag, one panel per
  network x workload, one point per configuration (mean over seeds, 95 % confidence interval
  as error bars when there are several seeds), the Pareto front drawn and its points labelled.

A Service Spore results file (a `kind: SporeScenario` run: every run labelled members, loss and
profile, with the series registration_known) gets its own figures instead, drawn by
analysis/plot_spore.py: ``dissemination-<profile>.png`` (measured spread of the registration,
leave and crash against the push-gossip model of analysis/epidemic.py), ``detection.png``
(first suspicion of the crashed member against SWIM's e/(e-1) protocol periods) and
``traffic.png`` (messages and bytes per member per second against N).

Every PNG is written under a temporary name in DIR and renamed, so an interrupted run leaves
no partial file. Exit status 0 on success; 2 with a message on stderr naming the file when the
results file is missing, is not a results file, has an unknown schema version or no runs, or
DIR cannot be written, or (spore files) a run's gossip settings can be found neither in its
configuration nor from its profile.

Library use (notebooks): ``aggregate(results)`` is the comparison table, ``figure_*`` build
matplotlib figures without pyplot (so importing this module leaves the caller's matplotlib
backend alone), ``plot_all(results, directory)`` writes the PNG files.
Needs matplotlib, numpy, h5py and PyYAML (Debian: python3-matplotlib python3-numpy python3-h5py
python3-yaml).
"""

import argparse
import math
import os
import re
import sys
import tempfile

import numpy
import yaml
from matplotlib.figure import Figure

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from read_results import ResultsError, read_results  # noqa: E402

# Label keys that define the groups: one time-series figure and one trade-off panel per
# (network, workload); one line or point per configuration inside.
GROUP_KEYS = ("network", "workload")
CONFIGURATION_KEYS = ("configuration", "curve")

# Summary metrics of the trade-off plot: (name in the file, axis label, scale to the axis unit).
SLOWDOWN = ("slowdown_pct", "guest slowdown (%)", 1.0)
TRADEOFF_AXES = (
    ("rpo_bytes", "RPO at the crash (MiB)", 1.0 / (1 << 20)),
    ("lag_p99_ms", "p99 replication lag (ms)", 1.0),
)

# Defaults of docs/manifests.md, for hand-written configurations that leave a field out (the
# resolved configurations the simulator writes always have every field).
DEFAULT_THRESHOLD = 0.7
DEFAULT_MAX_INTENSITY = 0.9
FEEDBACK_TYPES = ("auto-converge", "feedback")

# Two-sided 95 % quantiles of Student's t by degrees of freedom (scipy is not a dependency).
T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
       9: 2.262, 10: 2.228, 12: 2.179, 15: 2.131, 20: 2.086, 30: 2.042, 60: 2.000, 120: 1.980}


# ---------------------------------------------------------------------------------------------
# Grouping and statistics

def configuration_of(run):
    for key in CONFIGURATION_KEYS:
        if run["labels"].get(key):
            return run["labels"][key]
    return run["name"]


def group_of(run):
    """(network, workload); "all" for a label the run does not have (one group for all)."""
    return tuple(run["labels"].get(key, "all") for key in GROUP_KEYS)


def ordered(values):
    """Distinct values in order of first appearance (the scenario's order, not alphabetical)."""
    return list(dict.fromkeys(values))


def t95(degrees):
    """Student's t quantile for a 95 % interval; the next smaller tabulated df is conservative."""
    usable = [df for df in T95 if df <= degrees]
    return T95[max(usable)] if degrees <= 120 else 1.960


def mean_ci(values):
    """(mean, half width of the 95 % confidence interval) of the finite values; NaN when
    there are none, half width NaN with fewer than two."""
    finite = [v for v in values if not math.isnan(v)]
    if not finite:
        return math.nan, math.nan
    mean = sum(finite) / len(finite)
    if len(finite) < 2:
        return mean, math.nan
    deviation = math.sqrt(sum((v - mean) ** 2 for v in finite) / (len(finite) - 1))
    return mean, t95(len(finite) - 1) * deviation / math.sqrt(len(finite))


def pareto_optimal(points):
    """Flags, one per (x, y) point: no other point is at least as good on both (smaller is
    better) and strictly better on one. Points with a NaN coordinate are never optimal."""
    flags = []
    for x, y in points:
        if math.isnan(x) or math.isnan(y):
            flags.append(False)
            continue
        flags.append(not any(ox <= x and oy <= y and (ox < x or oy < y)
                             for ox, oy in points if not (math.isnan(ox) or math.isnan(oy))))
    return flags


def aggregate(results):
    """The comparison table: one row per (network, workload, configuration), in the file's order.

    Each row: network, workload, configuration, seeds (number of runs), metrics {name: (mean,
    ci95 half width)} for every summary metric, and pareto {metric: bool} for each trade-off
    metric: Pareto-optimal in its group for (slowdown, that metric).
    """
    runs = results["runs"]
    rows = []
    for group in ordered(group_of(r) for r in runs):
        members = [r for r in runs if group_of(r) == group]
        group_rows = []
        for configuration in ordered(configuration_of(r) for r in members):
            chosen = [r for r in members if configuration_of(r) == configuration]
            names = ordered(name for r in chosen for name in r["summary"])
            group_rows.append({
                "network": group[0], "workload": group[1], "configuration": configuration,
                "seeds": len(chosen),
                "metrics": {name: mean_ci([r["summary"].get(name, math.nan) for r in chosen])
                            for name in names},
                "pareto": {},
            })
        for metric, _, _ in TRADEOFF_AXES:
            points = [(row["metrics"].get(metric, (math.nan,))[0],
                       row["metrics"].get(SLOWDOWN[0], (math.nan,))[0]) for row in group_rows]
            for row, flag in zip(group_rows, pareto_optimal(points)):
                row["pareto"][metric] = flag
        rows.extend(group_rows)
    return rows


# ---------------------------------------------------------------------------------------------
# Throttling curves from the resolved configuration

def throttling_policy(config_text):
    """{type, threshold, max_intensity, curve} from a run's @config YAML; None without a
    distributedRAM section (a run of another kind, or an unreadable configuration)."""
    try:
        document = yaml.safe_load(config_text)
    except yaml.YAMLError:
        return None
    spec = document.get("spec") if isinstance(document, dict) else None
    ram = spec.get("distributedRAM") if isinstance(spec, dict) else None
    if not isinstance(ram, dict):
        return None
    curve = ram.get("throttlingCurve", {"type": "exponential", "exponent": 2})
    if isinstance(curve, str):  # the short form: `throttlingCurve: linear`
        curve = {"type": curve}
    return {
        "type": curve.get("type", "exponential"),
        "threshold": float(ram.get("throttleThreshold", DEFAULT_THRESHOLD)),
        "max_intensity": float(ram.get("maxIntensity", DEFAULT_MAX_INTENSITY)),
        "curve": curve,
    }


def curve_intensity(policy, levels):
    """Intensity at each buffer level, as core/ram/throttle_policy.cpp computes it; None for
    the policies with memory, whose intensity is not a function of the level."""
    kind = policy["type"]
    if kind in FEEDBACK_TYPES:
        return None
    threshold, top = policy["threshold"], policy["max_intensity"]
    excess = numpy.clip((numpy.asarray(levels) - threshold) / (1.0 - threshold), 0.0, 1.0)
    if kind == "linear":
        intensity = top * excess
    elif kind == "exponential":
        intensity = top * excess ** float(policy["curve"].get("exponent", 2))
    elif kind == "custom":
        points = numpy.asarray(policy["curve"]["points"], dtype=float)
        intensity = numpy.minimum(top, numpy.interp(excess, points[:, 0], points[:, 1]))
    else:
        return None
    return numpy.where(excess > 0.0, intensity, 0.0)


def curve_description(policy):
    curve = policy["curve"]
    if policy["type"] == "exponential":
        return f"exponential, exponent {curve.get('exponent', 2):g}"
    if policy["type"] == "custom":
        return "custom, " + " ".join(f"({x:g},{i:g})" for x, i in curve["points"])
    return policy["type"]


# ---------------------------------------------------------------------------------------------
# Figures (matplotlib's object API: no pyplot state, nothing left open between figures)

def colors_for(configurations):
    palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
               "#7f7f7f", "#bcbd22", "#17becf"]
    return {c: palette[i % len(palette)] for i, c in enumerate(configurations)}


MARKERS = "osD^vP*Xh<>"
EVENT_COLORS = ["#000000", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#bcbd22"]


def series(run, name, scale=1.0):
    column = run["series"].get(name)
    return None if column is None else column["values"] * scale


def first_seed_runs(runs):
    """The first run (in file order) of each configuration: its first seed."""
    chosen = {}
    for run in runs:
        chosen.setdefault(configuration_of(run), run)
    return list(chosen.values())


# Time-series panels: (series, scale to the axis unit, axis label, smoothed).
TIMESERIES_PANELS = (
    ("buffer_level", 1.0, "buffer level\n(buffered / bufferSize)", True),
    ("throttle_intensity", 1.0, "throttle intensity\n(fraction of guest CPU removed)", True),
    ("lag_s", 1000.0, "replication lag (ms)\nage of oldest uncommitted write", True),
    ("guest_progress", 1.0, "guest progress (s)\nguest time run so far", False),
)
SMOOTHING_S = 1.0


def moving_average(time_s, values, window_s=SMOOTHING_S):
    """Centred moving average over `window_s` of evenly sampled values, ignoring NaN (a gap
    stays a gap); None when the window holds fewer than 3 samples (nothing to smooth)."""
    if len(values) < 3:
        return None
    step = float(numpy.median(numpy.diff(time_s)))
    width = int(round(window_s / step)) if step > 0 else 0
    if width < 3:
        return None
    finite = numpy.isfinite(values)
    kernel = numpy.ones(width)
    total = numpy.convolve(numpy.where(finite, values, 0.0), kernel, mode="same")
    count = numpy.convolve(finite.astype(float), kernel, mode="same")
    with numpy.errstate(invalid="ignore", divide="ignore"):
        return numpy.where(finite & (count > 0), total / count, numpy.nan)


def figure_timeseries(results, group):
    """Buffer level, throttle intensity, lag and guest progress against time for one
    (network, workload) group, one line per configuration (its first seed).

    Seven configurations that oscillate every few hundred milliseconds are unreadable as raw
    lines, so the first three panels draw the samples thin and a 1 s moving average thick."""
    runs = first_seed_runs([r for r in results["runs"] if group_of(r) == group])
    configurations = ordered(configuration_of(r) for r in results["runs"])
    colors = colors_for(configurations)
    figure = Figure(figsize=(14, 12))
    axes = figure.subplots(len(TIMESERIES_PANELS), 1, sharex=True)
    smoothed_any = False
    for axis, (name, scale, ylabel, smooth) in zip(axes, TIMESERIES_PANELS):
        drawn = False
        for run in runs:
            values = series(run, name, scale)
            if values is None:
                continue
            color = colors[configuration_of(run)]
            average = moving_average(run["time_s"], values) if smooth else None
            if average is None:
                axis.plot(run["time_s"], values, color=color, linewidth=1.2,
                          label=configuration_of(run))
            else:
                axis.plot(run["time_s"], values, color=color, linewidth=0.6, alpha=0.35)
                axis.plot(run["time_s"], average, color=color, linewidth=1.8,
                          label=configuration_of(run))
                smoothed_any = True
            drawn = True
        if not drawn:
            axis.text(0.5, 0.5, f"no '{name}' series in these runs", transform=axis.transAxes,
                      ha="center", va="center", color="gray")
        axis.set_ylabel(ylabel)
        axis.grid(True, alpha=0.3)
    axes[0].set_ylim(-0.02, 1.05)
    axes[1].set_ylim(-0.02, 1.0)
    axes[2].set_ylim(bottom=0)  # linear: a log axis would hide the 0 of "all committed"
    end = max((float(r["time_s"][-1]) for r in runs if len(r["time_s"])), default=1.0)
    reference = axes[3].plot([0, end], [0, end], color="gray", linestyle="--", linewidth=0.8)[0]
    axes[3].set_xlabel("simulated time (s)")
    axes[3].set_xlim(0, end)

    event_handles, label_rows = draw_events(axes, runs)
    seeds = ", ".join(sorted({str(r["seed"]) for r in runs}))
    how = (f"; thin: samples, thick: {SMOOTHING_S:g} s moving average" if smoothed_any else "")
    axes[0].set_title(f"{results['scenario']}: network {group[0]}, workload {group[1]}\n"
                      f"first seed of each configuration ({seeds}){how}",
                      pad=8 + 10 * label_rows)
    # One legend beside the panels, not over the data: configurations, reference, events.
    line_handles, line_labels = axes[0].get_legend_handles_labels()
    figure.legend(line_handles + [reference] + [h for h, _ in event_handles],
                  line_labels + ["no slowdown\n(progress = time)"]
                  + [label for _, label in event_handles],
                  loc="upper left", bbox_to_anchor=(0.795, 0.95), fontsize=9,
                  title="configuration / event", title_fontsize=9)
    figure.tight_layout(rect=(0, 0, 0.79, 1))
    return figure


def draw_events(axes, runs):
    """Dotted vertical lines at every event of the runs, one colour per kind; each kind is
    written above the top panel at its first occurrence, one row per kind (up to 3, then they
    share), since kinds often fall within a fraction of a second of each other. Returns the
    legend's (handle, label) pairs and the number of label rows."""
    kinds = ordered(kind for r in runs for kind, _ in r["events"])
    handles = []
    rows = min(len(kinds), 3)
    for index, kind in enumerate(kinds):
        color = EVENT_COLORS[index % len(EVENT_COLORS)]
        times = sorted({at for r in runs for k, at in r["events"] if k == kind})
        for at in times:
            for axis in axes:
                line = axis.axvline(at, color=color, linestyle=":", linewidth=1.2, alpha=0.8)
        spread = f" {times[0]:.2f}–{times[-1]:.2f} s" if len(times) > 1 else f" {times[0]:.2f} s"
        axes[0].annotate(kind, xy=(times[0], 1.0), xycoords=("data", "axes fraction"),
                         xytext=(2, 2 + 10 * (rows - 1 - index % rows)),
                         textcoords="offset points", fontsize=8, color=color)
        handles.append((line, f"{kind} at{spread}"))
    return handles, rows


def figure_curves(results):
    """Intensity against buffer level: the static curves as lines, the policies with memory as
    their observed samples."""
    runs = results["runs"]
    configurations = ordered(configuration_of(r) for r in runs)
    colors = colors_for(configurations)
    levels = numpy.linspace(0.0, 1.0, 501)
    static, observed = {}, {}
    for configuration in configurations:
        chosen = [r for r in runs if configuration_of(r) == configuration]
        # A configuration's runs can resolve to different settings (latencyProfile: auto
        # adapts them to the network), so every distinct policy gets its own line.
        policies = {}
        for run in chosen:
            policy = throttling_policy(run["config"])
            if policy is not None:
                policies.setdefault(policy_key(policy), (policy, []))[1].append(run)
        for key, (policy, members) in policies.items():
            name = configuration
            if len(policies) > 1:
                name += " (" + ", ".join(ordered(group_of(r)[0] for r in members)) + ")"
            if curve_intensity(policy, levels) is None:
                observed[name] = (policy, members, configuration)
            else:
                # Same curve, same line: one entry naming every configuration that uses it.
                static.setdefault(key, (policy, [], configuration))[1].append(name)
    panels = [p for p in ("static", "observed") if (static if p == "static" else observed)]
    figure = Figure(figsize=(7.5 * max(1, len(panels)), 8))
    if not panels:
        axis = figure.subplots()
        axis.text(0.5, 0.5, "no throttling configuration in the runs' @config",
                  ha="center", va="center", color="gray")
        axis.set_axis_off()
        return figure
    axes = figure.subplots(1, len(panels), squeeze=False)[0]
    for axis, panel in zip(axes, panels):
        if panel == "static":
            for style, (policy, names, configuration) in enumerate(static.values()):
                description = curve_description(policy)
                label = ", ".join(names) + ("" if names == [description] else f": {description}")
                axis.plot(levels, curve_intensity(policy, levels), color=colors[configuration],
                          linewidth=2, linestyle=("-", "--", "-.", ":")[style % 4], label=label)
            policies = [entry[0] for entry in static.values()]
            axis.set_title("throttling curves (from each run's @config)")
        else:
            for name, (policy, members, configuration) in observed.items():
                level, intensity = observed_samples(members)
                kind = "" if policy["type"] == name else f" ({policy['type']})"
                axis.scatter(level, intensity, s=12, alpha=0.4, color=colors[configuration],
                             edgecolors="none",
                             marker=MARKERS[configurations.index(configuration) % len(MARKERS)],
                             label=f"{name}{kind}: no static curve; observed samples of its "
                                   f"{len(members)} runs")
            policies = [entry[0] for entry in observed.values()]
            axis.set_title("policies with memory: observed (level, intensity) samples")
        mark_limits(axis, policies)
        axis.set_xlim(0, 1.0)
        axis.set_ylim(-0.02, 1.02)
        axis.set_xlabel("buffer level (buffered / bufferSize)")
        axis.set_ylabel("throttle intensity (fraction of guest CPU removed)")
        axis.grid(True, alpha=0.3)
        # Below the panel: samples can be anywhere, and a legend must not hide any.
        axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize=8, markerscale=2)
    figure.suptitle(f"{results['scenario']}: throttling intensity against buffer level")
    figure.tight_layout()
    return figure


def policy_key(policy):
    """Equal for policies that draw the same curve."""
    return repr((policy["type"], policy["threshold"], policy["max_intensity"],
                 sorted(policy["curve"].items())))


def observed_samples(runs):
    """(buffer levels, intensities) of every sample of `runs` where both are known."""
    level = [series(r, "buffer_level") for r in runs]
    intensity = [series(r, "throttle_intensity") for r in runs]
    pairs = [(x, y) for x, y in zip(level, intensity) if x is not None and y is not None]
    if not pairs:
        return numpy.empty(0), numpy.empty(0)
    x = numpy.concatenate([x for x, _ in pairs])
    y = numpy.concatenate([y for _, y in pairs])
    keep = ~(numpy.isnan(x) | numpy.isnan(y))
    return x[keep], y[keep]


def mark_limits(axis, policies):
    """The threshold and maxIntensity, when every configuration of the panel shares them (in
    the legend, so no text sits on the data)."""
    thresholds = {p["threshold"] for p in policies}
    maxima = {p["max_intensity"] for p in policies}
    if len(thresholds) == 1:
        value = thresholds.pop()
        axis.axvline(value, color="gray", linestyle="--", linewidth=0.8,
                     label=f"throttleThreshold {value:g}")
    if len(maxima) == 1:
        value = maxima.pop()
        axis.axhline(value, color="gray", linestyle=":", linewidth=0.8,
                     label=f"maxIntensity {value:g}")


def figure_tradeoff(results, table=None):
    """Guest slowdown against each trade-off metric, one panel per (network, workload)."""
    table = aggregate(results) if table is None else table
    groups = ordered((row["network"], row["workload"]) for row in table)
    networks = ordered(g[0] for g in groups)
    workloads = ordered(g[1] for g in groups)
    metrics = [m for m in TRADEOFF_AXES
               if any(not math.isnan(row["metrics"].get(m[0], (math.nan,))[0]) for row in table)]
    configurations = ordered(row["configuration"] for row in table)
    colors = colors_for(configurations)
    rows = max(1, len(metrics) * len(networks))
    figure = Figure(figsize=(5.2 * len(workloads) + 3, 4.4 * rows))
    axes = figure.subplots(rows, len(workloads), squeeze=False)
    if not metrics:
        axes[0][0].text(0.5, 0.5, "no RPO or p99 lag in the summaries", ha="center",
                        va="center", color="gray")
    for m_index, (metric, xlabel, scale) in enumerate(metrics):
        for n_index, network in enumerate(networks):
            for w_index, workload in enumerate(workloads):
                axis = axes[m_index * len(networks) + n_index][w_index]
                chosen = [row for row in table
                          if (row["network"], row["workload"]) == (network, workload)]
                tradeoff_panel(axis, chosen, metric, scale, colors)
                axis.set_title(f"{network} / {workload}", fontsize=10)
                axis.set_xlabel(xlabel)
                axis.set_ylabel(SLOWDOWN[1])
    handles = [axes[0][0].scatter([], [], color=colors[c], marker=MARKERS[i % len(MARKERS)],
                                  label=c) for i, c in enumerate(configurations)]
    handles.append(axes[0][0].plot([], [], color="black", linewidth=1, linestyle="--",
                                   label="Pareto front (labelled points)")[0])
    figure.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.005 + 1 - 2.9 / (
        5.2 * len(workloads) + 3), 0.97), fontsize=9, title="configuration", title_fontsize=9)
    seeds = max((row["seeds"] for row in table), default=0)
    figure.suptitle(f"{results['scenario']}: guest slowdown against RPO and p99 lag "
                    f"(means over up to {seeds} seeds; bars: 95 % CI; lower left is better)")
    figure.tight_layout(rect=(0, 0, 1 - 3 / (5.2 * len(workloads) + 3), 0.98))
    return figure


def tradeoff_panel(axis, rows, metric, scale, colors):
    points = []
    for row in rows:
        x, x_ci = row["metrics"].get(metric, (math.nan, math.nan))
        y, y_ci = row["metrics"].get(SLOWDOWN[0], (math.nan, math.nan))
        points.append((x * scale, y))
        if math.isnan(x) or math.isnan(y):
            continue
        configuration = row["configuration"]
        marker = MARKERS[list(colors).index(configuration) % len(MARKERS)]
        axis.errorbar(x * scale, y, xerr=None if math.isnan(x_ci) else x_ci * scale,
                      yerr=None if math.isnan(y_ci) else y_ci, fmt=marker, markersize=7,
                      color=colors[configuration], ecolor=colors[configuration], elinewidth=0.8,
                      capsize=2, alpha=0.9)
    optimal = sorted({p for p, flag in zip(points, [r["pareto"][metric] for r in rows]) if flag})
    if optimal:
        # The front as a staircase: each optimal point dominates everything up and to its right.
        xs, ys = [optimal[0][0]], [optimal[0][1]]
        for x, y in optimal[1:]:
            xs += [x, x]
            ys += [ys[-1], y]
        axis.plot(xs, ys, color="black", linestyle="--", linewidth=1, zorder=1)
    axis.grid(True, alpha=0.3)
    axis.margins(0.15)
    for cluster in close_clusters(optimal, axis):
        names = [r["configuration"] for r, p in zip(rows, points) if p in cluster]
        point = cluster[0]
        if len(names) == len(rows) > 2:
            text = f"all {len(names)} configurations"
        else:  # three names a line keeps a crowded point's label inside its panel
            text = "\n".join(", ".join(names[i:i + 3]) for i in range(0, len(names), 3))
        # Beside the point, level with it: a label above could sit next to another marker.
        label = axis.annotate(text, xy=point, xytext=(8, 0), textcoords="offset points",
                              va="center", fontsize=8,
                              bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none",
                                    "alpha": 0.7})
        label.set_in_layout(False)  # a long label must not squeeze the panels


def close_clusters(optimal, axis, fraction=0.08):
    """The optimal points (sorted by x) in runs of neighbours closer than `fraction` of the
    panel's view on both axes: one label per run, as labels of nearly equal points overlap."""
    (x0, x1), (y0, y1) = axis.get_xlim(), axis.get_ylim()  # autoscaled to what is drawn
    clusters = []
    for point in optimal:
        last = clusters[-1][-1] if clusters else None
        if last is not None and abs(point[0] - last[0]) <= fraction * abs(x1 - x0) \
                and abs(point[1] - last[1]) <= fraction * abs(y1 - y0):
            clusters[-1].append(point)
        else:
            clusters.append([point])
    return clusters


# ---------------------------------------------------------------------------------------------
# Output

def file_name_part(text):
    """A label as part of a file name: anything but letters, digits, '.', '_', '-' becomes '_'."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text) or "_"


def save_png(figure, path, dpi=100):
    """Writes under a temporary name beside `path` and renames: no partial PNG, ever."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", dir=directory)
    os.close(handle)
    try:
        figure.savefig(temporary, dpi=dpi, format="png")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it private; a plot is not
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def save_figures(figures, directory):
    """Builds and saves each (file name, build function) into `directory`; returns the paths."""
    written = []
    for name, build in figures:
        path = os.path.join(directory, name)
        save_png(build(), path)
        written.append(path)
    return written


def plot_all(results, directory):
    """Writes every PNG for `results` (from read_results) into `directory`; returns the paths."""
    if not results["runs"]:
        raise ValueError(f"scenario {results['scenario']} has no runs to plot")
    import spore  # here, not at the top: spore and plot_spore import this module's helpers

    if spore.is_spore_results(results):
        import plot_spore

        return plot_spore.plot_all(results, directory)
    os.makedirs(directory, exist_ok=True)
    figures = []
    used = set()
    for group in ordered(group_of(r) for r in results["runs"]):
        name = "timeseries-" + "-".join(file_name_part(part) for part in group)
        while name in used:  # two labels that differ only in characters we replaced
            name += "_"
        used.add(name)
        figures.append((f"{name}.png", lambda g=group: figure_timeseries(results, g)))
    figures.append(("curves.png", lambda: figure_curves(results)))
    figures.append(("tradeoff.png", lambda: figure_tradeoff(results)))
    return save_figures(figures, directory)


def main(argv):
    import matplotlib

    matplotlib.use("Agg")  # headless; the figures above do not need pyplot either
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="results file (HDF5, docs/results.md)")
    parser.add_argument("-o", "--output", required=True, help="folder for the PNG files")
    arguments = parser.parse_args(argv)
    try:
        results = read_results(arguments.results)
    except ResultsError as error:
        print(f"plot.py: {error}", file=sys.stderr)
        return 2
    except (OSError, KeyError, TypeError, ValueError) as error:  # h5py failures mid-file
        print(f"plot.py: cannot read results from {arguments.results}: {error}", file=sys.stderr)
        return 2
    if os.path.exists(arguments.output) and not os.path.isdir(arguments.output):
        print(f"plot.py: cannot write plots to {arguments.output}: not a folder", file=sys.stderr)
        return 2
    if not results["runs"]:  # a valid file (an empty sweep), but nothing to draw
        print(f"plot.py: {arguments.results}: no runs to plot", file=sys.stderr)
        return 2
    from spore import SporeError  # not at the top: spore imports this module

    try:
        written = plot_all(results, arguments.output)
    except OSError as error:
        print(f"plot.py: cannot write plots to {arguments.output}: {error.strerror or error}",
              file=sys.stderr)
        return 2
    except SporeError as error:  # spore data the figures cannot interpret
        print(f"plot.py: cannot plot {arguments.results}: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"plot: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
