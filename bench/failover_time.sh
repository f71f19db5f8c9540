#!/usr/bin/env bash
# Failover time of the real runtime on loopback (the LAN case): three myceliumd agents, node 1
# the primary running the demo workload, nodes 2 and 3 backups. Each repetition kills node 1's
# agent with -9 (its workload dies with it) and measures, on the wall clock of this one host,
# from the kill to the promoted backup's log line that it started the workload on its replica:
# detection (failureTimeout without a heartbeat), election (electionWindow) and the restart.
# Prints each repetition and the median; asserts nothing (a figure, not a test).
#
#   bench/failover_time.sh MYCELIUMD MYCELIUM_WORKLOAD [REPETITIONS [FAILURE_TIMEOUT [WINDOW]]]
#   e.g. bench/failover_time.sh build/release/apps/myceliumd/myceliumd \
#          build/release/apps/mycelium-workload/mycelium-workload 10 150ms 30ms
set -euo pipefail
myceliumd=$1 workload=$2 repetitions=${3:-10} timeout=${4:-150ms} window=${5:-30ms}
work=$(mktemp -d /tmp/mycelium-failover.XXXXXX)
source "$(dirname "$0")/../tests/cli/lib/agents.sh"
shm=/dev/shm/mycelium-failover-$$
pids=()
cleanup() {
  stop_agents "${pids[@]}"
  rm -f "$shm"-*
  rm -rf "$work"
}
trap cleanup EXIT

ms_of_log_line() {  # the ISO time at the start of a log line, as ms since the epoch
  date -d "$(cut -d' ' -f1 <<<"$1")" +%s%3N
}
times=()
for run in $(seq "$repetitions"); do
  read -r -a ports < <(free_ports 6)
  listen=("${ports[0]}" "${ports[1]}" "${ports[2]}") admin=("${ports[3]}" "${ports[4]}" "${ports[5]}")
  for i in 1 2 3; do
    seeds="[1]"
    [[ $i == 1 ]] && seeds="[]"
    write_replication_config "$work/agent-$i.yaml" "$i" "$seeds" "$shm-$run" "$workload" \
      "failureTimeout: $timeout" "electionWindow: $window"
  done
  pids=()
  for i in 1 2 3; do
    "$myceliumd" --config "$work/agent-$i.yaml" 2>"$work/node-$i.log" &
    pids+=($!)
    disown $!  # killed with -9 on purpose: no job report
  done
  committed() {
    local c
    c=$(json_field "${admin[0]}" /replication last_committed)
    [[ -n $c && $c -ge 20 ]]
  }
  wait_for "the primary commits 20 epochs" 60 committed
  killed_ms=$(date +%s%3N)
  kill -9 "${pids[0]}"
  resumed() { grep -h "resumed the workload" "$work/node-2.log" "$work/node-3.log" >/dev/null; }
  wait_for "a backup resumes the workload" 20 resumed
  line=$(grep -h "resumed the workload" "$work/node-2.log" "$work/node-3.log" | head -1)
  elapsed=$(($(ms_of_log_line "$line") - killed_ms))
  times+=("$elapsed")
  echo "run $run: killed -> workload resumed on the promoted backup: $elapsed ms"
  stop_agents "${pids[@]}"
  rm -f "$shm-$run"-*
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "failover (failureTimeout $timeout, electionWindow $window, heartbeat 100 ms):" \
  "median ${sorted[$((${#sorted[@]} / 2))]} ms, min ${sorted[0]} ms, max ${sorted[-1]} ms" \
  "over ${#sorted[@]} runs"
