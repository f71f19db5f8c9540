#!/usr/bin/env python3
"""Service Spore results (a `kind: SporeScenario` run by `mycelium run`) against the analytic
models of analysis/epidemic.py: dissemination curves, failure detection, traffic per member.

A spore results file (docs/scenarios.md, "What a spore run measures") has runs labelled
members, loss, profile and seed, with the series registration_known, leave_known, crash_known
(fractions of the live members), live_members, and the summary metrics
crash_detection_first_s, messages_per_member_per_s, bytes_per_member_per_s ...
A configuration is one (profile, members, loss); its runs are the seeds.

    import sys; sys.path.insert(0, "analysis")
    import spore
    from read_results import read_results
    results = read_results("results/spore-scale.h5")
    spore.is_spore_results(results)              # True
    spore.dissemination(results, "registration") # measured mean over seeds and model, per point
    spore.detection_table(results)               # first suspicion vs SWIM's e/(e-1) periods
    spore.traffic_table(results)                 # messages and bytes per member per second
    spore.conclusions(results)                   # Markdown sentences computed from all of these

Settings of a run (``run_settings``) come from its resolved configuration (@config, YAML:
``membership.probeIntervalMs``, ``probeTimeoutMs``, ``suspicionMultiplier``, and
``gossipIntervalMs``, ``gossipFanout``, ``indirectChecks``, ``retransmitMultiplier``,
``retransmitLimit`` when the simulator records them) and, for what it does not record, from the
defaults of the run's ``profile`` label (core/spore/membership_config.hpp); each setting says
where it came from. A run whose gossip interval, fanout or probe period can be found in neither
raises SporeError. The models and how they are compared: docs/spore-analysis.md.
"""

import math
import os
import sys

import numpy
import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import epidemic  # noqa: E402
from plot import mean_ci, ordered  # noqa: E402  (shared with the replication plots)

SPORE_LABELS = ("members", "loss", "profile")
EVENTS = ("registration", "leave", "crash")
SERIES = {"registration": "registration_known", "leave": "leave_known", "crash": "crash_known"}

# MembershipConfig::lan() and ::wan() (core/spore/membership_config.hpp), in the units used here.
PROFILE_DEFAULTS = {
    "lan": {"probe_interval_s": 1.0, "probe_timeout_s": 0.5, "gossip_interval_s": 0.2,
            "gossip_fanout": 3, "indirect_checks": 3, "retransmit_multiplier": 4,
            "suspicion_multiplier": 4.0},
    "wan": {"probe_interval_s": 5.0, "probe_timeout_s": 3.0, "gossip_interval_s": 0.5,
            "gossip_fanout": 4, "indirect_checks": 3, "retransmit_multiplier": 4,
            "suspicion_multiplier": 6.0},
}
# What the models cannot do without; the others have a fallback when the profile is unknown.
REQUIRED_SETTINGS = ("probe_interval_s", "gossip_interval_s", "gossip_fanout")
# memberlist's values, the same in both profiles; unknown (NaN) what differs and is not needed:
# the probe timeout is only shown, the suspicion multiplier only narrows the search for a death.
COMMON_DEFAULTS = {"probe_timeout_s": math.nan, "indirect_checks": 3, "retransmit_multiplier": 4,
                   "suspicion_multiplier": math.nan}
# membership.<key> in a run's resolved configuration -> (setting, factor to the unit above).
CONFIG_KEYS = {
    "probeIntervalMs": ("probe_interval_s", 1e-3),
    "probeTimeoutMs": ("probe_timeout_s", 1e-3),
    "gossipIntervalMs": ("gossip_interval_s", 1e-3),
    "gossipFanout": ("gossip_fanout", 1),
    "indirectChecks": ("indirect_checks", 1),
    "retransmitMultiplier": ("retransmit_multiplier", 1),
    "suspicionMultiplier": ("suspicion_multiplier", 1),
    "retransmitLimit": ("retransmit_limit", 1),  # optional: the resolved limit for this run's N
}
SETTINGS = tuple(PROFILE_DEFAULTS["lan"])

# A leave whose fraction is already above this at the leave was no news: most members had never
# heard of the leaver (it failed to join under heavy loss), so there is nothing to disseminate.
NO_NEWS_FRACTION = 0.5


class SporeError(ValueError):
    """Spore results this module cannot interpret (a setting it cannot find, a missing series)."""


# ---------------------------------------------------------------------------------------------
# Runs and settings

def is_spore_results(results):
    """True when every run of `results` (from read_results) is a spore run: the labels members,
    loss and profile and the series registration_known. False for an empty file."""
    runs = results["runs"]
    return bool(runs) and all(
        all(key in run["labels"] for key in SPORE_LABELS)
        and SERIES["registration"] in run["series"] for run in runs)


def configuration_of(run):
    """(profile, members, loss) of a spore run; members an int, loss a float."""
    labels = run["labels"]
    try:
        return labels["profile"], int(labels["members"]), float(labels["loss"])
    except (KeyError, ValueError) as error:
        raise SporeError(f"run '{run['name']}': labels members, loss and profile expected "
                         f"(members an integer, loss a number): {error}") from None


def configurations(results):
    """{(profile, members, loss): [runs]}, profiles in file order, then members and loss
    ascending."""
    groups = {}
    for run in results["runs"]:
        groups.setdefault(configuration_of(run), []).append(run)
    profiles = ordered(key[0] for key in groups)
    return {key: groups[key] for key in sorted(groups, key=lambda k: (profiles.index(k[0]),
                                                                     k[1], k[2]))}


def run_settings(run):
    """{setting: value, "sources": {setting: where it came from}} for the SWIM and gossip
    settings of SETTINGS (and retransmit_limit when the configuration records it), read from the
    run's @config ("config") and completed from its profile ("profile default"). For a profile
    this module does not know, REQUIRED_SETTINGS must be in the configuration (else SporeError)
    and the others fall back to COMMON_DEFAULTS ("memberlist default")."""
    membership = {}
    try:
        document = yaml.safe_load(run["config"]) if run.get("config") else None
    except yaml.YAMLError:
        document = None
    if isinstance(document, dict) and isinstance(document.get("membership"), dict):
        membership = document["membership"]
    settings, sources = {}, {}
    for key, (name, factor) in CONFIG_KEYS.items():
        value = membership.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            settings[name] = value * factor
            sources[name] = "config"
    profile = run["labels"].get("profile", "")
    missing = [name for name in SETTINGS if name not in settings]
    if profile in PROFILE_DEFAULTS:
        for name in missing:
            settings[name] = PROFILE_DEFAULTS[profile][name]
            sources[name] = "profile default"
    else:
        required = [name for name in missing if name in REQUIRED_SETTINGS]
        if required:
            raise SporeError(
                f"run '{run['name']}': cannot tell its {', '.join(required)}: the resolved "
                f"configuration does not record them and its profile '{profile}' is not one of "
                f"{', '.join(PROFILE_DEFAULTS)}")
        for name in missing:
            settings[name] = COMMON_DEFAULTS[name]
            sources[name] = "memberlist default"
    for name in ("probe_interval_s", "gossip_interval_s"):
        if not settings[name] > 0:
            raise SporeError(f"run '{run['name']}': {name} must be positive, not {settings[name]}")
    settings["sources"] = sources
    return settings


def event_time(run, kind):
    """When the run's first event of `kind` happened (seconds), None without one."""
    return next((at for event, at in run["events"] if event == kind), None)


def _sample_interval(run):
    steps = numpy.diff(run["time_s"])
    return float(numpy.median(steps)) if len(steps) else math.nan


def _index_at(run, at):
    """Index of the first sample at or after `at` (a small tolerance for float times)."""
    return int(numpy.searchsorted(run["time_s"], at - 1e-9))


def _series(run, name):
    column = run["series"].get(name)
    if column is None:
        raise SporeError(f"run '{run['name']}' has no '{name}' series")
    return column["values"]


# ---------------------------------------------------------------------------------------------
# Dissemination: measured curves and the model

def earliest_death_s(run, settings):
    """Seconds after the crash before which no member can have declared the crashed member dead:
    its first suspicion plus Lifeguard's shortest suspicion, alpha max(1, log10 n) probe periods
    (core/spore/suspicion.hpp), with n one below the live members before the crash (a smaller n
    only makes it earlier). 0 when the suspicion multiplier is unknown; NaN when nobody suspected
    the crashed member."""
    first = run["summary"].get("crash_detection_first_s", math.nan)
    alpha = settings["suspicion_multiplier"]
    if math.isnan(first) or math.isnan(alpha):
        return first if math.isnan(first) else 0.0
    n = max(1, _members_before(run, event_time(run, "crash")) - 1)
    return first + alpha * max(1.0, math.log10(n)) * settings["probe_interval_s"]


def _start(run, event, settings):
    """(index of the curve's origin, why the run is left out or None) for one run and event.

    Registration and leave: the event's sample. Crash: the first sample at which a member had
    declared the crashed member dead, since a death is gossiped from whoever declares it first:
    the fraction rose above its value at the last sample before a death was possible
    (earliest_death_s; earlier changes are members that forgot or never heard of it, which the
    series counts as knowing)."""
    at = event_time(run, event)
    if at is None:
        return None, f"no '{event}' event"
    values = _series(run, SERIES[event])
    index = _index_at(run, at)
    if index >= len(values) or math.isnan(values[index]):
        return None, f"no sample at or after the {event}"
    if event == "crash":
        earliest = earliest_death_s(run, settings)
        if math.isnan(earliest):
            return None, "nobody suspected it within the run"
        start = max(index + 1, _index_at(run, at + earliest))
        rises = numpy.nonzero(values[start:] > values[start - 1] + 1e-12)[0]
        if len(rises) == 0:
            return None, "nobody declared it dead within the run"
        return start + int(rises[0]), None
    if event == "leave" and values[index] > NO_NEWS_FRACTION:
        return None, f"no news: {values[index]:.0%} did not know the leaver before it left"
    return index, None


def event_model(event, settings, members, loss, first_wait_s, rounds, extra_fanout=0.0, form=None):
    """Model of one event's spread as (round times in seconds after the origin, fractions as
    the series measures them), rounds 0 .. `rounds`.

    members: the members taking part (the source included). Registration: the registrant is a
    source that the series counts. Leave: the leaver is the source, not counted, and it also tells
    indirectChecks members directly as it leaves (round 1 has that many more messages). Crash:
    the first member to declare it dead is the source. extra_fanout: messages per member and
    round added to the gossip fanout (probes and acks also carry gossip)."""
    fanout = settings["gossip_fanout"] + extra_fanout
    first = fanout + settings["indirect_checks"] if event == "leave" else None
    fractions = epidemic.informed_fractions(members, fanout, loss, rounds,
                                            first_round_fanout=first,
                                            form=form or "distinct")
    if event == "leave":  # the series counts the live members other than the leaver
        fractions = [max(0.0, (members * f - 1.0) / (members - 1)) for f in fractions]
    times = epidemic.round_times(rounds, settings["gossip_interval_s"], first_wait_s)
    return numpy.asarray(times), numpy.asarray(fractions)


def model_at(times, fractions, x):
    """The model's value at sample times `x`: round r counts from strictly after its pushes left
    (they arrive one latency later; a sample at the very instant sees the previous round)."""
    done = numpy.searchsorted(times[1:], numpy.asarray(x, dtype=float), side="left")
    return fractions[done]


def model_time_to(times, fractions, target, sample_s):
    """When the model reaches `target`, as a sampled measurement would see it: the first sample
    after the round that got there. NaN when it does not within the rounds given."""
    reached = numpy.nonzero(fractions >= target)[0]
    if len(reached) == 0:
        return math.nan
    at = times[reached[0]]
    if reached[0] == 0:
        return 0.0
    return (math.floor(at / sample_s + 1e-9) + 1) * sample_s


def _participants(run, event, index):
    """Members taking part in the event's spread, the source included (see event_model)."""
    live = int(round(_series(run, "live_members")[index]))
    return live + 1 if event == "leave" else live


def _rounds_for(members, settings, loss, window_s, first_wait_s):
    """Enough rounds for the model to cover `window_s`, and at least to reach 1 - 1/(10 N)."""
    needed = epidemic.rounds_to_reach(members, settings["gossip_fanout"], loss,
                                      1.0 - 0.1 / members) or 1000
    return max(needed, int(math.ceil((window_s - first_wait_s) / settings["gossip_interval_s"]))
               + 1)


def dissemination(results, event, extra_fanout=0.0):
    """One dict per configuration (configurations() order) for `event` (registration, leave,
    crash): the measured fraction averaged over its seeds and the model for the same N and p.

    Keys: profile, members, loss; runs (names averaged) and excluded ([(name, reason)]); x
    (seconds after the origin: the event, or for the crash the first death declaration), mean,
    per_run (arrays on x); model_times, model_fractions (the staircase, round 0 at x = 0),
    model_on_x (the model at the samples), model_members (N of the model), sample_s, settings,
    first_wait_s; origin ("event" or "first declaration"). Configurations whose runs are all
    excluded have x empty."""
    if event not in EVENTS:
        raise ValueError(f"event must be one of {', '.join(EVENTS)}, not {event!r}")
    rows = []
    for (profile, members, loss), runs in configurations(results).items():
        settings = run_settings(runs[0])
        used, excluded, curves, participants = [], [], [], []
        first_wait = 0.0
        for run in runs:
            index, reason = _start(run, event, settings)
            if reason is not None:
                excluded.append((run["name"], reason))
                continue
            used.append(run)
            curves.append(_series(run, SERIES[event])[index:])
            participants.append(_participants(run, event, index))
            if event != "crash":
                first_wait = epidemic.first_round_wait(event_time(run, event),
                                                       settings["gossip_interval_s"])
        row = {"profile": profile, "members": members, "loss": loss,
               "runs": [r["name"] for r in used], "excluded": excluded, "settings": settings,
               "first_wait_s": first_wait,
               "origin": "first declaration" if event == "crash" else "event"}
        if not used:
            row.update(x=numpy.empty(0), mean=numpy.empty(0), per_run=[], sample_s=math.nan,
                       model_times=numpy.empty(0), model_fractions=numpy.empty(0),
                       model_on_x=numpy.empty(0), model_members=members)
            rows.append(row)
            continue
        length = min(len(c) for c in curves)
        stacked = numpy.vstack([c[:length] for c in curves])
        sample_s = _sample_interval(used[0])
        x = numpy.arange(length) * sample_s
        with numpy.errstate(invalid="ignore"):
            mean = numpy.nanmean(stacked, axis=0) if length else numpy.empty(0)
        model_members = int(round(sum(participants) / len(participants)))
        rounds = _rounds_for(model_members, settings, loss, float(x[-1]) if length else 0.0,
                             first_wait)
        times, fractions = event_model(event, settings, model_members, loss, first_wait, rounds,
                                       extra_fanout)
        row.update(x=x, mean=mean, per_run=list(stacked), sample_s=sample_s,
                   model_times=times, model_fractions=fractions,
                   model_on_x=model_at(times, fractions, x), model_members=model_members)
        rows.append(row)
    return rows


def reach_table(results, event="registration", fraction=0.99):
    """Time for `event` to reach `fraction` of the live members, per configuration: measured
    (the summary metric <event>_p<..>_s, mean and 95 % CI over the seeds that got there, and how
    many did not), the model with gossip rounds only and with probe piggybacking (2 messages per
    member and protocol period added to the fanout), both at the sample resolution, and the
    fraction measured at the end of the run against the model's with the retransmit limit.

    The summary's times need ceil(fraction x live) members; the model, an expectation, counts as
    there when its expected number of informed members is within half a member of that. Events
    registration and leave (a crash's spread starts at its first declaration, not at the crash
    the summary times count from); fractions 0.5, 0.99, 0.9999 (those the summary reports)."""
    if event not in ("registration", "leave"):
        raise ValueError(f"event must be registration or leave, not {event!r}")
    suffix = {0.5: "p50", 0.99: "p99", 0.9999: "p9999"}.get(fraction)
    if suffix is None:
        raise ValueError(f"fraction must be 0.5, 0.99 or 0.9999, not {fraction}")
    metric = f"{event}_{suffix}_s"
    plain = {(r["profile"], r["members"], r["loss"]): r for r in dissemination(results, event)}
    rows = []
    for key, runs in configurations(results).items():
        profile, members, loss = key
        settings = run_settings(runs[0])
        curve = plain[key]
        used = set(curve["runs"])  # the same runs as the curves (a leave that was no news: out)
        values = [run["summary"].get(metric, math.nan) for run in runs if run["name"] in used]
        mean, ci = mean_ci(values)
        row = {"profile": profile, "members": members, "loss": loss, "runs": len(values),
               "excluded": len(curve["excluded"]),
               "not_reached": sum(1 for v in values if math.isnan(v)),
               "measured_s": mean, "measured_ci_s": ci,
               "model_s": math.nan, "model_piggyback_s": math.nan,
               "final_measured": math.nan, "final_model_limited": math.nan}
        if len(curve["x"]):
            n = curve["model_members"]
            # Like the summary: `fraction` of the live members, rounded up to whole members.
            live = n - 1 if event == "leave" else n
            target = (math.ceil(fraction * live - 1e-9) - 0.5) / live
            piggyback = 2.0 * settings["gossip_interval_s"] / settings["probe_interval_s"]
            for name, extra in (("model_s", 0.0), ("model_piggyback_s", piggyback)):
                times, fractions = event_model(event, settings, n, loss, curve["first_wait_s"],
                                               len(curve["model_times"]) + 50, extra)
                row[name] = model_time_to(times, fractions, target, curve["sample_s"])
            row["final_measured"] = float(curve["mean"][-1])
            limit = settings.get("retransmit_limit") or epidemic.retransmit_limit(
                n, settings["retransmit_multiplier"])
            active = max(1, math.ceil(limit / (settings["gossip_fanout"] + piggyback)))
            row["retransmit_limit"] = limit
            row["final_model_limited"] = epidemic.informed_fractions(
                n, settings["gossip_fanout"], loss, 400, active_rounds=active)[-1]
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------------------------
# Failure detection

def _members_before(run, at):
    """Live members at the last sample before `at` (the crashed member still among them)."""
    index = _index_at(run, at) - 1
    live = _series(run, "live_members")
    if index < 0 or index >= len(live):
        return int(run["labels"]["members"])
    return int(round(live[index]))


def detection_table(results):
    """One row per configuration: the first suspicion of the crashed member by anyone
    (crash_detection_first_s) against SWIM's expectation.

    Keys: profile, members, loss, runs, detected (runs with a suspicion), probe_interval_s,
    wait_s (crash to the next probe period boundary on the simulator's grid), group (live members
    at the crash, it included), measured_s and measured_ci_s (mean and 95 % CI half width over
    the seeds, Student's t), measured_periods and measured_ci_periods ((measured - wait) /
    period), expected_periods (1 / q for that group: e/(e-1) = 1.582 as N grows), expected_s
    (wait + expected periods), ratio (measured periods / expected periods), min_s, max_s."""
    rows = []
    for (profile, members, loss), runs in configurations(results).items():
        settings = run_settings(runs[0])
        period = settings["probe_interval_s"]
        crash_times = [event_time(run, "crash") for run in runs]
        crashed = [(run, at) for run, at in zip(runs, crash_times) if at is not None]
        values = [run["summary"].get("crash_detection_first_s", math.nan) for run, _ in crashed]
        finite = [v for v in values if not math.isnan(v)]
        mean, ci = mean_ci(values)
        wait = epidemic.first_round_wait(crashed[0][1], period) if crashed else math.nan
        group = (int(round(sum(_members_before(run, at) for run, at in crashed) / len(crashed)))
                 if crashed else members)
        expected = epidemic.swim_expected_periods(group)
        measured_periods = (mean - wait) / period
        rows.append({
            "profile": profile, "members": members, "loss": loss, "runs": len(runs),
            "detected": len(finite), "probe_interval_s": period, "wait_s": wait, "group": group,
            "measured_s": mean, "measured_ci_s": ci,
            "measured_periods": measured_periods, "measured_ci_periods": ci / period,
            "expected_periods": expected, "expected_s": wait + expected * period,
            "ratio": measured_periods / expected,
            "min_s": min(finite) if finite else math.nan,
            "max_s": max(finite) if finite else math.nan,
        })
    return rows


def format_detection_table(rows):
    """The detection table as Markdown."""
    lines = ["| profile | members | loss | detected | first suspicion s (95 % CI) | periods | "
             "SWIM expected periods | expected s | measured / expected |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        lines.append(
            f"| {row['profile']} | {row['members']} | {row['loss']:g} "
            f"| {row['detected']}/{row['runs']} "
            f"| {_with_ci(row['measured_s'], row['measured_ci_s'])} "
            f"| {_with_ci(row['measured_periods'], row['measured_ci_periods'])} "
            f"| {row['expected_periods']:.3f} | {row['expected_s']:.2f} "
            f"| {_number(row['ratio'])} |")
    return "\n".join(lines)


def _number(value, digits=2):
    return "–" if math.isnan(value) else f"{value:.{digits}f}"


def _with_ci(mean, ci, digits=2):
    if math.isnan(mean):
        return "–"
    return f"{mean:.{digits}f}" + ("" if math.isnan(ci) else f" ± {ci:.{digits}f}")


# ---------------------------------------------------------------------------------------------
# Traffic

TRAFFIC_METRICS = (("messages_per_member_per_s", "messages / member / s"),
                   ("bytes_per_member_per_s", "bytes / member / s"))


def traffic_table(results):
    """One row per configuration: profile, members, loss, runs, and for each metric of
    TRAFFIC_METRICS (mean, 95 % CI half width) over the seeds."""
    rows = []
    for (profile, members, loss), runs in configurations(results).items():
        row = {"profile": profile, "members": members, "loss": loss, "runs": len(runs)}
        for metric, _ in TRAFFIC_METRICS:
            row[metric] = mean_ci([run["summary"].get(metric, math.nan) for run in runs])
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------------------------
# Conclusions

def _key_text(row):
    return f"N = {row['members']}, loss {row['loss']:g}"


def conclusions(results):
    """Markdown bullet points computed from the file: how the measured spread compares with the
    model, whether everyone got the news, detection against SWIM, traffic against N."""
    text = []
    reach = [r for r in reach_table(results) if not math.isnan(r["model_s"])]
    if reach:
        compared = [r for r in reach if not math.isnan(r["measured_s"])]
        if compared:
            tolerance = 1e-6  # both are on the sample grid: equal up to rounding
            ahead = [r for r in compared if r["measured_s"] < r["model_s"] - tolerance]
            behind = [r for r in compared if r["measured_s"] > r["model_s"] + tolerance]
            worst = max(compared, key=lambda r: abs(r["measured_s"] - r["model_s"]))
            text.append(
                f"- **Dissemination.** The registration reached 99 % of the live members "
                f"(mean over the seeds that got there) sooner than the push-gossip model says in "
                f"{len(ahead)} of {len(compared)} configurations, later in {len(behind)}, at the "
                f"same sample in {len(compared) - len(ahead) - len(behind)}; the largest gap is at "
                f"{_key_text(worst)}: {worst['measured_s']:.2f} s measured against "
                f"{worst['model_s']:.2f} s (gossip rounds only) and "
                f"{worst['model_piggyback_s']:.2f} s (with probe piggybacking).")
        missing = [r for r in reach if r["not_reached"]]
        if missing:
            text.append("- **Not everyone heard.** Within the run, the registration never reached "
                        "99 % of the live members in " + "; ".join(
                            f"{r['not_reached']} of {r['runs']} seeds at {_key_text(r)} (at the "
                            f"end {r['final_measured']:.1%} knew; the model with each member "
                            f"sending {r['retransmit_limit']} copies predicts "
                            f"{r['final_model_limited']:.2%})" for r in missing) + ".")
        else:
            text.append("- **Everyone heard.** Every seed of every configuration got the "
                        "registration to 99 % of the live members within the run.")
    detection = [r for r in detection_table(results) if r["detected"]]
    if detection:
        # An interval needs seeds that differ: identical values give a zero-width interval.
        spread = [r for r in detection if r["measured_ci_s"] > 0]
        within = [r for r in spread if abs(r["measured_s"] - r["expected_s"]) <= r["measured_ci_s"]]
        slowest = max(detection, key=lambda r: r["ratio"])
        undetected = sum(r["runs"] - r["detected"] for r in detection_table(results))
        text.append(
            f"- **Failure detection.** The first suspicion of the crashed member came "
            f"{min(r['measured_periods'] for r in detection):.2f} to "
            f"{max(r['measured_periods'] for r in detection):.2f} protocol periods after the "
            f"crash (means over seeds), against SWIM's {epidemic.SWIM_PERIODS_LIMIT:.2f}"
            + (f"; SWIM's expectation lies within the 95 % interval in {len(within)} of the "
               f"{len(spread)} configurations whose seeds differ" if spread else "")
            + f". Slowest relative to SWIM: {_key_text(slowest)}, {slowest['ratio']:.2f} times "
            "the expectation."
            + (f" {undetected} run{'s' if undetected > 1 else ''} never suspected it within the "
               "run." if undetected else ""))
    traffic = traffic_table(results)
    sizes = sorted({r["members"] for r in traffic})
    if len(sizes) >= 2:
        parts = []
        for profile, loss in ordered((r["profile"], r["loss"]) for r in traffic):
            by_size = {r["members"]: r for r in traffic
                       if (r["profile"], r["loss"]) == (profile, loss)}
            if sizes[0] not in by_size or sizes[-1] not in by_size:
                continue
            small, large = by_size[sizes[0]], by_size[sizes[-1]]
            figures = []
            for metric, unit, digits in (("messages_per_member_per_s", "messages", 1),
                                         ("bytes_per_member_per_s", "bytes", 0)):
                a, b = small[metric][0], large[metric][0]
                if a > 0 and not math.isnan(b):
                    figures.append(f"{unit} x{b / a:.2f} ({a:.{digits}f} to {b:.{digits}f})")
            if figures:
                parts.append(f"at loss {loss:g}" + (f" ({profile})" if len(
                    {r["profile"] for r in traffic}) > 1 else "") + ": " + ", ".join(figures))
        if parts:
            text.append(f"- **Traffic.** Sent per member per second from N = {sizes[0]} to "
                        f"N = {sizes[-1]}: " + "; ".join(parts) + ".")
    return text
