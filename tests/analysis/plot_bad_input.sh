#!/usr/bin/env bash
# `mycelium plot` and analysis/plot.py on bad input: a missing file, a file that is not HDF5 and a
# results file of an unknown schema version each exit 2 with a message naming the file, and
# leave no output folder behind. `mycelium plot` finds plot.py through MYCELIUM_ANALYSIS_DIR,
# says so when it is not there, passes the folder and the file, and returns plot.py's exit code.
# Usage: plot_bad_input.sh MYCELIUM SOURCE_DIR
set -euo pipefail
mycelium=$1 source_dir=$2
plot_py=$source_dir/analysis/plot.py
work=$(mktemp -d "${TMPDIR:-/tmp}/mycelium-plot-bad.XXXXXX")
trap 'rm -rf "$work"' EXIT

# expect EXIT STDERR_REGEX COMMAND...: the exit code and a line of stderr (grep -E).
expect() {
  local code=$1 regex=$2
  shift 2
  local actual=0
  "$@" >"$work/stdout.txt" 2>"$work/stderr.txt" || actual=$?
  if [[ $actual -ne $code ]] || ! grep -Eq -- "$regex" "$work/stderr.txt"; then
    echo "FAIL: $*: exit $actual (expected $code), stderr (expected /$regex/):" >&2
    cat "$work/stderr.txt" >&2
    exit 1
  fi
  if grep -q "Traceback" "$work/stderr.txt"; then
    echo "FAIL: $*: a stack trace instead of a message" >&2; exit 1
  fi
}

no_output() {
  [[ ! -e "$work/never" ]] || { echo "FAIL: an output folder was made for bad input" >&2; exit 1; }
}

expect 2 "^mycelium: cannot read results from /nonexistent\.h5: no such file$" \
  "$mycelium" plot /nonexistent.h5 -o "$work/never"
no_output
not_hdf5=$source_dir/tests/analysis/fixtures/tiny-scenario.yaml
expect 2 "^mycelium: cannot read results from $not_hdf5: not an HDF5 file$" \
  "$mycelium" plot "$not_hdf5" -o "$work/never"
no_output
expect 2 "^plot\.py: cannot read results from /nonexistent\.h5: no such file$" \
  /usr/bin/python3 -B "$plot_py" /nonexistent.h5 -o "$work/never"
no_output
expect 2 "^plot\.py: cannot read results from $not_hdf5: not an HDF5 file$" \
  /usr/bin/python3 -B "$plot_py" "$not_hdf5" -o "$work/never"
no_output

# A real results file, then the same file claiming a schema version nobody reads yet.
"$mycelium" run "$source_dir/tests/analysis/fixtures/tiny-scenario.yaml" -o "$work/tiny.h5" -q \
  >/dev/null
cp "$work/tiny.h5" "$work/future.h5"
/usr/bin/python3 -c 'import h5py, sys; h5py.File(sys.argv[1], "r+").attrs["schema_version"] = 2' \
  "$work/future.h5"
expect 2 "^mycelium: cannot read results from $work/future\.h5: schema version 2 is not supported" \
  "$mycelium" plot "$work/future.h5" -o "$work/never"
no_output
expect 2 "^plot\.py: cannot read results from $work/future\.h5: schema version 2 is not supported" \
  /usr/bin/python3 -B "$plot_py" "$work/future.h5" -o "$work/never"
no_output

# MYCELIUM_ANALYSIS_DIR without plot.py: named, exit 2.
mkdir "$work/empty"
MYCELIUM_ANALYSIS_DIR=$work/empty expect 2 "cannot find $work/empty/plot\.py" \
  "$mycelium" plot "$work/tiny.h5" -o "$work/never"
no_output

# A stand-in plot.py records its arguments and exits with the code it is told: mycelium must
# return that code unchanged (2 stays 2, and any other too).
mkdir "$work/fake"
cat >"$work/fake/plot.py" <<'PY'
import os, sys
with open(os.environ["FAKE_ARGS"], "w") as out:
    out.write("\n".join(sys.argv[1:]) + "\n")
sys.exit(int(os.environ["FAKE_EXIT"]))
PY
for code in 0 2 3; do
  actual=0
  MYCELIUM_ANALYSIS_DIR=$work/fake FAKE_ARGS=$work/args.txt FAKE_EXIT=$code \
    "$mycelium" plot "$work/tiny.h5" -o "$work/some dir" || actual=$?
  [[ $actual -eq $code ]] || { echo "FAIL: plot.py exited $code, mycelium $actual" >&2; exit 1; }
done
printf -- '--output=%s\n--\n%s\n' "$work/some dir" "$work/tiny.h5" >"$work/expected-args.txt"
diff "$work/expected-args.txt" "$work/args.txt" \
  || { echo "FAIL: plot.py got other arguments (above)" >&2; exit 1; }
# Without -o the folder is plots/<scenario>, relative to the working directory.
(cd "$work" && MYCELIUM_ANALYSIS_DIR=$work/fake FAKE_ARGS=$work/args.txt FAKE_EXIT=0 \
  "$mycelium" plot tiny.h5)
grep -qx -- "--output=plots/tiny" "$work/args.txt" \
  || { echo "FAIL: default folder:" >&2; cat "$work/args.txt" >&2; exit 1; }
echo "plot_bad_input: ok"
