#!/usr/bin/env bash
# mycelium deploy --wait, status and delete against a loopback HTTPS API server
# (loopback_api_server.py: not a cluster) with a client certificate: every object applied by
# server-side apply and valid against the official models, rolled out (seen through a watch: the
# server makes the workloads ready half a second after their apply), reported, deleted.
# With never-ready, the server never reports a ready replica: deploy --wait gives up at its
# timeout, exit 1, saying how far the rollout got. With short-watches, the server also ends every
# watch after its first event: deploy --wait still gives up at its timeout, and backs off instead
# of getting and watching again back to back (at most 6 watches in 6 s).
# Usage: check_deploy_apply.sh PYTHON MYCELIUM MANIFEST [never-ready | short-watches]
set -euo pipefail
python=$1 mycelium=$2 manifest=$3 mode=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
server_pid=
cleanup() { [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
source "$here/lib/loopback_cluster.sh"

start_loopback_cluster "$mode" shop

# deploy_until_timeout SECONDS: deploy --wait on a rollout that never completes must give up
# after SECONDS, exit 1, with the timeout message (its stderr in $work/err).
deploy_until_timeout() {
  local code
  set +e
  "$mycelium" deploy "$manifest" --kubeconfig "$work/kubeconfig" --wait --timeout "$1" >/dev/null 2>"$work/err"
  code=$?
  set -e
  cat "$work/err" >&2
  [[ $code == 1 ]] || fail "deploy --wait on a rollout that never completes ($mode): exit $code"
  grep -q "not rolled out after $1 s" "$work/err" || fail "no timeout message"
}

if [[ $mode == never-ready ]]; then
  deploy_until_timeout 2
  grep -q 'not rolled out after 2 s: 0/[0-9]* ready' "$work/err" || fail "no rollout state"
  echo "$(basename "$manifest"): deploy --wait gave up after 2 s"
  exit 0
fi
if [[ $mode == short-watches ]]; then
  deploy_until_timeout 6
  watches=$(grep -c 'watch=true' "$work/requests.jsonl" || true)
  [[ $watches -ge 2 && $watches -le 6 ]] || fail "$watches watches in 6 s (expected 2 to 6: a backoff)"
  echo "$(basename "$manifest"): deploy --wait against short watches: $watches watches in 6 s"
  exit 0
fi
"$mycelium" deploy "$manifest" --kubeconfig "$work/kubeconfig" --wait --timeout 20 \
  --image registry.example.com/app:1 >"$work/deploy.out"
cat "$work/deploy.out"
applied=$(grep -c '^applied .* (namespace shop, context loopback)$' "$work/deploy.out")
rolled=$(grep -c ': rolled out, ' "$work/deploy.out")
"$mycelium" status "$manifest" --kubeconfig "$work/kubeconfig" >"$work/status.out"
grep -q '^StatefulSet/.*: [0-9]*/[0-9]* ready' "$work/status.out" || fail "status: $(cat "$work/status.out")"
"$mycelium" delete "$manifest" --kubeconfig "$work/kubeconfig" >"$work/delete.out"
deleted=$(grep -c '^deleted ' "$work/delete.out")
[[ $deleted == "$applied" ]] || fail "deleted $deleted of $applied objects"
set +e
"$mycelium" status "$manifest" --kubeconfig "$work/kubeconfig" >"$work/gone.out"
code=$?
set -e
[[ $code == 2 ]] && grep -q ': not found$' "$work/gone.out" || fail "status after delete: exit $code"

# What the server received: server-side applies with the client certificate, valid objects.
"$python" - "$work/requests.jsonl" "$work/applied.yaml" <<'PY'
import json, sys, yaml
requests = [json.loads(line) for line in open(sys.argv[1])]
patches = [r for r in requests if r["method"] == "PATCH"]
watches = [r for r in requests if r["method"] == "GET" and "watch=true" in r["query"]]
# The workloads get ready half a second after their apply: --wait saw that through a watch on
# each StatefulSet's collection, by name, from the version it had read.
assert len(watches) >= 1, "deploy --wait did not watch"
assert all("fieldSelector=metadata.name%3D" in w["query"] and "resourceVersion=1" in w["query"]
           and w["path"].endswith("/statefulsets") for w in watches), watches
assert all(r["client"] == "mycelium-test-user" for r in requests), "a request without the client certificate"
assert all(r["content_type"] == "application/apply-patch+yaml" for r in patches)
with open(sys.argv[2], "w") as out:
    yaml.safe_dump_all([json.loads(r["body"]) for r in patches], out)
PY
"$python" "$here/validate_k8s_objects.py" "$work/applied.yaml" >/dev/null
echo "$(basename "$manifest"): $applied objects applied and valid, $rolled rolled out, $deleted deleted"
