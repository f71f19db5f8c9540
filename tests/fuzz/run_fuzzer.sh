#!/usr/bin/env bash
# Runs one libFuzzer binary for MYCELIUM_FUZZ_SECONDS (default 60) on a scratch copy of its seed
# corpus. Fails if the fuzzer finds a crash, a leak, a sanitizer report or a broken property.
# Usage: run_fuzzer.sh BINARY WORK_DIR SEED_DIR...
set -euo pipefail
binary=$1 work=$2
shift 2
seconds=${MYCELIUM_FUZZ_SECONDS:-60}
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
for seed_dir in "$@"; do
  [[ -d "$seed_dir" ]] && cp "$seed_dir"/* "$work/corpus/" 2>/dev/null || true
done
echo "fuzzing $(basename "$binary") for ${seconds}s from $(ls "$work/corpus" | wc -l) seeds"
"$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus"
