#!/usr/bin/env bash
# `mycelium plot`: on a small results file it writes every expected PNG (valid, non-blank) into
# the folder given with -o (created, with its parents) and, without -o, into plots/<scenario>/
# under the working directory; nothing else is left in the folder (no temporary files).
# Usage: plot_writes_pngs.sh MYCELIUM SOURCE_DIR
set -euo pipefail
mycelium=$1 source_dir=$2
# Our own folder: ctest runs tests in parallel, and two runs of this one must not collide.
work=$(mktemp -d "${TMPDIR:-/tmp}/mycelium-plot-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$mycelium" run "$source_dir/tests/analysis/fixtures/tiny-scenario.yaml" -o "$work/tiny.h5" -q \
  >/dev/null
# What the tiny scenario must give: one time series per network x workload, the curves, the
# trade-off; in C sort order.
expected=(curves.png timeseries-lan-heavy.png timeseries-lan-light.png tradeoff.png)

check_folder() {
  local folder=$1
  local found
  found=$(find "$folder" -mindepth 1 -printf '%f\n' | LC_ALL=C sort)
  if [[ "$found" != "$(printf '%s\n' "${expected[@]}")" ]]; then
    printf 'FAIL: %s holds\n%s\nexpected\n' "$folder" "$found" >&2
    printf '%s\n' "${expected[@]}" >&2
    exit 1
  fi
  for name in "${expected[@]}"; do
    local png=$folder/$name
    local magic
    magic=$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')
    [[ "$magic" == "89504e470d0a1a0a" ]] || { echo "FAIL: $png is not a PNG ($magic)" >&2; exit 1; }
  done
  # Decoding every file catches a truncated or corrupt PNG that still has the right header; a
  # figure of one colour would mean nothing was drawn.
  /usr/bin/python3 - "$folder" "${expected[@]}" <<'PY'
import sys
import matplotlib.image
folder, names = sys.argv[1], sys.argv[2:]
for name in names:
    pixels = matplotlib.image.imread(f"{folder}/{name}")
    height, width = pixels.shape[:2]
    if height < 200 or width < 200 or float(pixels.std()) == 0.0:
        sys.exit(f"FAIL: {folder}/{name}: {width}x{height}, blank: {float(pixels.std()) == 0.0}")
PY
}

"$mycelium" plot "$work/tiny.h5" -o "$work/out/nested" >"$work/stdout.txt"
check_folder "$work/out/nested"
grep -q "plot: $work/out/nested/tradeoff.png" "$work/stdout.txt" \
  || { echo "FAIL: stdout does not list the files:" >&2; cat "$work/stdout.txt" >&2; exit 1; }

# Without -o: plots/<scenario name in the file>, relative to the working directory.
(cd "$work" && "$mycelium" plot tiny.h5 >/dev/null)
check_folder "$work/plots/tiny"
echo "plot_writes_pngs: ok"
