#!/usr/bin/env bash
# A primary silent for longer than failureTimeout between its messages is not failed over while
# it lives: three myceliumd agents on loopback replicate 1 GiB with failureTimeout 60ms. The
# primary sends nothing while it reads (a scan of all 1 GiB: 0.07 to 0.13 s here, more on a
# slower host) and its heartbeats are 100 ms apart, so it is always quiet for longer than 60 ms:
# before the backups allowed for a live primary's silences (core/ram/silence_tracker.hpp) one of
# them promoted itself within seconds, beside the live primary. Asserts: after 15 s both backups
# still watch; then the primary is killed and one backup promotes within 10 s. Prints the
# slowest read and the failover time.
# Usage: myceliumd_long_reads.sh MYCELIUMD MYCELIUM_WORKLOAD WORK_DIR
set -euo pipefail
myceliumd=$1 workload=$2 work=$3
source "$(dirname "$0")/lib/agents.sh"
rm -rf "$work" && mkdir -p "$work"
shm=/dev/shm/mycelium-long-reads-$$
clean_up_on_exit "$shm"

replication_cluster "$shm" "failureTimeout: 60ms"
sed -i 's/memorySize: 16Mi/memorySize: 1Gi/; s/--size-mib, "16"/--size-mib, "1024"/' "$work"/agent-*.yaml
grep -q "memorySize: 1Gi" "$work/agent-1.yaml" || fail "the config was not made 1 GiB"
field() { json_field "${admin[$1-1]}" /replication "$2"; }
start_agents 1 2 3

applied() { local a; a=$(field 2 applied_through); [[ -n $a && $a -ge 1 ]]; }
wait_for "backup 2 applies the first epoch" 60 applied
sleep 15
read_max=$(field 1 read_cost_max_s)
for n in 2 3; do
  [[ $(field "$n" failover) == watching ]] ||
    fail "backup $n is '$(field "$n" failover)' beside a live primary (its reads: up to ${read_max} s)"
done

killed=$(python3 -c 'import time; print(time.time())')
stop_agents "${pids[0]}"
promoted() { [[ $(field 2 failover) == promoted || $(field 3 failover) == promoted ]]; }
wait_for "a backup promotes after the primary's crash" 10 promoted
elapsed=$(python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.2f}')" "$killed")
echo "myceliumd long reads: the primary's reads up to ${read_max} s (timeout 60 ms), no failover while it lived; promoted ${elapsed} s after its crash"
