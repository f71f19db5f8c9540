#!/usr/bin/env python3
"""Analytic models of Service Spore dissemination and failure detection (docs/spore-analysis.md).

Push gossip, in synchronous rounds. Every gossip interval each informed member sends the news
to `fanout` distinct members drawn uniformly among the N - 1 others (memberlist's gossip rounds,
core/spore/membership.cpp `gossip_round`); each datagram is lost independently with probability
p. An uninformed member is reached by one informed sender with probability f (1 - p) / (N - 1),
independently across the N i_r senders, so the expected informed fraction obeys

    i_{r+1} = i_r + (1 - i_r) (1 - (1 - f (1 - p) / (N - 1)) ^ (N i_r)),   i_0 = 1 / N

(``form="distinct"``, the default). It is exact for one round given i_r (the recurrence then
carries the mean forward: a mean-field approximation in time only), and it keeps the finite N
that matters at the scenarios' 12 .. 1000 members. Two other forms are offered:

* ``"independent"``: each of the f N i_r messages picks its target independently (targets may
  repeat): (1 - (1 - p) / (N - 1)) ^ (f N i_r). Equal to the first to first order in f / N.
* ``"mean-field"``: the N -> infinity limit of both, i + (1 - i)(1 - exp(-f (1 - p) i)). Its
  exponent lacks the factor N / (N - 1), so it is a little slow at small N.

Loss multiplies the effective fanout by 1 - p. Early on the informed fraction grows by a factor
1 + f (1 - p) per round instead of 1 + f; late, the uninformed fraction shrinks by a factor
exp(-f (1 - p)) per round instead of exp(-f). So with loss an epidemic takes between
log(1 + f) / log(1 + f (1 - p)) (1.22 at f = 3, p = 0.3) and 1 / (1 - p) (1.43) times as many
rounds, and reaching 1 - 1 / N^c takes O(log N) rounds: about log_{1+f(1-p)} N for the growth
plus c ln N / (f (1 - p)) for the tail (for push gossip with f = 1 and no loss, Pittel 1987:
log2 N + ln N + O(1)).

Rounds to seconds: round r (r >= 1) is the r-th gossip tick after the event. In the simulator
every member's gossip timer starts at t = 0, so ticks fall on multiples of the interval and the
first one comes ``first_round_wait(event_s, interval_s)`` after the event (0 when the event is on
the grid: the simulator runs the scenario's event before the timers due at the same instant);
in a deployment the wait is uniform in [0, interval). Round r's pushes then leave at
wait + (r - 1) interval and arrive one network latency later.

Not modelled (the plots show the gap): probes and acks carry gossip too (about 2 per member and
protocol period: + 2 interval / probeInterval to the fanout, 0.4 on a LAN), a member stops
sending an update after lambda ceil(log10(N + 1)) transmissions (``active_rounds`` models that
limit as rounds of pushing), and push-pull anti-entropy repairs what gossip missed.

Partial views (V members each) change neither model if the views are random: a given member is
in an informed sender's view with probability V / (N - 1) and then among its f targets with
probability f / V, f / (N - 1) in all, as with full tables; likewise each other member probes a
crashed one with probability V / (N - 1) x 1 / V per period. Fixed views correlate who reaches
whom, which the recurrence ignores.

Failure detection (SWIM, Das, Gupta and Motivala 2002): each protocol period every live member
probes one other. With M members (the crashed one included), each of the M - 1 others probes
the crashed member in a period with probability 1 / (M - 1), so some member does with
probability q = 1 - (1 - 1 / (M - 1))^(M - 1) -> 1 - 1/e, and the number of periods until the
first probe is geometric: e/(e-1) ~= 1.582 periods expected (``swim_expected_periods``). The
prober suspects the member when no ack came by the end of that period (this implementation
suspects at the period's end, after the probe timeout and the indirect probes). So the first
suspicion by anyone, the metric ``crash_detection_first_s``, comes K periods after the first
period boundary following the crash, E[K] = 1 / q: ``expected_first_detection_s``.

Pure Python, no dependency. Tests: tests/analysis/test_epidemic.py.
"""

import math

FORMS = ("distinct", "independent", "mean-field")
SWIM_PERIODS_LIMIT = math.e / (math.e - 1.0)  # 1.5820 protocol periods as N -> infinity


def _reached(members, fanout, loss, senders, form):
    """Probability that one uninformed member hears from at least one of `senders` (a fraction
    of `members`) in a round."""
    if senders <= 0.0:
        return 0.0
    if form == "mean-field":
        return 1.0 - math.exp(-fanout * (1.0 - loss) * senders)
    per_message = (1.0 - loss) / (members - 1)
    if form == "distinct":
        per_sender = min(1.0, fanout * per_message)
        return 1.0 - (1.0 - per_sender) ** (members * senders)
    return 1.0 - (1.0 - per_message) ** (fanout * members * senders)


def informed_fractions(members, fanout, loss, rounds, *, initial=1.0, first_round_fanout=None,
                       active_rounds=None, form="distinct"):
    """Expected fraction of the `members` informed after 0, 1, ..., `rounds` push rounds.

    initial: members informed before round 1 (the source: 1). first_round_fanout: messages each
    informed member sends in round 1 instead of `fanout` (a leaving member also tells
    indirectChecks members directly as it leaves). active_rounds: each member pushes only in the
    first `active_rounds` rounds after it learned the news (the retransmit limit); None: forever,
    as in the recurrence of the module docstring. Returns a list of rounds + 1 floats.
    """
    if form not in FORMS:
        raise ValueError(f"form must be one of {', '.join(FORMS)}, not {form!r}")
    if members < 2:
        raise ValueError(f"members must be at least 2, not {members}")
    if not 0.0 <= loss < 1.0:
        raise ValueError(f"loss must be in [0, 1), not {loss}")
    if fanout < 0 or rounds < 0 or not 0 < initial <= members:
        raise ValueError("fanout and rounds must be >= 0 and 0 < initial <= members")
    if active_rounds is not None and active_rounds < 1:
        raise ValueError(f"active_rounds must be at least 1, not {active_rounds}")
    fractions = [initial / members]
    for r in range(rounds):
        current = fractions[-1]
        if active_rounds is None:
            senders = current
        else:  # informed within the last `active_rounds` rounds (the source: at round 0)
            oldest = r - active_rounds
            senders = current - (fractions[oldest] if oldest >= 0 else 0.0)
        f = first_round_fanout if (r == 0 and first_round_fanout is not None) else fanout
        fractions.append(current + (1.0 - current) * _reached(members, f, loss, senders, form))
    return fractions


def rounds_to_reach(members, fanout, loss, target, *, max_rounds=1000, **options):
    """Smallest r with informed_fractions(...)[r] >= target (options as there); None when it
    does not get there within max_rounds (a limited epidemic can stop short of 1)."""
    fractions = informed_fractions(members, fanout, loss, max_rounds, **options)
    return next((r for r, value in enumerate(fractions) if value >= target), None)


def first_round_wait(event_s, interval_s):
    """Seconds from an event at `event_s` to the next tick of a timer started at t = 0 with
    period `interval_s` (0 when the event falls on a tick)."""
    if interval_s <= 0:
        raise ValueError(f"interval must be positive, not {interval_s}")
    wait = (-event_s) % interval_s
    return 0.0 if min(wait, interval_s - wait) < 1e-9 * max(1.0, interval_s) else wait


def round_times(rounds, interval_s, first_wait_s=0.0):
    """When round r's pushes leave, seconds after the event: 0 for r = 0 (the event itself),
    first_wait + (r - 1) interval for r >= 1."""
    return [0.0] + [first_wait_s + (r - 1) * interval_s for r in range(1, rounds + 1)]


def swim_first_probe_probability(members):
    """Probability that at least one of the other members - 1 members probes a given member in
    one protocol period, each probing one of its members - 1 peers uniformly."""
    if members < 2:
        raise ValueError(f"members must be at least 2, not {members}")
    others = members - 1
    return 1.0 - (1.0 - 1.0 / others) ** others


def swim_expected_periods(members=None):
    """Expected protocol periods until the first probe of a crashed member, counting the period
    of that probe: 1 / q for a group of `members`, e/(e-1) for None (the N -> infinity limit)."""
    if members is None:
        return SWIM_PERIODS_LIMIT
    return 1.0 / swim_first_probe_probability(members)


def expected_first_detection_s(members, probe_interval_s, crash_s=0.0):
    """Expected seconds from a crash at `crash_s` to its first suspicion: the wait to the next
    period boundary (periods on the grid k * probe_interval, as in the simulator while local
    health is 0) plus swim_expected_periods(members) periods; the suspicion is raised at the end
    of the period whose probe failed."""
    return (first_round_wait(crash_s, probe_interval_s)
            + swim_expected_periods(members) * probe_interval_s)


def retransmit_limit(members, multiplier=4):
    """memberlist's transmissions per update: lambda * ceil(log10(N + 1)), at least lambda."""
    return multiplier * max(1, math.ceil(math.log10(members + 1)))
