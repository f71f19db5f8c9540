#!/usr/bin/env bash
# `mycelium run` on a SporeScenario: a tiny one writes a results file with the spore metrics and
# prints a row per members x loss; run twice it gives byte-identical files; a broken one exits 2
# with a located error and leaves nothing behind; the progress line shows how far a running run
# got (the child reports through a pipe after every sample).
# Usage: run_spore_scenario.sh MYCELIUM SOURCE_DIR WORK_DIR
set -euo pipefail
mycelium=$1 source_dir=$2 work=$3
fixtures=$source_dir/tests/cli/fixtures
rm -rf "$work" && mkdir -p "$work"

"$mycelium" run "$fixtures/small-spore-scenario.yaml" -o "$work/a.h5" -j 2 >"$work/summary.txt" 2>"$work/progress.txt"
grep -Eq "^ +members +loss +reg p50 s" "$work/summary.txt"
grep -Eq "^ +12 +0 +[0-9]" "$work/summary.txt"
grep -Eq "^ +12 +0\.1 +[0-9]" "$work/summary.txt"
grep -Eq "churn c/j/l$" "$work/summary.txt"
grep -Eq "^ +12 +0 +.* 0/0/0$" "$work/summary.txt"  # this scenario has no churn
grep -q "^results: $work/a.h5 (2 runs)$" "$work/summary.txt"
grep -q "spore scenario small-spore: 2 runs" "$work/progress.txt"
grep -q "2/2 runs" "$work/progress.txt"
test -s "$work/a.h5"

"$mycelium" run "$fixtures/small-spore-scenario.yaml" -o "$work/b.h5" -j 1 -q >/dev/null
cmp "$work/a.h5" "$work/b.h5" || { echo "same scenario, same seeds, different results" >&2; exit 1; }

# Not a terminal: a line per tenth of the work, partial runs included, then the end.
"$mycelium" run "$fixtures/progress-spore.yaml" -o "$work/p.h5" -j 1 >/dev/null 2>"$work/partial.txt"
grep -Eq '^\[#+\.+\] 0/1 runs \(1 running, [1-9][0-9] % done on average\), elapsed' \
  "$work/partial.txt" || { echo "no partial progress: $(cat "$work/partial.txt")" >&2; exit 1; }
grep -q '1/1 runs, elapsed' "$work/partial.txt"

set +e
"$mycelium" run "$fixtures/broken-spore-scenario.yaml" -o "$work/never.h5" 2>"$work/errors.txt"
code=$?
set -e
[[ $code -eq 2 ]] || { echo "broken scenario: exit $code, expected 2" >&2; exit 1; }
grep -q 'broken-spore-scenario.yaml:10:19: spec.packetLoss\[1\]: expected a number in \[0, 1), got "1.5"' "$work/errors.txt"
[[ ! -e "$work/never.h5" ]] || { echo "a results file was left behind" >&2; exit 1; }
if ls -A "$work" | grep -q '^\.mycelium-run-'; then echo "scratch folder left" >&2; exit 1; fi
echo "run_spore_scenario: ok"
