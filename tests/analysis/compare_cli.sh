#!/usr/bin/env bash
# `mycelium compare` end to end on a real results file (the tiny scenario: 1 network x 2
# workloads x 2 configurations x 2 seeds): one row per configuration, in each of the four
# formats; the JSON and CSV agree with each other and with a hand check of the grouping; bad
# input exits 2 with a message.
# Usage: compare_cli.sh MYCELIUM SOURCE_DIR
set -euo pipefail
mycelium=$1 source_dir=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/mycelium-compare-test.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$mycelium" run "$source_dir/tests/analysis/fixtures/tiny-scenario.yaml" -o "$work/tiny.h5" -q \
  >/dev/null

# Table: the header, four rows (2 workloads x 2 configurations), each of 2 runs, the legend.
"$mycelium" compare "$work/tiny.h5" >"$work/table.txt"
head -1 "$work/table.txt" | grep -Eq '^rank +pareto +network +workload +configuration +runs +slowdown % +lag_p99 ms +rpo MiB +pause s$' ||
  fail "table header: $(head -1 "$work/table.txt")"
rows=$(grep -Ec '^[0-9]+ ' "$work/table.txt")
[[ $rows == 4 ]] || fail "table has $rows rows, expected 4"
grep -Eq '^[0-9]+ +\*? +lan +heavy +linear +2 ' "$work/table.txt" || fail "no lan/heavy/linear row"
grep -q "95 % confidence interval" "$work/table.txt" || fail "no legend"

# Pooling two files: the same file twice doubles the runs of every row.
"$mycelium" compare "$work/tiny.h5" "$work/tiny.h5" --by configuration --metric slowdown \
  >"$work/pooled.txt"
[[ $(grep -Ec '^[0-9]+ +\*? +(linear|feedback) +8 ' "$work/pooled.txt") == 2 ]] ||
  fail "pooled: $(cat "$work/pooled.txt")"

# CSV and JSON: same rows, same numbers; every row's run count matches the grouping.
"$mycelium" compare "$work/tiny.h5" --format csv >"$work/out.csv"
"$mycelium" compare "$work/tiny.h5" --format json >"$work/out.json"
/usr/bin/python3 - "$work/out.csv" "$work/out.json" <<'PY'
import csv, json, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
document = json.load(open(sys.argv[2]))
assert len(rows) == 4 == len(document["rows"]), (len(rows), len(document["rows"]))
assert document["by"] == ["network", "workload", "configuration"]
for row, item in zip(rows, document["rows"]):
    assert row["configuration"] == item["group"]["configuration"]
    assert int(row["runs"]) == item["runs"] == 2
    assert (row["pareto_optimal"] == "true") == item["pareto_optimal"]
    assert int(row["rank"]) == item["rank"] >= 1
    for metric in ("slowdown_pct", "lag_p99_ms", "rpo_bytes", "pause_s"):
        mean = item["metrics"][metric]["mean"]
        text = row[metric]
        assert (mean is None) == (text == ""), (metric, mean, text)
        if mean is not None:
            assert math.isclose(float(text), mean, rel_tol=1e-12), (metric, text, mean)
# Within one workload at least one configuration is Pareto-optimal.
for workload in {item["group"]["workload"] for item in document["rows"]}:
    assert any(item["pareto_optimal"] for item in document["rows"]
               if item["group"]["workload"] == workload), workload
PY

"$mycelium" compare "$work/tiny.h5" --format markdown >"$work/out.md"
head -2 "$work/out.md" | tail -1 | grep -q '^|---|---|---|---|---|---:|' || fail "markdown rule"
[[ $(grep -c '^| [0-9]' "$work/out.md") == 4 ]] || fail "markdown rows"

# Bad input: exit 2, a message, nothing on stdout.
expect_refusal() {
  local pattern=$1
  shift
  set +e
  "$mycelium" compare "$@" >"$work/stdout" 2>"$work/stderr"
  local code=$?
  set -e
  [[ $code == 2 ]] || fail "compare $*: exit $code, expected 2"
  grep -q -- "$pattern" "$work/stderr" || fail "compare $*: stderr $(cat "$work/stderr")"
  [[ ! -s "$work/stdout" ]] || fail "compare $*: wrote to stdout"
}
expect_refusal 'no run has the label "curv"' "$work/tiny.h5" --by curv
expect_refusal 'unknown metric "slowdwn" (did you mean "slowdown"?)' "$work/tiny.h5" --metric slowdwn
expect_refusal 'cannot read results from /nonexistent.h5' /nonexistent.h5
expect_refusal 'not an HDF5 file' "$source_dir/README.md"
expect_refusal 'xml not in' "$work/tiny.h5" --format xml
echo "compare: 4 formats agree, pooling and refusals checked"
