#!/usr/bin/env bash
# mycelium agents: --dry-run prints the node agents' objects, valid against the official models;
# against a loopback HTTPS API server (loopback_api_server.py: not a cluster, three nodes) deploy
# reads the nodes from GET /api/v1/nodes, applies the Namespace, ServiceAccount, ConfigMap and
# DaemonSet by server-side apply (valid objects; the ConfigMap names every node at its
# InternalIP), waits for the DaemonSet's rollout; status reports it; delete removes all but the
# Namespace. A bad --node is refused with exit 2.
# Usage: check_agents.sh PYTHON MYCELIUM
set -euo pipefail
python=$1 mycelium=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
server_pid=
cleanup() { [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
source "$here/lib/loopback_cluster.sh"

"$mycelium" agents deploy --dry-run --node node-a=192.168.1.10 --node node-b=192.168.1.11 \
  >"$work/dry.yaml" 2>"$work/dry.err"
"$python" "$here/validate_k8s_objects.py" "$work/dry.yaml" >/dev/null
[[ $(grep -c '^kind: ' "$work/dry.yaml") == 4 ]] || fail "dry run: not 4 objects"
grep -q 'create secret generic myceliumd-network-key' "$work/dry.err" || fail "no note on the key"
set +e
"$mycelium" agents deploy --dry-run --node node-a 2>"$work/bad.err" >/dev/null
code=$?
set -e
[[ $code == 2 ]] && grep -q 'expected NAME=ADDRESS' "$work/bad.err" || fail "a bad --node: exit $code"
set +e
"$mycelium" agents deploy --dry-run 2>"$work/none.err" >/dev/null
code=$?
set -e
[[ $code == 2 ]] && grep -q -- '--dry-run needs the nodes' "$work/none.err" || fail "no nodes: exit $code"

start_loopback_cluster
"$mycelium" agents deploy --kubeconfig "$work/kubeconfig" --wait --timeout 20 >"$work/deploy.out"
cat "$work/deploy.out"
grep -q '^nodes: 3 from the cluster$' "$work/deploy.out" || fail "the nodes were not read"
applied=$(grep -c '^applied ' "$work/deploy.out")
[[ $applied == 4 ]] || fail "applied $applied objects, expected 4"
grep -q '^DaemonSet/myceliumd: rolled out, 3/3 ready, 3 updated$' "$work/deploy.out" || fail "no rollout"
"$mycelium" agents status --kubeconfig "$work/kubeconfig" >"$work/status.out"
grep -q '^DaemonSet/myceliumd: 3/3 ready' "$work/status.out" || fail "status: $(cat "$work/status.out")"
"$mycelium" agents delete --kubeconfig "$work/kubeconfig" >"$work/delete.out"
deleted=$(grep -c '^deleted ' "$work/delete.out")
[[ $deleted == 3 ]] || fail "deleted $deleted objects, expected 3 (the Namespace stays)"

"$python" - "$work/requests.jsonl" "$work/applied.yaml" <<'PY'
import json, sys, yaml
requests = [json.loads(line) for line in open(sys.argv[1])]
assert any(r["method"] == "GET" and r["path"] == "/api/v1/nodes" for r in requests), "nodes not listed"
patches = [r for r in requests if r["method"] == "PATCH"]
assert patches[0]["path"] == "/api/v1/namespaces/mycelium-system", patches[0]["path"]
assert all(r["client"] == "mycelium-test-user" for r in requests)
bodies = [json.loads(r["body"]) for r in patches]
config = next(b for b in bodies if b["kind"] == "ConfigMap")["data"]["agent.yaml"]
agent = yaml.safe_load(config)
peers = [(p["nodeId"], p["name"], p["address"]) for p in agent["spec"]["peers"]]
assert peers == [(1, "worker-a", "10.0.0.1:7946"), (2, "worker-b", "10.0.0.2:7946"),
                 (3, "worker-c", "10.0.0.3:7946")], peers
with open(sys.argv[2], "w") as out:
    yaml.safe_dump_all(bodies, out)
PY
"$python" "$here/validate_k8s_objects.py" "$work/applied.yaml" >/dev/null
echo "agents: 4 objects valid (dry run), 3 nodes read, $applied applied and valid, DaemonSet rolled out, $deleted deleted"
