#!/usr/bin/env bash
# notebooks/ssi-baseline.ipynb executes headless on a small SSI results file
# (tests/analysis/fixtures/ssi-tiny.yaml: lock-step at two RTTs on 1 and 3 replicas, a chunked job
# under every fault with two models) without a cell error, and shows what it promises: the
# lock-step table with its ratios and checks, the chunked table, both figures, and conclusions
# computed from the file.
# Usage: notebook_ssi_runs.sh MYCELIUM SOURCE_DIR
#
# Executed by execute_notebook.sh (Debian's python3 kernel, scratch Jupyter folders).
set -euo pipefail
source "$(dirname "$0")/execute_notebook.sh"
execute_notebook "$1" "$2" tests/analysis/fixtures/ssi-tiny.yaml notebooks/ssi-baseline.ipynb

/usr/bin/python3 "$(dirname "$0")/check_notebook.py" "$work/executed.ipynb" 2 \
  "scenario ssi-tiny, 20 runs: 4 lock-step, 16 chunked" \
  "| 2 ms | 3.000 ms | 5.000 ms (1.67x) |" "| 20 ms | 21.000 ms | 41.000 ms (1.95x) |" \
  "**Checks.** Divergences counted by the replicas' hash checks: 0; answered inputs missing from a replica: 0" \
  "| 2 ms | 4 | 0.0625 GiB | majority-r3 |" "**Lock-step.** A step on N > 1 replicas costs one replica's latency plus the RTT" \
  "**Chunked.** Chunks settled wrong against an always-wrong worker" "majority-r3 0."
echo "notebook_ssi_runs: ok"
