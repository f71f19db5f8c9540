#!/usr/bin/env bash
# `mycelium run`: a small scenario writes a results file and a ranked summary; the same scenario
# run twice gives byte-identical files (same seeds); a broken scenario exits 2 and leaves
# nothing behind.
# Usage: run_scenario.sh MYCELIUM SOURCE_DIR WORK_DIR
set -euo pipefail
mycelium=$1 source_dir=$2 work=$3
fixtures=$source_dir/tests/cli/fixtures
rm -rf "$work" && mkdir -p "$work"

"$mycelium" run "$fixtures/small-scenario.yaml" -o "$work/a.h5" -j 2 >"$work/summary.txt" 2>"$work/progress.txt"
grep -q "^network lan, workload heavy$" "$work/summary.txt"
grep -q "linear" "$work/summary.txt"
grep -q "best-effort" "$work/summary.txt"
grep -q "2/2 runs" "$work/progress.txt"
test -s "$work/a.h5"

"$mycelium" run "$fixtures/small-scenario.yaml" -o "$work/b.h5" -j 1 -q >/dev/null
cmp "$work/a.h5" "$work/b.h5" || { echo "same scenario, same seeds, different results" >&2; exit 1; }

set +e
"$mycelium" run "$fixtures/broken-scenario.yaml" -o "$work/never.h5" 2>"$work/errors.txt"
code=$?
set -e
[[ $code -eq 2 ]] || { echo "broken scenario: exit $code, expected 2" >&2; exit 1; }
grep -q 'broken-scenario.yaml:10:.*throttlingCurve: expected one of' "$work/errors.txt"
[[ ! -e "$work/never.h5" ]] || { echo "a results file was left behind" >&2; exit 1; }
if ls -A "$work" | grep -q '^\.mycelium-run-'; then echo "scratch folder left" >&2; exit 1; fi
echo "run_scenario: ok"
