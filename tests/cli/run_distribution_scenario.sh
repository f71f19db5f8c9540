#!/usr/bin/env bash
# `mycelium run` on a DistributionScenario: the small fixture writes a results file and prints a
# table per strategy with the figures their guarantees name (one master at most, no order
# violation); run twice it gives byte-identical files; a broken one exits 2 with a located error
# and leaves nothing behind.
# Usage: run_distribution_scenario.sh MYCELIUM SOURCE_DIR WORK_DIR
set -euo pipefail
mycelium=$1 source_dir=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fixture=$source_dir/tests/cli/fixtures/distribution-tiny.yaml
fail() { echo "run_distribution_scenario: $*" >&2; exit 1; }

"$mycelium" run "$fixture" -o "$work/a.h5" -j 2 >"$work/summary.txt" 2>"$work/progress.txt"
grep -q "distribution scenario distribution-tiny: 6 runs" "$work/progress.txt" ||
  fail "no progress line: $(cat "$work/progress.txt")"
grep -q "^results: $work/a.h5 (6 runs)$" "$work/summary.txt" || fail "no results line"
# One row per point under each table's header; the guarantees' columns are exact.
grep -Eq "^16 +ring-256 +0\.[0-9]{3} " "$work/summary.txt" || fail "no sharding row"
grep -Eq "^5 +0\.1 +1 +0 " "$work/summary.txt" || fail "lease: not one master at most, no shared term"
grep -Eq "^64 +0 +1\.000 +1\.000 " "$work/summary.txt" || fail "dht: not every lookup exact"
grep -Eq "^0\.2 +1\.000 +0 +0 +0 " "$work/summary.txt" || fail "event log: lost, reordered or doubled"

"$mycelium" run "$fixture" -o "$work/b.h5" -j 1 -q >/dev/null
cmp "$work/a.h5" "$work/b.h5" || fail "same scenario, same seeds, different results"

set +e
"$mycelium" run "$source_dir/tests/cli/fixtures/broken-distribution-scenario.yaml" \
  -o "$work/never.h5" 2>"$work/errors.txt"
code=$?
set -e
[[ $code -eq 2 ]] || fail "broken scenario: exit $code, expected 2"
grep -q 'broken-distribution-scenario.yaml:10:16: spec.dht.bootstrap' "$work/errors.txt" ||
  fail "no located error: $(cat "$work/errors.txt")"
[[ ! -e "$work/never.h5" ]] || fail "a results file was left behind"
echo "run_distribution_scenario: ok"
