#!/usr/bin/env bash
# notebooks/throttling-curves.ipynb executes headless on a small results file without a cell
# error, and shows what it promises: the table, the figures, a conclusion computed from the file.
# Usage: notebook_runs.sh MYCELIUM SOURCE_DIR
#
# The kernel is Debian's: python3-ipykernel installs the kernelspec "python3" in
# /usr/share/jupyter/kernels/python3 (it runs /usr/bin/python3 -m ipykernel_launcher), and
# --ExecutePreprocessor.kernel_name=python3 names it. JUPYTER_DATA_DIR, JUPYTER_RUNTIME_DIR and
# IPYTHONDIR point into our scratch folder, so a kernelspec or profile in the user's home can
# neither shadow it nor be written to.
set -euo pipefail
mycelium=$1 source_dir=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/mycelium-notebook-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$mycelium" run "$source_dir/tests/analysis/fixtures/tiny-scenario.yaml" -o "$work/tiny.h5" -q \
  >/dev/null

export MYCELIUM_RESULTS=$work/tiny.h5
export JUPYTER_DATA_DIR=$work/jupyter-data JUPYTER_RUNTIME_DIR=$work/jupyter-runtime
export IPYTHONDIR=$work/ipython
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in the source tree's analysis/
export PYDEVD_DISABLE_FILE_VALIDATION=1  # ipykernel's debugger warns about frozen modules
# nbconvert exits non-zero when a cell raises (allow_errors is off by default).
/usr/bin/jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=python3 \
  --ExecutePreprocessor.timeout=600 --output-dir "$work" --output executed \
  "$source_dir/notebooks/throttling-curves.ipynb" 2>"$work/nbconvert.txt" \
  || { echo "FAIL: the notebook did not run:" >&2; cat "$work/nbconvert.txt" >&2; exit 1; }

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
