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
rm -rf "$work" && mkdir -p "$work"
shm=/dev/shm/mycelium-cli-$$
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -f "$shm"-*
}
trap cleanup EXIT
fail() { echo "myceliumd_replication: $*" >&2; for f in "$work"/*.log; do echo "== $f" >&2; cat "$f" >&2; done; exit 1; }

read -r -a ports < <(python3 - <<'PY'
import socket
held, ports = [], []
while len(ports) < 6:
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM); t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        t.close(); continue
    held += [t, u]; ports.append(port)
print(" ".join(map(str, ports)))
PY
)
listen=("${ports[0]}" "${ports[1]}" "${ports[2]}") admin=("${ports[3]}" "${ports[4]}" "${ports[5]}")
memory_file() { if [[ $1 == 1 ]]; then echo "$shm-guest"; else echo "$shm-replica-$1"; fi; }

write_config() {  # node index (1..3), seeds
  local i=$1 seeds=$2 peers=""
  for j in 1 2 3; do
    [[ $j == "$i" ]] || peers+="    - {nodeId: $j, address: 127.0.0.1:${listen[j-1]}}"$'\n'
  done
  cat >"$work/agent-$i.yaml" <<YAML
apiVersion: mycelium.network/v1
kind: AgentConfig
metadata:
  name: host-$i
spec:
  nodeId: $i
  listen: 127.0.0.1:${listen[i-1]}
  admin: 127.0.0.1:${admin[i-1]}
  network: {name: cli-test, key: 00112233445566778899aabbccddeeff}
  peers:
$peers  seeds: $seeds
  replication:
    memoryFile: $(memory_file "$i")
    memorySize: 16Mi
    primary: 1
    backups: [2, 3]
    connectionsPerBackup: 2
    failureTimeout: 1s
    distributedRAM:
      bufferSize: 8Mi
      replicationInterval: 50ms
      throttlingCurve: linear
      emergencyPauseEnabled: true
    workload: [$workload, run, --memory, "{memoryFile}", --size-mib, "16", --rate, "2000"]
YAML
}
write_config 1 "[]"
write_config 2 "[1]"
write_config 3 "[1]"

get() { python3 -c 'import sys, urllib.request
try: print(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())
except Exception: pass' "http://127.0.0.1:$1$2"; }
# Field F of node N's /replication answer ("" when it does not answer).
field() { get "${admin[$1-1]}" /replication | python3 -c 'import json, sys
text = sys.stdin.read()
value = json.loads(text).get(sys.argv[1]) if text.strip() else ""
print("" if value is None else value)' "$2"; }
wait_for() {  # description, seconds, command...
  local what=$1 seconds=$2; shift 2
  for _ in $(seq $((seconds * 5))); do "$@" && return 0; sleep 0.2; done
  fail "timed out after ${seconds} s waiting for: $what"
}

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

for i in 1 2 3; do
  "$myceliumd" --config "$work/agent-$i.yaml" 2>"$work/node-$i.log" &
  pids+=($!)
done

committed() { local c; c=$(field 1 last_committed); [[ -n $c && $c -ge 40 ]]; }
wait_for "the primary commits 40 epochs" 60 committed
[[ $(field 2 role) == backup && $(field 3 role) == backup ]] || fail "nodes 2 and 3 are not backups"
workload_pid=$(field 1 workload_pid)
[[ -n $workload_pid ]] && kill -0 "$workload_pid" || fail "node 1 runs no workload"
get "${admin[0]}" /metrics | grep -q '^replication_bytes_acked_total{node="1"} [1-9]' ||
  fail "/metrics of node 1 has no replication_bytes_acked_total"

# Host 1 crashes. The last commit it reported is a lower bound for what the backups restore.
last_committed=$(field 1 last_committed)
kill -9 "${pids[0]}"
gone() { ! kill -0 "$workload_pid" 2>/dev/null; }
wait_for "the workload dies with its agent" 5 gone
decided() {
  local a b; a=$(field 2 failover) b=$(field 3 failover)
  [[ ($a == promoted && $b == following) || ($a == following && $b == promoted) ]]
}
wait_for "one backup promoted, the other following it" 20 decided
promoted=2 other=3
[[ $(field 2 failover) == promoted ]] || { promoted=3 other=2; }
[[ $(field "$other" new_primary) == "$promoted" ]] || fail "node $other does not follow node $promoted"
from=$(field "$promoted" promoted_from_epoch)
[[ $from -ge $last_committed ]] ||
  fail "node $promoted restores epoch $from, older than the committed $last_committed"
grep -q "promoted: $shm-replica-$promoted holds epoch $from" "$work/node-$promoted.log" ||
  fail "node $promoted did not log its promotion"
[[ -n $(field "$promoted" workload_pid) ]] || fail "node $promoted did not start the workload"

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
