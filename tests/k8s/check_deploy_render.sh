#!/usr/bin/env bash
# `mycelium deploy MANIFEST --dry-run` prints objects that the official Kubernetes client models
# accept (validate_k8s_objects.py: strict walk and round trip), and says what it defaulted.
# Usage: check_deploy_render.sh PYTHON MYCELIUM MANIFEST EXPECTED_OBJECTS [DEPLOY_ARGS...]
set -euo pipefail
python=$1 mycelium=$2 manifest=$3 expected=$4
shift 4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$mycelium" deploy "$manifest" --dry-run "$@" >"$work/objects.yaml" 2>"$work/notes.txt"
cat "$work/notes.txt" >&2
"$python" "$(dirname "$0")/validate_k8s_objects.py" "$work/objects.yaml" | tee "$work/valid.txt"
count=$(grep -c '^kind: ' "$work/objects.yaml")
[[ $count == "$expected" ]] || { echo "expected $expected objects, got $count" >&2; exit 1; }
echo "$(basename "$manifest"): $count objects rendered, valid"
