#!/usr/bin/env bash
# `mycelium merge` refuses, with exit code 2, a message naming the file and the problem, and no
# output file, every set of files that would not give the unsharded results file: a missing
# shard, a duplicate shard, shards of another scenario or of another shard count, a results file
# that is not a shard, a file that is not HDF5.
# Usage: merge_refusals.sh MYCELIUM SOURCE_DIR
set -euo pipefail
mycelium=$1 source_dir=$2
fixtures=$source_dir/tests/cli/fixtures
work=${TMPDIR:-/tmp}/mycelium-merge-refusals.$$
rm -rf "$work" && mkdir -p "$work"
trap 'status=$?; if [[ $status -eq 0 ]]; then rm -rf "$work"; else echo "kept $work" >&2; fi' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

for k in 0 1 2; do
  "$mycelium" sweep "$fixtures/sweep-small.yaml" --shard "$k/3" -o "$work/small-$k.h5" -q >/dev/null
  "$mycelium" sweep "$fixtures/small-scenario.yaml" --shard "$k/3" -o "$work/other-$k.h5" -q \
    >/dev/null
done
"$mycelium" sweep "$fixtures/sweep-small.yaml" --shard 1/2 -o "$work/half-1.h5" -q >/dev/null
# The same scenario, edited after shard 0 ran: another sweep for all merge can tell.
{ cat "$fixtures/sweep-small.yaml"; echo "# edited"; } >"$work/sweep-small.yaml"
"$mycelium" sweep "$work/sweep-small.yaml" --shard 1/3 -o "$work/edited-1.h5" -q >/dev/null
"$mycelium" run "$fixtures/small-scenario.yaml" -o "$work/whole.h5" -q >/dev/null
echo "not HDF5" >"$work/notes.txt"

# expect_refusal NAME STDERR_REGEX SHARD_FILES...
expect_refusal() {
  local name=$1 regex=$2
  shift 2
  local code=0
  "$mycelium" merge "$@" -o "$work/out.h5" >"$work/stdout.txt" 2>"$work/stderr.txt" || code=$?
  [[ $code -eq 2 ]] || fail "$name: exit $code, expected 2; stderr: $(cat "$work/stderr.txt")"
  grep -Eq -- "$regex" "$work/stderr.txt" ||
    fail "$name: stderr does not match '$regex': $(cat "$work/stderr.txt")"
  [[ ! -e "$work/out.h5" ]] || fail "$name: an output file was written"
  echo "refused as expected: $name: $(cat "$work/stderr.txt")"
}

expect_refusal "missing shard" "^mycelium: missing shard 1 of 3 \(got 2 shard files of scenario \"sweep-small\"\)$" \
  "$work/small-0.h5" "$work/small-2.h5"
expect_refusal "two missing shards" "^mycelium: missing shards 0, 2 of 3 " "$work/small-1.h5"
expect_refusal "duplicate shard" \
  "^mycelium: $work/small-1.h5: duplicate shard 1 of 3, $work/small-1.h5 is that shard too$" \
  "$work/small-0.h5" "$work/small-1.h5" "$work/small-1.h5" "$work/small-2.h5"
expect_refusal "shard of another scenario" \
  "^mycelium: $work/other-1.h5: shard of another scenario: scenario \"small\" with digest fnv1a64:[0-9a-f]{16}, but $work/small-0.h5 has scenario \"sweep-small\" with digest fnv1a64:[0-9a-f]{16}$" \
  "$work/small-0.h5" "$work/other-1.h5" "$work/small-2.h5"
expect_refusal "shard of the edited scenario" \
  "^mycelium: $work/edited-1.h5: shard of another scenario: scenario \"sweep-small\" with digest fnv1a64:[0-9a-f]{16}, but $work/small-0.h5 has scenario \"sweep-small\" with digest" \
  "$work/small-0.h5" "$work/edited-1.h5" "$work/small-2.h5"
expect_refusal "another shard count" \
  "^mycelium: $work/half-1.h5 \(shard 1 of 2\) and $work/small-0.h5 \(shard 0 of 3\) split the sweep into different numbers of shards$" \
  "$work/small-0.h5" "$work/half-1.h5"
expect_refusal "not a shard file" \
  "^mycelium: $work/whole.h5: not a shard file \(no shard attributes: it was not written by \`mycelium sweep --shard\`\)$" \
  "$work/whole.h5"
expect_refusal "not HDF5" "^mycelium: cannot read results from $work/notes.txt: not an HDF5 file$" \
  "$work/small-0.h5" "$work/notes.txt"
expect_refusal "no such file" "^mycelium: cannot read results from $work/nope.h5: no such file$" \
  "$work/nope.h5"

# Shard files damaged after writing (needs h5py, from scripts/setup): the reader refuses a file
# with only some of the shard attributes, or a run without its sweep index.
python=""
for candidate in python3 /usr/bin/python3; do
  if "$candidate" -c "import h5py" 2>/dev/null; then python=$candidate; break; fi
done
if [[ -n "$python" ]]; then
  cp "$work/small-1.h5" "$work/no-digest-1.h5"
  cp "$work/small-1.h5" "$work/no-index-1.h5"
  "$python" -c 'import h5py, sys
with h5py.File(sys.argv[1], "r+") as f: del f.attrs["scenario_digest"]
with h5py.File(sys.argv[2], "r+") as f: del f["runs/0001"].attrs["sweep_index"]' \
    "$work/no-digest-1.h5" "$work/no-index-1.h5"
  expect_refusal "some shard attributes missing" \
    "^mycelium: cannot read results from $work/no-digest-1.h5: a shard file \(it has shard attributes on /\) without 'scenario_digest' on /$" \
    "$work/small-0.h5" "$work/no-digest-1.h5" "$work/small-2.h5"
  expect_refusal "a run without its sweep index" \
    "^mycelium: cannot read results from $work/no-index-1.h5: /runs/0001 has no 'sweep_index' attribute, which every run of a shard file has$" \
    "$work/small-0.h5" "$work/no-index-1.h5" "$work/small-2.h5"
else
  echo "no python3 with h5py: damaged shard files not checked (scripts/setup installs python3-h5py)"
fi

# Control: the same files that were refused above merge when the set is right, so the refusals
# are about the sets, not about the files.
"$mycelium" merge "$work/small-1.h5" "$work/small-2.h5" "$work/small-0.h5" -o "$work/out.h5" \
  >/dev/null || fail "the complete set of shards did not merge"
echo "merge_refusals: ok"
