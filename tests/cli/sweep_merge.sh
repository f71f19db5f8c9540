#!/usr/bin/env bash
# `mycelium sweep --shard` and `mycelium merge`: the shards of a sweep, merged, give the very
# bytes `mycelium run` writes for the whole sweep, whatever the order of the shard files; shards
# beyond the last run are empty but valid and merge too; nothing is left behind. Both kinds of
# scenario: a replication Scenario and a SporeScenario.
# Usage: sweep_merge.sh MYCELIUM SOURCE_DIR
set -euo pipefail
mycelium=$1 source_dir=$2
scenario=$source_dir/tests/cli/fixtures/sweep-small.yaml  # 6 runs
work=${TMPDIR:-/tmp}/mycelium-sweep-merge.$$
rm -rf "$work" && mkdir -p "$work"
trap 'status=$?; if [[ $status -eq 0 ]]; then rm -rf "$work"; else echo "kept $work" >&2; fi' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$mycelium" run "$scenario" -o "$work/A.h5" -j 2 -q >"$work/run.txt"

# Three shards, merged in another order than their indices.
for k in 0 1 2; do
  "$mycelium" sweep "$scenario" --shard "$k/3" -o "$work/three/shard-$k.h5" -j 2 \
    >"$work/sweep-$k.txt" 2>"$work/sweep-$k.err"
  grep -q "^shard results: $work/three/shard-$k.h5 (shard $k of 3: 2 of 6 runs)$" \
    "$work/sweep-$k.txt" || fail "shard $k/3: unexpected output: $(cat "$work/sweep-$k.txt")"
  grep -q "^scenario sweep-small, shard $k of 3: 2 of 6 runs, 2 in parallel$" "$work/sweep-$k.err" ||
    fail "shard $k/3: unexpected progress: $(cat "$work/sweep-$k.err")"
done
cmp -s "$work/A.h5" "$work/three/shard-0.h5" && fail "a shard file is the whole results file"
"$mycelium" merge "$work/three/shard-2.h5" "$work/three/shard-0.h5" "$work/three/shard-1.h5" \
  -o "$work/B.h5" >"$work/merge.txt"
cmp "$work/A.h5" "$work/B.h5" || fail "run and sweep + merge wrote different files"
grep -q "^results: $work/B.h5 (6 runs from 3 shards)$" "$work/merge.txt" ||
  fail "merge: unexpected output: $(cat "$work/merge.txt")"
# The same ranked summary as run's.
diff <(grep -v '^results:' "$work/run.txt") <(grep -v '^results:' "$work/merge.txt") ||
  fail "merge printed another summary than run"

# Eight shards of six runs: shards 6 and 7 hold no run, say so, and still merge.
for k in 0 1 2 3 4 5 6 7; do
  "$mycelium" sweep "$scenario" --shard "$k/8" -o "$work/eight/shard-$k.h5" -j 1 -q \
    >"$work/eight-$k.txt"
done
for k in 6 7; do
  grep -q "(shard $k of 8: 0 of 6 runs; the sweep has fewer runs than shards)$" \
    "$work/eight-$k.txt" || fail "empty shard $k/8: unexpected output: $(cat "$work/eight-$k.txt")"
  test -s "$work/eight/shard-$k.h5" || fail "empty shard $k/8 wrote no file"
done
"$mycelium" merge "$work"/eight/shard-*.h5 -o "$work/C.h5" >/dev/null
cmp "$work/A.h5" "$work/C.h5" || fail "eight shards merged differ from run"

# The default output name, relative to the working folder.
(cd "$work" && "$mycelium" sweep "$scenario" --shard 1/3 -q >/dev/null)
cmp "$work/results/sweep-small.shard-1-of-3.h5" "$work/three/shard-1.h5" ||
  fail "default output: results/sweep-small.shard-1-of-3.h5 missing or different"

# A SporeScenario (2 runs) shards and merges the same way, and merge prints its table.
spore=$source_dir/tests/cli/fixtures/small-spore-scenario.yaml
"$mycelium" run "$spore" -o "$work/spore-A.h5" -j 2 -q >"$work/spore-run.txt"
for k in 0 1 2; do
  "$mycelium" sweep "$spore" --shard "$k/3" -o "$work/spore/shard-$k.h5" -j 1 \
    >"$work/spore-sweep-$k.txt" 2>"$work/spore-sweep-$k.err"
  grep -q "^spore scenario small-spore, shard $k of 3: " "$work/spore-sweep-$k.err" ||
    fail "spore shard $k/3: unexpected progress: $(cat "$work/spore-sweep-$k.err")"
done
grep -q "(shard 2 of 3: 0 of 2 runs; the sweep has fewer runs than shards)$" \
  "$work/spore-sweep-2.txt" || fail "spore shard 2/3: $(cat "$work/spore-sweep-2.txt")"
"$mycelium" merge "$work"/spore/shard-{1,2,0}.h5 -o "$work/spore-B.h5" >"$work/spore-merge.txt"
cmp "$work/spore-A.h5" "$work/spore-B.h5" || fail "spore: run and sweep + merge wrote different files"
grep -q "crash all s" "$work/spore-merge.txt" || fail "spore merge printed no spore table"
diff <(grep -v '^results:' "$work/spore-run.txt") <(grep -v '^results:' "$work/spore-merge.txt") ||
  fail "spore: merge printed another summary than run"

if find "$work" -name '.mycelium-run-*' -o -name '*.tmp-*' | grep -q .; then
  fail "scratch files left behind: $(find "$work" -name '.mycelium-run-*' -o -name '*.tmp-*')"
fi
echo "sweep_merge: ok"
