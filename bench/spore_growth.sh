#!/usr/bin/env bash
# How the spore simulation's wall time grows from SMALL to LARGE members (the N log N target of
# issue 5: 100 000 -> 1 000 000 within 12x), measured so that this machine's noise shows: runs
# of bench_spore_scale alternate SMALL, LARGE, SMALL, ... (REPEATS large runs, one more small
# one), each printed as it ends, then the ratio of the medians and the ratio's range (the
# slowest small run against the fastest large one, and the reverse). On a host shared with other
# guests identical runs differ by up to half (docs/scenarios.md): read the range, not one ratio.
# Prints figures and asserts nothing.
#
#   bench/spore_growth.sh BENCH_SPORE_SCALE [REPEATS [SMALL [LARGE [SECONDS [THREADS]]]]]
#   e.g. bench/spore_growth.sh build/release/bench/bench_spore_scale 2 100000 1000000 60 2
#   (two large runs of a million: about 25 minutes on 2 cores)
set -euo pipefail
bench=$1 repeats=${2:-2} small=${3:-100000} large=${4:-1000000} seconds=${5:-60} threads=${6:-2}
if ! [[ $repeats =~ ^[1-9][0-9]*$ ]]; then
  echo "spore_growth.sh: REPEATS must be a whole number >= 1, got '$repeats'" >&2
  exit 2
fi

wall_of() {  # runs the bench for $1 members; prints its wall seconds
  local line
  line=$("$bench" "$1" "$seconds" "$threads" | grep -m1 -o 'wall [0-9.]* s')
  [[ -n $line ]] || { echo "spore_growth.sh: no wall time from $bench $1" >&2; exit 1; }
  awk '{print $2}' <<<"$line"
}
median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

small_walls=() large_walls=()
for run in $(seq "$repeats"); do
  small_walls+=("$(wall_of "$small")")
  echo "run $run: $small members: ${small_walls[-1]} s"
  large_walls+=("$(wall_of "$large")")
  echo "run $run: $large members: ${large_walls[-1]} s"
done
small_walls+=("$(wall_of "$small")")
echo "last: $small members: ${small_walls[-1]} s"

small_median=$(printf '%s\n' "${small_walls[@]}" | median)
large_median=$(printf '%s\n' "${large_walls[@]}" | median)
small_min=$(printf '%s\n' "${small_walls[@]}" | sort -g | head -1)
small_max=$(printf '%s\n' "${small_walls[@]}" | sort -g | tail -1)
large_min=$(printf '%s\n' "${large_walls[@]}" | sort -g | head -1)
large_max=$(printf '%s\n' "${large_walls[@]}" | sort -g | tail -1)
awk -v sm="$small_median" -v lm="$large_median" -v s0="$small_min" -v s1="$small_max" \
  -v l0="$large_min" -v l1="$large_max" -v n="$small" -v m="$large" 'BEGIN {
  printf "growth %d -> %d members: %.1fx (medians %.1f s and %.1f s); range %.1fx to %.1fx\n",
         n, m, lm / sm, sm, lm, l0 / s1, l1 / s0
  printf "N log N allows %.1fx\n", (m * log(m)) / (n * log(n))
}'
