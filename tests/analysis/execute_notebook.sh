# Sourced by the notebook tests: runs `mycelium run FIXTURE` into a scratch folder, then executes
# NOTEBOOK headless on that results file; leaves $work/executed.ipynb for the caller to check.
#   source execute_notebook.sh; execute_notebook MYCELIUM SOURCE_DIR FIXTURE NOTEBOOK
#
# The kernel is Debian's: python3-ipykernel installs the kernelspec "python3" in
# /usr/share/jupyter/kernels/python3 (it runs /usr/bin/python3 -m ipykernel_launcher), and
# --ExecutePreprocessor.kernel_name=python3 names it. JUPYTER_DATA_DIR, JUPYTER_RUNTIME_DIR and
# IPYTHONDIR point into the scratch folder, so a kernelspec or profile in the user's home can
# neither shadow it nor be written to.
execute_notebook() {
  local mycelium=$1 source_dir=$2 fixture=$3 notebook=$4
  work=$(mktemp -d "${TMPDIR:-/tmp}/mycelium-notebook-test.XXXXXX")
  trap 'rm -rf "$work"' EXIT

  "$mycelium" run "$source_dir/$fixture" -o "$work/results.h5" -q >/dev/null

  export MYCELIUM_RESULTS=$work/results.h5
  export JUPYTER_DATA_DIR=$work/jupyter-data JUPYTER_RUNTIME_DIR=$work/jupyter-runtime
  export IPYTHONDIR=$work/ipython
  export PYTHONDONTWRITEBYTECODE=1  # no __pycache__ in the source tree's analysis/
  export PYDEVD_DISABLE_FILE_VALIDATION=1  # ipykernel's debugger warns about frozen modules
  # nbconvert exits non-zero when a cell raises (allow_errors is off by default).
  /usr/bin/jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=python3 \
    --ExecutePreprocessor.timeout=600 --output-dir "$work" --output executed \
    "$source_dir/$notebook" 2>"$work/nbconvert.txt" \
    || { echo "FAIL: $notebook did not run:" >&2; cat "$work/nbconvert.txt" >&2; exit 1; }
}
