#!/usr/bin/env bash
# notebooks/spore-scale.ipynb executes headless on a small spore results file
# (tests/analysis/fixtures/spore-tiny.yaml: 16 and 48 members, loss 0 and 0.2, two seeds) without
# a cell error, and shows what it promises: the settings, the dissemination figure, the reach,
# detection and traffic tables, their figures, and a conclusion computed from the file.
# Usage: notebook_spore_runs.sh MYCELIUM SOURCE_DIR
#
# Run like notebook_runs.sh (the throttling notebook): Debian's python3 kernel, Jupyter's and
# IPython's folders in our scratch folder, nbconvert failing on any cell error.
set -euo pipefail
mycelium=$1 source_dir=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/mycelium-spore-notebook.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$mycelium" run "$source_dir/tests/analysis/fixtures/spore-tiny.yaml" -o "$work/spore.h5" -q \
  >/dev/null

export MYCELIUM_RESULTS=$work/spore.h5
export JUPYTER_DATA_DIR=$work/jupyter-data JUPYTER_RUNTIME_DIR=$work/jupyter-runtime
export IPYTHONDIR=$work/ipython
export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in the source tree's analysis/
export PYDEVD_DISABLE_FILE_VALIDATION=1  # ipykernel's debugger warns about frozen modules
/usr/bin/jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=python3 \
  --ExecutePreprocessor.timeout=600 --output-dir "$work" --output executed \
  "$source_dir/notebooks/spore-scale.ipynb" 2>"$work/nbconvert.txt" \
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
# One profile (lan): its dissemination figure, the detection figure, the traffic figure.
if len(images) != 3:
    problems.append(f"{len(images)} images, expected 3")
for expected in ("scenario spore-tiny, 8 runs, 4 configurations",
                 "gossip_interval_s 0.2 (", "gossip_fanout 3 (", "probe_interval_s 1 (config)",
                 "**registration**", "**leave**", "| lan | 48 | 0.2 |",
                 "e/(e-1) = 1.5820 periods", "| SWIM expected periods |",
                 "| messages / member / s |", "**Dissemination.**", "**Failure detection.**",
                 "**Traffic.** Sent per member per second from N = 16 to N = 48"):
    if expected not in text:
        problems.append(f"no '{expected}' in the outputs")
if problems:
    sys.exit("FAIL: " + "; ".join(problems) + "\n--- outputs:\n" + text)
PY
echo "notebook_spore_runs: ok"
