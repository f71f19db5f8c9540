#!/usr/bin/env bash
# notebooks/throttling-curves.ipynb executes headless on a small results file without a cell
# error, and shows what it promises: the table, the figures, a conclusion computed from the file.
# Usage: notebook_runs.sh MYCELIUM SOURCE_DIR
#
# Executed by execute_notebook.sh (Debian's python3 kernel, scratch Jupyter folders).
set -euo pipefail
source "$(dirname "$0")/execute_notebook.sh"
execute_notebook "$1" "$2" tests/analysis/fixtures/tiny-scenario.yaml notebooks/throttling-curves.ipynb

/usr/bin/python3 - "$work/executed.ipynb" <<'PY'
import sys
import nbformat

notebook = nbformat.read(sys.argv[1], as_version=4)
outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])]
text = "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/markdown", ""))
                 for o in outputs)
errors = [o for o in outputs if o.output_type == "error"]
images = [o for o in outputs if "image/png" in o.get("data", {})]
problems = []
if errors:
    problems.append(f"{len(errors)} error outputs")
# tiny-scenario: the trade-off, the curves, and two time series (lan x heavy, lan x light).
if len(images) != 4:
    problems.append(f"{len(images)} images, expected 4")
for expected in ("scenario tiny, 8 runs", "| lan | heavy | linear | 2 |",
                 "**Network lan.** Pareto-optimal", "- heavy: Pareto-optimal"):
    if expected not in text:
        problems.append(f"no '{expected}' in the outputs")
if problems:
    sys.exit("FAIL: " + "; ".join(problems) + "\n--- outputs:\n" + text)
PY
echo "notebook_runs: ok"
