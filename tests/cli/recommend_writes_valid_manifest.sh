#!/usr/bin/env bash
# `mycelium recommend -o FILE` writes a manifest that `mycelium validate` accepts, and a failed
# recommend leaves no output file behind.
# Usage: recommend_writes_valid_manifest.sh MYCELIUM SOURCE_DIR WORK_DIR
set -euo pipefail
mycelium=$1 source_dir=$2 work=$3
rm -rf "$work" && mkdir -p "$work"

for application in "$source_dir"/scenarios/applications/*.yaml; do
  output="$work/$(basename "$application")"
  "$mycelium" recommend "$application" -o "$output" >"$work/summary.txt"
  grep -q "^# Manifest written to $output" "$work/summary.txt"
  "$mycelium" validate --quiet "$output"
done

# Bad input: exit code 2 and nothing written.
set +e
"$mycelium" recommend "$source_dir/tests/cli/fixtures/broken-application.yaml" -o "$work/never.yaml" 2>/dev/null
code=$?
set -e
[[ $code -eq 2 ]] || { echo "expected exit code 2, got $code"; exit 1; }
[[ ! -e "$work/never.yaml" ]] || { echo "a failed recommend left $work/never.yaml behind"; exit 1; }
# No temporary files left either.
leftovers=$(find "$work" -name '.*.yaml.*' | wc -l)
[[ $leftovers -eq 0 ]] || { echo "temporary files left behind"; exit 1; }
echo "recommend wrote $(ls "$source_dir"/scenarios/applications/*.yaml | wc -l) valid manifests"
