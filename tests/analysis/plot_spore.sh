#!/usr/bin/env bash
# `mycelium plot` on a Service Spore results file (tests/analysis/fixtures/spore-tiny.yaml, run
# here): it detects the spore file and writes exactly the spore PNGs (valid, decodable, not
# blank), lists them on stdout; a spore file whose gossip settings cannot be found (a profile
# the analysis does not know, and no settings in the runs' configuration) exits 2 with a message
# naming the run, no stack trace and no output folder.
# Usage: plot_spore.sh MYCELIUM SOURCE_DIR
set -euo pipefail
mycelium=$1 source_dir=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/mycelium-plot-spore.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$mycelium" run "$source_dir/tests/analysis/fixtures/spore-tiny.yaml" -o "$work/spore.h5" -q \
  >/dev/null
expected=(detection.png dissemination-lan.png traffic.png)  # C sort order

"$mycelium" plot "$work/spore.h5" -o "$work/out" >"$work/stdout.txt"
found=$(find "$work/out" -mindepth 1 -printf '%f\n' | LC_ALL=C sort)
[[ "$found" == "$(printf '%s\n' "${expected[@]}")" ]] ||
  fail "$work/out holds: $(echo $found), expected ${expected[*]}"
for name in "${expected[@]}"; do
  grep -qx "plot: $work/out/$name" "$work/stdout.txt" || fail "stdout does not list $name"
done
/usr/bin/python3 - "$work/out" "${expected[@]}" <<'PY'
import sys
import matplotlib.image
folder, names = sys.argv[1], sys.argv[2:]
for name in names:
    with open(f"{folder}/{name}", "rb") as png:
        if png.read(8) != b"\x89PNG\r\n\x1a\n":
            sys.exit(f"FAIL: {name} is not a PNG")
    pixels = matplotlib.image.imread(f"{folder}/{name}")
    height, width = pixels.shape[:2]
    if height < 300 or width < 600 or float(pixels.std()) == 0.0:
        sys.exit(f"FAIL: {name}: {width}x{height}, blank: {float(pixels.std()) == 0.0}")
PY

# The same file with a profile nobody knows and no gossip settings in the runs' configuration
# (removed if the simulator records them): the analysis cannot tell the gossip interval and must
# say so.
cp "$work/spore.h5" "$work/unknown-profile.h5"
/usr/bin/python3 - "$work/unknown-profile.h5" <<'PY'
import sys
import h5py
with h5py.File(sys.argv[1], "r+") as file:
    for run in file["runs"].values():
        run.attrs["label.profile"] = "datacentre"
        config = run.attrs["config"]
        config = config.decode() if isinstance(config, bytes) else config
        run.attrs["config"] = "\n".join(line for line in config.split("\n")
                                        if "gossipIntervalMs" not in line
                                        and "gossipFanout" not in line)
PY
code=0
"$mycelium" plot "$work/unknown-profile.h5" -o "$work/never" >"$work/stdout.txt" \
  2>"$work/stderr.txt" || code=$?
[[ $code == 2 ]] || fail "unknown profile: exit $code, expected 2 ($(cat "$work/stderr.txt"))"
grep -Eq "^plot\.py: cannot plot $work/unknown-profile\.h5: run 'members-16/loss-0/seed-1': cannot tell its gossip_interval_s, gossip_fanout:" \
  "$work/stderr.txt" || fail "unknown profile: stderr $(cat "$work/stderr.txt")"
! grep -q Traceback "$work/stderr.txt" || fail "unknown profile: a stack trace"
[[ ! -e "$work/never" ]] || fail "unknown profile: an output folder was made"
echo "plot_spore: ok"
