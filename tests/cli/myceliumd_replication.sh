#!/usr/bin/env bash
# Replication between three myceliumd processes on loopback. The agent of "host" 1 starts the
# demo workload (its replication.workload command), which writes stamped pages into its memory
# file; the agent stops it for each read and replicates the pages to the agents of hosts 2 and 3.
# Then host 1 crashes (kill -9 of its agent; the workload dies with it): the backups elect the one
# with the newest restore point, at least as new as the last epoch the primary reported
# committed, and that agent starts the workload on its replica, which continues the sequence.
# Every replica is a consistent image. A primary whose memory file is missing, and that has no
# workload command to create it, refuses to start (exit 2).
# Usage: myceliumd_replication.sh MYCELIUMD MYCELIUM_WORKLOAD WORK_DIR
set -euo pipefail
myceliumd=$1 workload=$2 work=$3
source "$(dirname "$0")/lib/agents.sh"
rm -rf "$work" && mkdir -p "$work"
shm=/dev/shm/mycelium-cli-$$
clean_up_on_exit "$shm"

replication_cluster "$shm" "failureTimeout: 1s"
field() { json_field "${admin[$1-1]}" /replication "$2"; }

# Without a workload command nobody creates the primary's memory file: the agent refuses.
grep -v "workload:" "$work/agent-1.yaml" >"$work/no-workload.yaml"
set +e
"$myceliumd" --config "$work/no-workload.yaml" 2>"$work/missing.log"
code=$?
set -e
[[ $code -eq 2 ]] || fail "primary without its memory file: exit $code, expected 2"
grep -q "cannot start: .*$shm-guest" "$work/missing.log" ||
  fail "primary without its memory file: unexpected message: $(cat "$work/missing.log")"
rm "$work/missing.log"

start_agents 1 2 3

committed() { local c; c=$(field 1 last_committed); [[ -n $c && $c -ge 40 ]]; }
wait_for "the primary commits 40 epochs" 60 committed
# The primary's lag series: one sample per epoch tick, in Unix seconds, increasing.
get "${admin[0]}" /series/replication_lag_ms | python3 -c 'import json, sys, time
series = json.load(sys.stdin)
times = [t for t, _ in series["samples"]]
assert series["name"] == "replication_lag_ms" and len(times) >= 40, series
assert times == sorted(times) and abs(times[-1] - time.time()) < 5, times[-3:]
assert all(0 <= lag < 60000 for _, lag in series["samples"])' || fail "/series/replication_lag_ms"
[[ $(field 2 role) == backup && $(field 3 role) == backup ]] || fail "nodes 2 and 3 are not backups"
workload_pid=$(field 1 workload_pid)
[[ -n $workload_pid ]] && kill -0 "$workload_pid" || fail "node 1 runs no workload"
# As root the agent puts its workload under the cgroup CPU controller; otherwise it says none.
mechanism=$(field 1 throttle_mechanism)
if [[ $(id -u) == 0 && -w /sys/fs/cgroup ]]; then
  [[ $mechanism == "cgroup v1" || $mechanism == "cgroup v2" ]] ||
    fail "node 1 runs as root but throttles with \"$mechanism\""
else
  [[ $mechanism == none ]] || fail "node 1 is not root but throttles with \"$mechanism\""
fi
get "${admin[0]}" /metrics | grep -q '^replication_bytes_acked_total{node="1"} [1-9]' ||
  fail "/metrics of node 1 has no replication_bytes_acked_total"

# Host 1 crashes. The last commit it reported is a lower bound for what the backups restore.
last_committed=$(field 1 last_committed)
kill -9 "${pids[0]}"
gone() { ! kill -0 "$workload_pid" 2>/dev/null; }
wait_for "the workload dies with its agent" 5 gone
await_failover "$last_committed"
grep -q "promoted: $shm-replica-$promoted holds epoch $from" "$work/node-$promoted.log" ||
  fail "node $promoted did not log its promotion"

# The follower's replica is the image as of the same or an older epoch: consistent.
sequence_of() { sed -n 's/.*header sequence \([0-9]*\),.*/\1/p' <<<"$1"; }
other_check=$("$workload" check --memory "$shm-replica-$other") ||
  fail "replica of node $other is not consistent: $other_check"
other_sequence=$(sequence_of "$other_check")
[[ $other_sequence -gt 0 ]] || fail "replica of node $other is empty: $other_check"

# The resumed workload goes on from the promoted replica; stopped with its agent, the image is
# consistent and newer than the follower's.
sleep 1
kill -TERM "${pids[promoted-1]}"
wait "${pids[promoted-1]}" || fail "node $promoted after SIGTERM: exit $?"
promoted_check=$("$workload" check --memory "$shm-replica-$promoted") ||
  fail "promoted replica after the resumed workload is not consistent: $promoted_check"
promoted_sequence=$(sequence_of "$promoted_check")
[[ $promoted_sequence -gt $other_sequence ]] ||
  fail "the resumed workload did not continue: $promoted_check (follower at $other_sequence)"
echo "myceliumd_replication: ok (committed $last_committed before the crash, node $promoted restored epoch $from; follower image at sequence $other_sequence, resumed workload reached $promoted_sequence)"
