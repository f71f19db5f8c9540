#!/usr/bin/env bash
# myceliumd running master-slave for its application (spec.distribution, docs/distribution.md):
# three agents on loopback elect one master by lease; GET /distribution/master answers 200 on it
# alone and 503 on the others, and every agent backs it (GET /distribution: backed_master). The
# master is killed: within a lease and an election one of the other two is master of a higher
# term, and the survivor backs it; restarted, it backs the new master and none of its messages is
# refused as a replay. Prints the failover time it measured.
# Usage: myceliumd_master_slave.sh MYCELIUMD WORK_DIR
set -euo pipefail
myceliumd=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "$0")/lib/agents.sh"
clean_up_on_exit

read -r -a ports < <(free_ports 6)
listen=("${ports[@]:0:3}") admin=("${ports[@]:3:3}")
for i in 1 2 3; do
  write_agent_config "$work/agent-$i.yaml" "$i" "[1]"
  echo "  distribution: {strategy: master-slave, leaseDuration: 1s}" >>"$work/agent-$i.yaml"
  "$myceliumd" --config "$work/agent-$i.yaml" 2>"$work/node-$i.log" &
  pids+=($!)
done

# The HTTP status of GET /distribution/master on node I ("" while it does not answer).
master_status() {
  python3 - "http://127.0.0.1:${admin[$1 - 1]}/distribution/master" <<'PY'
import sys, urllib.request, urllib.error
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=2).status)
except urllib.error.HTTPError as error:
    print(error.code)
except Exception:
    print("")
PY
}
# The one node among NODES... answering 200, when exactly one does and the others 503.
the_master() {
  local found="" status
  for i in "$@"; do
    status=$(master_status "$i")
    case $status in
      200) [[ -z $found ]] || return 1; found=$i ;;
      503) ;;
      *) return 1 ;;
    esac
  done
  [[ -n $found ]] && echo "$found"
}
backs() { [[ $(json_field "${admin[$1 - 1]}" /distribution backed_master) == "$2" ]]; }

one_master() { master=$(the_master 1 2 3); }
wait_for "exactly one of three agents is master" 20 one_master
for i in 1 2 3; do wait_for "node $i backs master $master" 5 backs "$i" "$master"; done
term=$(json_field "${admin[$master - 1]}" /distribution term)
sleep 3 # three leases: renewed, not re-elected
[[ $(the_master 1 2 3) == "$master" ]] || fail "the master changed without a failure"
[[ $(json_field "${admin[$master - 1]}" /distribution term) == "$term" ]] || fail "a new term without a failure"
[[ $(json_field "${admin[$master - 1]}" /distribution master) == True ]] || fail "/distribution disagrees"
echo "master: node $master, term $term"

survivors=()
for i in 1 2 3; do [[ $i == "$master" ]] || survivors+=("$i"); done
killed_at=$(date +%s.%N)
kill -9 "${pids[$master - 1]}"
new_master() { next=$(the_master "${survivors[@]}"); }
wait_for "one of the two survivors is master" 15 new_master
elapsed=$(python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.2f}')" "$killed_at")
new_term=$(json_field "${admin[$next - 1]}" /distribution term)
((new_term > term)) || fail "the new master's term $new_term is not above $term"
for i in "${survivors[@]}"; do wait_for "node $i backs the new master $next" 5 backs "$i" "$next"; done
grep -q "master-slave: this node is master (term $new_term)" "$work/node-$next.log" ||
  fail "node $next did not log its mastership"
echo "myceliumd master-slave: node $master killed, node $next master of term $new_term after ${elapsed} s"

# The killed master restarts: it backs the master of the new term, and that master hears its new
# life (its sealed sequences start above every number the old one sent, which the replay windows
# still hold): no lease message of it is refused as a replay.
"$myceliumd" --config "$work/agent-$master.yaml" 2>"$work/node-$master-restarted.log" &
pids[$master - 1]=$!
wait_for "the restarted node $master backs master $next" 10 backs "$master" "$next"
sleep 1 # renewals of the restarted node's grant reach the master
refused() { get "${admin[$1 - 1]}" /metrics | sed -n "s/^distribution_lease_messages_refused_replayed_total{node=\"$1\"} //p"; }
for i in "${survivors[@]}"; do
  count=$(refused "$i")
  [[ ${count:-0} == 0 ]] || fail "node $i refused $count lease messages as replays"
done
[[ $(the_master 1 2 3) == "$next" ]] || fail "the restart changed the master"
echo "myceliumd master-slave: node $master restarted and backs master $next"
