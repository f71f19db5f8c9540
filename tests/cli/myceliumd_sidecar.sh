#!/usr/bin/env bash
# myceliumd as a Kubernetes sidecar would run it, on loopback (docs/myceliumd.md, "In a
# Kubernetes pod"): node 2 finds its own node id by its host name (identity: hostname,
# --hostname localhost), node 1 reaches node 2 at a DNS name ("localhost", resolved by the agent),
# both read the network key from a file, and node 2 registers an instance under its host name
# ("{hostname}"). They see each other alive and node 1 discovers that instance. A key file that
# is not a key stops the agent with exit 2, naming the file and not the key.
# Usage: myceliumd_sidecar.sh MYCELIUMD WORK_DIR
set -euo pipefail
myceliumd=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "$0")/lib/agents.sh"
clean_up_on_exit

read -r -a ports < <(free_ports 4)
listen=("${ports[0]}" "${ports[1]}") admin=("${ports[2]}" "${ports[3]}")
printf '00112233445566778899aabbccddeeff\n' >"$work/network-key"
header() {  # name
  printf 'apiVersion: mycelium.network/v1\nkind: AgentConfig\nmetadata:\n  name: %s\nspec:\n' "$1"
}
{
  header host-1
  cat <<YAML
  nodeId: 1
  listen: 127.0.0.1:${listen[0]}
  admin: 127.0.0.1:${admin[0]}
  network: {name: sidecar-test, keyFile: $work/network-key}
  peers:
    - {nodeId: 2, address: localhost:${listen[1]}}
YAML
} >"$work/agent-1.yaml"
{
  header pod
  cat <<YAML
  identity: hostname
  listen: 127.0.0.1:${listen[1]}
  admin: 127.0.0.1:${admin[1]}
  network: {name: sidecar-test, keyFile: $work/network-key}
  peers:
    - {nodeId: 1, address: 127.0.0.1:${listen[0]}}
    - {nodeId: 2, address: localhost:${listen[1]}}
  seeds: [1, 2]
  services:
    - {service: db, instanceId: "{hostname}", ports: [5432]}
YAML
} >"$work/agent-2.yaml"

# A key file that is not a key: exit 2, the file named, the key not echoed.
printf 'not-a-key-but-a-secret\n' >"$work/bad-key"
sed "s|$work/network-key|$work/bad-key|" "$work/agent-1.yaml" >"$work/bad.yaml"
set +e
"$myceliumd" --config "$work/bad.yaml" 2>"$work/bad.err"
code=$?
set -e
[[ $code == 2 ]] || fail "a bad key file: exit $code, expected 2"
grep -q "$work/bad-key: expected 32 to 128 hex digits" "$work/bad.err" || fail "bad key: $(cat "$work/bad.err")"
! grep -q secret "$work/bad.err" || fail "the key file's contents were echoed"

"$myceliumd" --config "$work/agent-1.yaml" 2>"$work/node-1.log" &
pids+=($!)
"$myceliumd" --config "$work/agent-2.yaml" --hostname localhost 2>"$work/node-2.log" &
pids+=($!)
alive() {  # node's admin port, member
  get "$1" /members | python3 -c 'import json, sys
members = json.loads(sys.stdin.read() or "[]")
sys.exit(0 if any(m["node"] == int(sys.argv[1]) and m["state"] == "alive" for m in members) else 1)' "$2"
}
both_alive() { alive "${admin[0]}" 2 && alive "${admin[1]}" 1; }
wait_for "nodes 1 and 2 see each other alive" 30 both_alive
discovered() { get "${admin[0]}" /services | grep -q '"instance_id":"localhost"'; }
wait_for "node 1 discovers node 2's instance, registered under its host name" 30 discovered
grep -q "peer 2 (localhost:${listen[1]}) is at 127.0.0.1:${listen[1]}" "$work/node-1.log" ||
  fail "node 1 did not say where localhost resolved: $(cat "$work/node-1.log")"
grep -q "node 2 (pod) listening" "$work/node-2.log" || fail "node 2 is not node 2: $(cat "$work/node-2.log")"
echo "myceliumd sidecar: node 2 by host name, node 1 reached it by DNS name, instance localhost discovered"
