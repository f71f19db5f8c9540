#!/usr/bin/env bash
# Three myceliumd processes on loopback, each its own Service Spore member over real UDP: they
# learn each other, every one discovers the instance node 1 registers, a node killed with -9 is
# declared dead by the two others, and SIGTERM makes a node leave (seen as left) and exit 0. A
# broken config exits 2 with a located error, and starts nothing.
# Usage: myceliumd_network.sh MYCELIUMD WORK_DIR
set -euo pipefail
myceliumd=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "$0")/lib/agents.sh"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

# Free ports: UDP+TCP for each node's listen address, TCP for its admin API.
read -r -a ports < <(free_ports 6)
listen=("${ports[0]}" "${ports[1]}" "${ports[2]}") admin=("${ports[3]}" "${ports[4]}" "${ports[5]}")

write_config() {  # node index (1..3), seeds
  write_agent_config "$work/agent-$1.yaml" "$1" "$2"
  if [[ $1 == 1 ]]; then
    printf '  services:\n    - {service: orders, instanceId: orders-a, ports: [8080]}\n' \
      >>"$work/agent-$1.yaml"
  fi
}
write_config 1 "[]"
write_config 2 "[1]"
write_config 3 "[1]"

# The state node N has for member M in its /members answer ("" when unknown).
state_of() { get "${admin[$1-1]}" /members | python3 -c 'import json, sys
text = sys.stdin.read()
members = json.loads(text) if text.strip() else []
print(next((m["state"] for m in members if m["node"] == int(sys.argv[1])), ""))' "$2"; }

# A broken config: exit 2, the error located, nothing listening.
sed "s/listen: 127.0.0.1:${listen[0]}/listen: nowhere/" "$work/agent-1.yaml" >"$work/broken.yaml"
set +e
"$myceliumd" --config "$work/broken.yaml" 2>"$work/broken.err"
code=$?
set -e
[[ $code -eq 2 ]] || fail "broken config: exit $code, expected 2"
grep -q "broken.yaml:7:11: spec.listen: expected an address host:port (an IP literal, port 1..65535), got \"nowhere\"" "$work/broken.err" ||
  fail "broken config: unexpected message: $(cat "$work/broken.err")"

for i in 1 2 3; do
  "$myceliumd" --config "$work/agent-$i.yaml" 2>"$work/node-$i.log" &
  pids+=($!)
done
all_alive() { for n in 1 2 3; do for m in 1 2 3; do [[ $(state_of "$n" "$m") == alive ]] || return 1; done; done; }
wait_for "every node sees all three alive" 30 all_alive
discovers() { for n in 1 2 3; do get "${admin[n-1]}" /services | grep -q '"instance_id":"orders-a"' || return 1; done; }
wait_for "every node discovers orders-a" 30 discovers
get "${admin[0]}" /metrics | grep -q '^spore_messages_sent_total{node="1"} [1-9]' ||
  fail "/metrics has no spore_messages_sent_total for node 1"

kill -9 "${pids[1]}"
dead_seen() { [[ $(state_of 1 2) == dead && $(state_of 3 2) == dead ]]; }
wait_for "nodes 1 and 3 declare node 2 dead" 40 dead_seen

kill -TERM "${pids[2]}"
set +e
wait "${pids[2]}"
code=$?
set -e
[[ $code -eq 0 ]] || fail "node 3 after SIGTERM: exit $code, expected 0"
grep -q "leaving the network" "$work/node-3.log" || fail "node 3 did not log its leave"
left_seen() { [[ $(state_of 1 3) == left ]]; }
wait_for "node 1 sees node 3 as left" 10 left_seen
echo "myceliumd_network: ok"
