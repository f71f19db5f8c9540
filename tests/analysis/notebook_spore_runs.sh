#!/usr/bin/env bash
# notebooks/spore-scale.ipynb executes headless on a small spore results file
# (tests/analysis/fixtures/spore-tiny.yaml: 16 and 48 members, loss 0 and 0.2, two seeds) without
# a cell error, and shows what it promises: the settings, the dissemination figure, the reach,
# detection and traffic tables, their figures, and a conclusion computed from the file.
# Usage: notebook_spore_runs.sh MYCELIUM SOURCE_DIR
#
# Executed by execute_notebook.sh (Debian's python3 kernel, scratch Jupyter folders).
set -euo pipefail
source "$(dirname "$0")/execute_notebook.sh"
execute_notebook "$1" "$2" tests/analysis/fixtures/spore-tiny.yaml notebooks/spore-scale.ipynb

# One profile (lan): its dissemination figure, the detection figure, the traffic figure.
/usr/bin/python3 "$(dirname "$0")/check_notebook.py" "$work/executed.ipynb" 3 \
  "scenario spore-tiny, 8 runs, 4 configurations" \
  "gossip_interval_s 0.2 (" "gossip_fanout 3 (" "probe_interval_s 1 (config)" \
  "**registration**" "**leave**" "| lan | 48 | 0.2 |" \
  "e/(e-1) = 1.5820 periods" "| SWIM expected periods |" \
  "| messages / member / s |" "**Dissemination.**" "**Failure detection.**" \
  "**Traffic.** Sent per member per second from N = 16 to N = 48"
echo "notebook_spore_runs: ok"
