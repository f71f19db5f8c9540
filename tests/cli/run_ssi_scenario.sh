#!/usr/bin/env bash
# `mycelium run` on an SsiBaselineScenario: the small fixture writes a results file and prints the
# lock-step and chunked tables; run twice it gives byte-identical files; a broken one exits 2 with
# a located error and leaves nothing behind.
# Usage: run_ssi_scenario.sh MYCELIUM SOURCE_DIR WORK_DIR
set -euo pipefail
mycelium=$1 source_dir=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fixture=$source_dir/tests/analysis/fixtures/ssi-tiny.yaml

"$mycelium" run "$fixture" -o "$work/a.h5" -j 2 >"$work/summary.txt" 2>"$work/progress.txt"
grep -Eq "^rtt +replicas +p50 ms +p99 ms +x 1 replica" "$work/summary.txt"
grep -Eq "^2ms +3 +5\.000 +5\.000 +1\.67 +0 +0 +0$" "$work/summary.txt"
grep -Eq "^2ms +4 +0 +majority-r3 +wrong-results +[0-9.]+ +[0-9.]+% +0\.0 +0\.0$" "$work/summary.txt"
grep -q "^results: $work/a.h5 (20 runs)$" "$work/summary.txt"
grep -q "ssi baseline scenario ssi-tiny: 20 runs" "$work/progress.txt"

"$mycelium" run "$fixture" -o "$work/b.h5" -j 1 -q >/dev/null
cmp "$work/a.h5" "$work/b.h5" || { echo "same scenario, same seeds, different results" >&2; exit 1; }

set +e
"$mycelium" run "$source_dir/tests/cli/fixtures/broken-ssi-scenario.yaml" -o "$work/never.h5" \
  2>"$work/errors.txt"
code=$?
set -e
[[ $code -eq 2 ]] || { echo "broken scenario: exit $code, expected 2" >&2; exit 1; }
grep -q 'broken-ssi-scenario.yaml:13:45: spec.chunked.models\[0\].redundancy: expected at most the smallest of workers (2)' \
  "$work/errors.txt" || { echo "no located error: $(cat "$work/errors.txt")" >&2; exit 1; }
[[ ! -e "$work/never.h5" ]] || { echo "a results file was left behind" >&2; exit 1; }
echo "run_ssi_scenario: ok"
