#!/usr/bin/env bash
# Sim vs real: the five-member LAN cluster of scenarios/sim-vs-real/ run as five myceliumd agents
# in network namespaces (no emulation: the veth LAN), then in the simulator, and compared
# (analysis/sim_vs_real.py): failure detection latency, spore convergence time and replication
# lag must agree within 25 %; both distributions go to WORK_DIR/sim-vs-real.h5 and a plot.
#
# Each repetition starts the five agents at once (node 1 is the seed, node 1 replicates the demo
# workload to nodes 2 and 3), then, as the spore scenario does with members 0..4:
#   +5 s  node 2 registers REGISTRATIONS instances, 0.6 s apart (each one a spread sample: a
#         rumor lives about 0.4 s, and they share no state);
#   then  node 5 leaves (SIGTERM);  5 s later node 4's agent is killed (-9);
# and reads when every agent learned each event (learned_at_unix_s of /services,
# state_since_unix_s of /members: the agents' own clocks, one machine) and node 1's
# replication_lag_ms series (/series). Times are from the event: the registrant's own learning
# time, the SIGTERM, the kill.
# Needs root (network namespaces); otherwise says why and exits 77 (ctest: skipped).
# Usage: sim_vs_real.sh MYCELIUMD MYCELIUM_WORKLOAD MYCELIUM WORK_DIR [REPETITIONS [REGISTRATIONS]]
set -euo pipefail
myceliumd=$1 workload=$2 mycelium=$3 work_root=$4 repetitions=${5:-2} registrations=${6:-20}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../cli/lib/agents.sh"
source "$here/lib/hosts.sh"
rm -rf "$work_root" && mkdir -p "$work_root"
work=$work_root

skip_unless_root sim_vs_real
subnet=10.78.$(($$ % 200 + 20))
pids=() tag=s$$r0 shm=/dev/shm/mycelium-simreal-$$-0
cleanup() {
  stop_agents "${pids[@]}"
  remove_hosts "$tag" 5
  rm -f "$shm"-*
}
trap cleanup EXIT
now_s() { python3 -c 'import time; print(repr(time.time()))'; }

run_once() {
  tag=s$$r$1 shm=/dev/shm/mycelium-simreal-$$-$1 work=$work_root/run-$1
  mkdir -p "$work"
  pids=()
  make_hosts_or_skip sim_vs_real "$tag" "$subnet" 5
  listen=(7200 7200 7200 7200 7200) admin=(9460 9460 9460 9460 9460)
  replication_backups="[2, 3]"
  for i in 1 2 3; do
    seeds="[1]"
    [[ $i == 1 ]] && seeds="[]"
    write_replication_config "$work/agent-$i.yaml" "$i" "$seeds" "$shm" "$workload"
  done
  for i in 4 5; do write_agent_config "$work/agent-$i.yaml" "$i" "[1]"; done

  local start_s
  start_s=$(now_s)
  for i in 1 2 3 4 5; do
    host_start "$tag-$i" "$myceliumd" --config "$work/agent-$i.yaml" 2>"$work/node-$i.log" &
    pids+=($!)
  done
  state_of() {  # the state host N has for member M ("" when unknown)
    host_get "$1" /members | python3 -c 'import json, sys
text = sys.stdin.read()
members = json.loads(text) if text.strip() else []
print(next((m["state"] for m in members if m["node"] == int(sys.argv[1])), ""))' "$2"
  }
  all_alive() { for n in 1 2 3 4 5; do for m in 1 2 3 4 5; do [[ $(state_of "$n" "$m") == alive ]] || return 1; done; done; }
  wait_for "every host sees the five members alive" 30 all_alive

  # Registrations from +5 s, 0.6 s apart, as in the scenario (registerAt: 5s).
  sleep "$(python3 -c "print(max(0.0, $start_s + 5 - $(now_s)))")"
  for k in $(seq "$registrations"); do
    answer=$(host_post 2 "/services/register?service=sim-vs-real&instance=reg-$k&port=8080")
    [[ $answer == 201* ]] || fail "registration $k: $answer"
    sleep 0.6
  done
  known_by_all() {
    for n in 1 2 3 4 5; do
      [[ $(host_get "$n" /services | grep -o '"reg-' | wc -l) == "$registrations" ]] || return 1
    done
  }
  wait_for "every host learns the $registrations instances" 30 known_by_all
  for n in 1 2 3 4 5; do host_get "$n" /services >"$work/services-$n.json"; done

  local leave_s crash_s
  leave_s=$(now_s)
  kill -TERM "${pids[4]}"
  wait "${pids[4]}" || fail "node 5 after SIGTERM: exit $?"
  sleep 5
  left_known() { for n in 1 2 3 4; do [[ $(state_of "$n" 5) == left ]] || return 1; done; }
  wait_for "hosts 1 to 4 know host 5 left" 10 left_known
  for n in 1 2 3 4; do host_get "$n" /members >"$work/members-leave-$n.json"; done
  crash_s=$(now_s)
  kill -9 "${pids[3]}"
  dead_known() { for n in 1 2 3; do [[ $(state_of "$n" 4) == dead ]] || return 1; done; }
  wait_for "hosts 1, 2 and 3 declare host 4 dead" 40 dead_known
  for n in 1 2 3; do host_get "$n" /members >"$work/members-crash-$n.json"; done
  host_get 1 /series/replication_lag_ms >"$work/lag.json"
  # Datagrams the hosts' kernels dropped on receive (a full socket buffer on a busy machine):
  # what the simulator, which loses none here, cannot show.
  for n in 1 2 3 4 5; do in_host "$n" cat /proc/net/snmp; done >"$work/snmp.txt"
  python3 - "$work" "$start_s" "$leave_s" "$crash_s" >"$work/measured.json" <<'PY'
import json, math, sys
work, start_s, leave_s, crash_s = sys.argv[1], *map(float, sys.argv[2:])

def spread(times, population):
    """Seconds after the first time until half, then all, of `population` know (the sim's
    time_to(0.5) and time_to(1.0): the smallest count whose ratio reaches the fraction)."""
    times = sorted(times)
    assert len(times) == population, (times, population)
    half = math.ceil(0.5 * population)
    return times[half - 1], times[-1]

out = {"registration_p50_s": [], "registration_all_s": [], "leave_p50_s": [], "leave_all_s": [],
       "crash_p50_s": [], "crash_all_s": [], "lag_ms": []}
learned = {}  # instance -> [unix_s on each of the 5 agents]
for n in range(1, 6):
    for record in json.load(open(f"{work}/services-{n}.json")):
        learned.setdefault(record["instance_id"], []).append(record["learned_at_unix_s"])
for instance, times in sorted(learned.items()):
    # The registrant learned it when it registered it: the event's time.
    registered = min(times)
    half, full = spread([t - registered for t in times], 5)
    out["registration_p50_s"].append(half)
    out["registration_all_s"].append(full)

def state_since(event, n, member, state):
    for m in json.load(open(f"{work}/members-{event}-{n}.json")):
        if m["node"] == member:
            assert m["state"] == state, (n, m)
            return m["state_since_unix_s"]
    raise AssertionError(f"node {n} does not know node {member}")

half, full = spread([state_since("leave", n, 5, "left") - leave_s for n in (1, 2, 3, 4)], 4)
out["leave_p50_s"].append(half); out["leave_all_s"].append(full)
half, full = spread([state_since("crash", n, 4, "dead") - crash_s for n in (1, 2, 3)], 3)
out["crash_p50_s"].append(half); out["crash_all_s"].append(full)
# The steady part of the lag series: from the first registration to the leave.
lag = json.load(open(f"{work}/lag.json"))["samples"]
out["lag_ms"] = [value for t, value in lag if start_s + 5 <= t <= leave_s]
assert len(out["lag_ms"]) >= 20, len(out["lag_ms"])
# Not a compared measure: the five hosts' UDP receive errors (InErrors), summed.
header = None
out["udp_receive_errors"] = 0
for line in open(f"{work}/snmp.txt"):
    if line.startswith("Udp:"):
        fields = line.split()[1:]
        if header is None or not fields[0].isdigit():
            header = fields
        else:
            out["udp_receive_errors"] += int(dict(zip(header, fields))["InErrors"])
            header = None
print(json.dumps(out))
PY
  cleanup
  echo "sim_vs_real: repetition $1: $(python3 -c 'import json, sys
m = json.load(open(sys.argv[1]))
errors = m["udp_receive_errors"]
medians = [f"{k} {sorted(v)[len(v) // 2]:.3f} (median of {len(v)})"
           for k, v in m.items() if isinstance(v, list)]
print(", ".join(medians) + f"; UDP receive errors {errors}")' "$work/measured.json")"
}

for rep in $(seq "$repetitions"); do
  run_once "$rep"
done
work=$work_root
cat "$work_root"/run-*/measured.json >"$work_root/real.jsonl"
"$mycelium" run "$here/../../scenarios/sim-vs-real/spore.yaml" --output "$work_root/sim-spore.h5" \
  >"$work_root/sim-spore.txt"
"$mycelium" run "$here/../../scenarios/sim-vs-real/replication.yaml" \
  --output "$work_root/sim-replication.h5" >"$work_root/sim-replication.txt"
/usr/bin/python3 "$here/../../analysis/sim_vs_real.py" --real "$work_root/real.jsonl" \
  --sim-spore "$work_root/sim-spore.h5" --sim-replication "$work_root/sim-replication.h5" \
  --output "$work_root/sim-vs-real.h5" --plot "$work_root/sim-vs-real.png"
