#!/usr/bin/env bash
# notebooks/throttling-curves.ipynb executes headless on a small results file without a cell
# error, and shows what it promises: the table, the figures, a conclusion computed from the file.
# Usage: notebook_runs.sh MYCELIUM SOURCE_DIR
#
# Executed by execute_notebook.sh (Debian's python3 kernel, scratch Jupyter folders).
set -euo pipefail
source "$(dirname "$0")/execute_notebook.sh"
execute_notebook "$1" "$2" tests/analysis/fixtures/tiny-scenario.yaml notebooks/throttling-curves.ipynb

# tiny-scenario: the trade-off, the curves, and two time series (lan x heavy, lan x light).
/usr/bin/python3 "$(dirname "$0")/check_notebook.py" "$work/executed.ipynb" 4 \
  "scenario tiny, 8 runs" "| lan | heavy | linear | 2 |" \
  "**Network lan.** Pareto-optimal" "- heavy: Pareto-optimal"
echo "notebook_runs: ok"
