#!/usr/bin/env bash
# Planned migration between three myceliumd processes on loopback: node 1 runs and replicates the
# demo workload to nodes 2 and 3; POST /replication/migrate?to=3 moves it to node 3 by two-phase
# convergence and a handover. Node 1 reports the migration completed with its blackout and stops
# its workload; node 3 is promoted by the handover (no election) and resumes the workload on its
# replica; node 2 follows node 3. Bad requests are refused with a reason.
# Usage: myceliumd_migration.sh MYCELIUMD MYCELIUM_WORKLOAD WORK_DIR
set -euo pipefail
myceliumd=$1 workload=$2 work=$3
source "$(dirname "$0")/lib/agents.sh"
rm -rf "$work" && mkdir -p "$work"
shm=/dev/shm/mycelium-migration-$$
clean_up_on_exit "$shm"

replication_cluster "$shm" "failureTimeout: 1s"
start_agents 1 2 3
field() { json_field "${admin[$1-1]}" /replication "$2"; }
post_node() { post "${admin[$1-1]}" "$2"; }  # node, path: prints "STATUS BODY"
committed() { local c; c=$(field 1 last_committed); [[ -n $c && $c -ge 20 ]]; }
wait_for "node 1 commits 20 epochs" 60 committed
workload_pid=$(field 1 workload_pid)

[[ $(post_node 2 "/replication/migrate?to=3") == "409 this node is not the primary" ]] ||
  fail "a backup accepted a migration: $(post_node 2 "/replication/migrate?to=3")"
[[ $(post_node 1 "/replication/migrate?to=x") == 400* ]] || fail "a bad node id was accepted"
# The query is parsed strictly, as for /services.
[[ $(post_node 1 "/replication/migrate?to=3&now=1") == "400 unknown parameter now; expected to" ]] ||
  fail "an unknown parameter was accepted: $(post_node 1 "/replication/migrate?to=3&now=1")"
[[ $(post_node 1 "/replication/migrate") == "400 expected /replication/migrate?to=NODE (a node id)" ]] ||
  fail "a migration without a target was accepted: $(post_node 1 "/replication/migrate")"
[[ $(post_node 1 "/replication/migrate?to=%zz") == "400 bad query: "* ]] ||
  fail "a malformed query was accepted: $(post_node 1 "/replication/migrate?to=%zz")"
[[ $(post_node 1 "/replication/migrate?to=9") == "409 node 9 is not a live backup" ]] ||
  fail "a migration to a stranger was accepted"
answer=$(post_node 1 "/replication/migrate?to=3")
[[ $answer == '202 {"migrating_to":3}' ]] || fail "migration refused: $answer"

migrated() { [[ $(json_field "${admin[0]}" /replication migration | grep -c completed) == 1 ]]; }
wait_for "node 1 reports the migration completed" 30 migrated
migration=$(get "${admin[0]}" /replication | python3 -c 'import json, sys
m = json.load(sys.stdin)["migration"]
print(m["final_epoch"], m["blackout_s"])')
read -r final_epoch blackout_s <<<"$migration"
grep -q "migration to node 3 completed at epoch $final_epoch" "$work/node-1.log" ||
  fail "node 1 did not log the migration"
gone() { ! kill -0 "$workload_pid" 2>/dev/null; }
wait_for "node 1's workload stops" 5 gone
handed() {
  [[ $(field 3 failover) == promoted && $(field 3 handed_over) == True &&
    $(field 2 failover) == following && $(field 2 new_primary) == 3 ]]
}
wait_for "node 3 promoted by the handover, node 2 following it" 10 handed
[[ $(field 3 promoted_from_epoch) == "$final_epoch" ]] ||
  fail "node 3 resumed from epoch $(field 3 promoted_from_epoch), not the final $final_epoch"
[[ -n $(field 3 workload_pid) ]] || fail "node 3 did not resume the workload"
grep -q "handed over (planned migration); promoted: $shm-replica-3 holds epoch $final_epoch" \
  "$work/node-3.log" || fail "node 3 did not log the handover"
grep -q "failover_elections_total" <(get "${admin[1]}" /metrics) &&
  fail "node 2 held an election"

sleep 1  # the resumed workload writes on node 3
kill -TERM "${pids[2]}"
wait "${pids[2]}" || fail "node 3 after SIGTERM: exit $?"
check=$("$workload" check --memory "$shm-replica-3") ||
  fail "node 3's image is not consistent: $check"
echo "myceliumd_migration: ok (final epoch $final_epoch, blackout $blackout_s s; node 3 took over, node 2 follows; $check)"
