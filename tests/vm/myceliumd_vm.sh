#!/usr/bin/env bash
# The kvm tier through the product (docs/vm.md, "Deploying VMs through myceliumd"): myceliumd
# agents on loopback, each with spec.vmHost, and the test guest deployed, watched and moved with
# the CLI alone: `mycelium vm deploy`, `status`, `migrate`, `delete`.
#   --mode migrate: agents 1 and 2; the VM on 1 with one backup (chosen: 2); a planned migration
#                   to host-2. Asserts: the target runs the guest, its first counter line is not
#                   below the source's last one (nothing lost) and it goes on counting; the
#                   migration's blackout is printed.
#   --mode crash:   agents 1, 2, 3; the VM on 1 with backups 2 and 3; then host 1 crashes (its
#                   agent killed with -9 and its guest destroyed, as a host failure takes both).
#                   Asserts: one backup promotes and resumes the guest, the other follows it, and
#                   the resumed counter is not below what the guest printed 0.5 s before the
#                   crash (replication runs at 100 ms epochs: no more than that may be lost).
# Run by kvm_guest.sh, which brings up libvirtd and builds the guest:
#   myceliumd_vm.sh --kernel K --initrd I --work DIR --type T --myceliumd P --mycelium P --mode M
set -euo pipefail

while (($#)); do
  case $1 in
    --kernel) kernel=$2 ;;
    --initrd) initrd=$2 ;;
    --work) work=$2 ;;
    --type) type=$2 ;;
    --myceliumd) myceliumd=$2 ;;
    --mycelium) mycelium=$2 ;;
    --mode) mode=$2 ;;
    *) echo "myceliumd_vm.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
[[ $mode == migrate || $mode == crash ]] || { echo "--mode must be migrate or crash" >&2; exit 2; }
source "$(dirname "$0")/../cli/lib/agents.sh"
rm -rf "$work" && mkdir -p "$work/logs" "$work/state"
vm=vmtest-$mode
label="myceliumd vm $mode"
kvm=false
[[ $type == kvm ]] && kvm=true

remove_domains() {
  for n in 1 2 3; do
    virsh -q -c qemu:///system destroy "mycelium-$vm-$n" >/dev/null 2>&1 || true
    virsh -q -c qemu:///system undefine "mycelium-$vm-$n" >/dev/null 2>&1 || true
  done
}
pids=()
trap 'stop_agents "${pids[@]}"; remove_domains' EXIT
# On a failure: each live agent's threads (a thread stuck in libvirt shows here) and its domains.
on_failure() {
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || continue
    echo "== threads of myceliumd pid $pid"
    if command -v gdb >/dev/null; then
      timeout 30 gdb -p "$pid" -batch -ex "thread apply all bt 12" 2>/dev/null | grep -E "^(Thread|#)" | head -150
    fi
  done
  for n in $(seq "${#admin[@]}"); do
    echo "== node $n: GET /replication"
    get "${admin[n-1]}" /replication | head -c 2000
    echo
  done
  echo "== domains"
  virsh -c qemu:///system list --all 2>&1 | head -20
}
remove_domains  # left over from an interrupted run

count=2
[[ $mode == crash ]] && count=3
read -r -a ports < <(free_ports $((2 * count)))
listen=("${ports[@]:0:count}")
admin=("${ports[@]:count:count}")
for i in $(seq "$count"); do
  seeds="[1]"
  [[ $i == 1 ]] && seeds="[]"
  write_agent_config "$work/agent-$i.yaml" "$i" "$seeds"
  cat >>"$work/agent-$i.yaml" <<YAML
  vmHost:
    zone: zone-$i
    kvm: $kvm
    stateDirectory: $work/state
    serialLogDirectory: $work/logs
    images:
      - name: mycelium-test-guest
        kernel: $kernel
        initrd: $initrd
        cmdline: console=ttyS0 quiet panic=-1 mitigations=off dirty_mib=4
YAML
done
cat >"$work/vm.yaml" <<YAML
apiVersion: mycelium.network/v1
kind: EndophyteVM
metadata:
  name: $vm
spec:
  vmSpec:
    cpuCores: 1
    memorySize: 128Mi
    diskSize: 1Gi
    osConfig: {type: mycelium-test-guest}
  distributedRAM:
    bufferSize: 128Mi
    replicationInterval: 100ms
    throttlingCurve: linear
    emergencyPauseEnabled: true
  backupStrategy:
    nodeCount: $((count - 1))
    selectionCriteria: zone-diverse
  rhizomorphConnections:
    targetCount: $((2 * (count - 1)))
YAML
# The crash run lets the primary apply the latency profile it measures (the migrate run keeps the
# manifest's 128Mi buffer, which its migration needs: see the forecast).
[[ $mode == crash ]] && echo "  latencyProfile: auto" >>"$work/vm.yaml"
start_agents $(seq "$count")
export MYCELIUM_AGENT=127.0.0.1:${admin[0]}
members() { [[ $(get "${admin[0]}" /status | json_value members_live) == "$count" ]]; }
wait_for "the $count agents know each other" 20 members
# Membership and the VM hosts' registrations spread separately: deploy once all are known.
vm_hosts() {
  [[ $(get "${admin[0]}" /services | grep -o '"service":"mycelium-vm-host"' | wc -l) == "$count" ]]
}
wait_for "node 1 knows the $count VM hosts" 20 vm_hosts

# A bad manifest: refused with its located error, exit 2, nothing deployed.
sed 's/memorySize: 128Mi/memorySize: 12Mi/' "$work/vm.yaml" >"$work/bad.yaml"
set +e
"$mycelium" vm deploy "$work/bad.yaml" 2>"$work/bad.err"
code=$?
set -e
[[ $code == 2 ]] || fail "a bad manifest: exit $code, not 2"
grep -q "bad.yaml:8:17: spec.vmSpec.memorySize: expected a byte quantity of at least 64Mi" "$work/bad.err" || fail "no located error: $(cat "$work/bad.err")"

"$mycelium" vm deploy "$work/vm.yaml" --timeout 240 | tee "$work/deploy.out"
"$mycelium" vm status | tee "$work/status.out"
grep -q "^$vm  *1  *host-1  *primary  *running" "$work/status.out" || fail "node 1 does not run $vm"
counter() { grep -ao 'count=[0-9]*' "$work/logs/mycelium-$vm-$1.log" 2>/dev/null | tail -n 1 | cut -d= -f2; }
counting() { [[ -n $(counter 1) && $(counter 1) -gt 0 ]]; }
wait_for "the guest on node 1 counts" 60 counting
sleep 2  # replication runs for a while

if [[ $mode == migrate ]]; then
  # The primary samples the guest's dirty rate through libvirt and forecasts the migration.
  forecast() {
    get "${admin[0]}" /vms | python3 -c 'import json, sys
v = json.load(sys.stdin)[0]
f, r = v["migration_forecast"], v["replication"]["dirty_rate_bytes_per_s"]
print("" if f is None else "%.0f MiB/s; %s" % (r / 2**20, f["reason"]))'
  }
  forecast_known() { [[ -n $(forecast) ]]; }
  wait_for "node 1 measures the guest's dirty rate" 30 forecast_known
  echo "$label: dirty rate $(forecast)"
  # ... and the round trip to its backup (once the dirty rate is known): loopback is a LAN.
  # spec.latencyProfile is off here: recommended, not applied.
  latency_profile() {
    get "${admin[0]}" /vms | python3 -c 'import json, sys
p = json.load(sys.stdin)[0]["latency_profile"]
if p:
    print(p["profile"], "%.3f ms;" % p["smoothed_rtt_ms"], "recommended buffer",
          p["recommended"]["buffer_bytes"] >> 20, "MiB; applied:", p["applied"])'
  }
  profile_known() { [[ -n $(latency_profile) ]]; }
  wait_for "node 1 measures the round trip to its backup" 30 profile_known
  profile=$(latency_profile)
  [[ $profile == *"applied: None" ]] || fail "node 1 applied a profile it was not asked to: $profile"
  [[ $profile == "lan "* ]] || fail "node 1's latency profile is not lan: $profile"
  echo "$label: latency profile $profile"
  "$mycelium" vm migrate "$vm" --to host-2 | tee "$work/migrate.out"
  grep -q "^forecast from the guest's dirty rate: " "$work/migrate.out" ||
    fail "mycelium vm migrate printed no forecast"
  source_last=$(counter 1)
  resumed() { [[ -n $(counter 2) ]]; }
  wait_for "the guest counts on node 2" 20 resumed
  first=$(counter 2)
  sleep 1
  later=$(counter 2)
  [[ $first -ge $source_last ]] ||
    fail "the migrated guest's counter $first is below the source's last line $source_last"
  [[ $later -gt $first ]] || fail "the migrated guest does not count on ($first, then $later)"
  "$mycelium" vm status | tee "$work/status.out"
  grep -q "^$vm  *1  *host-1  *primary  *migrated .*migration completed" "$work/status.out" ||
    fail "node 1 does not report the migration"
  grep -q "^$vm  *2  *host-2  *backup  *running .*failover promoted" "$work/status.out" ||
    fail "node 2 does not run the migrated guest"
  blackout=$(grep -o 'blackout [0-9.]* ms' "$work/migrate.out")
  echo "$label: migrated; source's last count $source_last, target's first $first, 1 s later $later; $blackout"
else
  # spec.latencyProfile: auto: once the first dirty rate is known (~11 s), node 1 measures its
  # backups (loopback: lan) and applies the profile, its interval no shorter than twice its
  # typical read of the guest (scan-and-diff and the suspend around it: more than lan's 10 ms).
  applied() {
    get "${admin[0]}" /vms | python3 -c 'import json, sys
v = json.load(sys.stdin)[0]
p, r = v["latency_profile"], v["replication"]
a = p and p["applied"]
if a:
    print(a["profile"], round(a["replication_interval_s"] * 1e3), a["buffer_bytes"] >> 20,
          round(p["interval_floor_ms"]), round(r["replication_interval_s"] * 1e3),
          r["buffer_bytes"] >> 20, round(r["read_cost_p90_s"] * 1e3, 1))'
  }
  profile_applied() { [[ -n $(applied) ]]; }
  wait_for "node 1 applies a latency profile" 40 profile_applied
  read -r profile interval_ms buffer_mib floor_ms running_ms running_mib read_ms < <(applied)
  [[ $profile == lan ]] || fail "node 1 applied the $profile profile on loopback, not lan"
  # Reading 128 MiB alone (scan-and-diff, ~190 ms/GiB) takes longer than lan's 10 ms.
  [[ $interval_ms -gt 10 ]] ||
    fail "applied interval $interval_ms ms: lan's 10 ms was not raised to the read floor ($floor_ms ms now)"
  [[ $running_ms == "$interval_ms" && $running_mib == "$buffer_mib" ]] ||
    fail "the primary runs at $running_ms ms / $running_mib MiB, not the applied $interval_ms / $buffer_mib"
  echo "$label: latency profile lan applied: interval $interval_ms ms (floor now $floor_ms ms: reads' 90th percentile $read_ms ms), buffer $buffer_mib MiB"
  sleep 2  # replication at the new settings
  before=$(counter 1)
  sleep 0.5
  crashed=$(date +%s.%N)
  stop_agents "${pids[0]}"
  virsh -q -c qemu:///system destroy "mycelium-$vm-1" >/dev/null
  promoted_node() {
    for n in 2 3; do
      local state
      state=$(get "${admin[n-1]}" /vms | python3 -c 'import json, sys
v = json.load(sys.stdin)[0]
print(v["state"], v["replication"]["failover"])')
      [[ $state == "running promoted" ]] && { echo "$n"; return 0; }
    done
    return 1
  }
  promoted() { promoted_node >/dev/null; }
  wait_for "a backup promotes" 30 promoted
  winner=$(promoted_node)
  other=$((5 - winner))
  resumed() { [[ -n $(counter "$winner") ]]; }
  wait_for "the guest counts on node $winner" 20 resumed
  running_after=$(python3 -c "import time; print(f'{time.time() - $crashed:.2f}')")
  first=$(counter "$winner")
  sleep 1
  later=$(counter "$winner")
  [[ $first -ge $before ]] ||
    fail "the resumed guest's counter $first is below $before, printed 0.5 s before the crash"
  [[ $later -gt $first ]] || fail "the resumed guest does not count on ($first, then $later)"
  following=$(get "${admin[other-1]}" /vms | python3 -c 'import json, sys
r = json.load(sys.stdin)[0]["replication"]
print(r["failover"], r["new_primary"])')
  [[ $following == "following $winner" ]] || fail "node $other does not follow node $winner: $following"
  "$mycelium" vm status --agent "127.0.0.1:${admin[winner-1]}" | tee "$work/status.out"
  echo "$label: node $winner resumed the guest; counter 0.5 s before the crash $before, resumed at $first, 1 s later $later; first counter line ${running_after} s after the crash began (the agent killed, then libvirt's destroy of the running guest, failure detection and election included)"
fi

"$mycelium" vm delete "$vm" --agent "127.0.0.1:${admin[1]}"
# The crashed host's domain definition stays in its libvirt (the agent there would remove it
# before defining the VM again); everything else goes.
left=$(virsh -q -c qemu:///system list --all --name | grep "mycelium-$vm-" |
  { if [[ $mode == crash ]]; then grep -v -- "-1$"; else cat; fi; } | grep -c . || true)
[[ $left == 0 ]] || fail "$left domains left after mycelium vm delete"
echo "$label: ok"
