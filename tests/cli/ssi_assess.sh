#!/usr/bin/env bash
# `mycelium ssi assess`: on a baseline made from tests/analysis/fixtures/ssi-tiny.yaml, a batch
# application's lock-step cost is interpolated between the baseline's RTTs (exact here: the cost
# is linear in the RTT), compared with its latency budget, and each chunked model is predicted at
# its state size; outside the baseline the nearest edge is used and said; a missing baseline, a
# results file of another kind and a bad --rtt exit 2 with what to do.
# Usage: ssi_assess.sh MYCELIUM SOURCE_DIR WORK_DIR
set -euo pipefail
mycelium=$1 source_dir=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
app=$source_dir/tests/cli/fixtures/ssi-batch-app.yaml
fail() { echo "ssi_assess: $*" >&2; exit 1; }

"$mycelium" run "$source_dir/tests/analysis/fixtures/ssi-tiny.yaml" -o "$work/baseline.h5" -q >/dev/null

# RTT 5 ms between the baseline's 2 and 20 ms, 3 replicas (on its grid): one node 6 ms, plus 5 ms.
"$mycelium" ssi assess "$app" --baseline "$work/baseline.h5" --rtt 5ms --nodes 3 >"$work/out.txt"
grep -q "^baseline: $work/baseline.h5 (scenario ssi-tiny, 20 runs); predicted at RTT 5ms, 3 nodes$" "$work/out.txt" ||
  fail "no baseline line: $(cat "$work/out.txt")"
grep -Eq "^lock-step +suitable +\+5\.000 ms per input over one node \(6\.000 -> 11\.000 ms, 1\.83x\); exceeds the latency budget of 4ms$" "$work/out.txt" ||
  fail "no lock-step prediction: $(cat "$work/out.txt")"
grep -Eq "^asynchronous chunked +suitable +first-result-r1: [0-9.]+x the ideal" "$work/out.txt" ||
  fail "no chunked prediction: $(cat "$work/out.txt")"
grep -Eq "majority-r3: [0-9.]+x the ideal, no wrong result from a faulty worker" "$work/out.txt" ||
  fail "no majority line: $(cat "$work/out.txt")"
# 3 workers is below the baseline's 4: said so.
grep -q "^note: chunked: RTT 5ms, 3 workers or the state size 32Mi lies outside the baseline" "$work/out.txt" ||
  fail "no clamping note: $(cat "$work/out.txt")"

# At 2 ms the lock-step prediction is the baseline's own run, within the budget.
"$mycelium" ssi assess "$app" --baseline "$work/baseline.h5" --rtt 2ms --nodes 3 --json >"$work/out.json"
/usr/bin/python3 - "$work/out.json" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
lock = out["lock-step"]["predicted"]
# Within a microsecond: messages also take their bytes over the 10 Gbit/s links.
assert abs(lock["one_node_ms"] - 3.0) < 1e-3 and abs(lock["added_ms"] - 2.0) < 1e-3, lock
assert lock["within_latency_budget"] is True, lock
assert out["asynchronous-chunked"]["compatibility"]["verdict"] == "suitable", out
assert set(out["asynchronous-chunked"]["predicted"]) == {"first-result-r1", "majority-r3"}, out
PY

expect_refusal() {  # expect_refusal PATTERN COMMAND...
  local pattern=$1
  shift
  set +e
  "$@" >"$work/refused.out" 2>"$work/refused.err"
  local code=$?
  set -e
  [[ $code == 2 ]] || fail "exit $code, not 2, for: $*"
  grep -q -- "$pattern" "$work/refused.err" || fail "no '$pattern' in: $(cat "$work/refused.err")"
}
expect_refusal "no baseline results there; make them with \`mycelium run scenarios/ssi-baseline.yaml" \
  "$mycelium" ssi assess "$app" --baseline "$work/missing.h5"
"$mycelium" run "$source_dir/tests/cli/fixtures/small-spore-scenario.yaml" -o "$work/spore.h5" -q >/dev/null
expect_refusal "not an SSI baseline" "$mycelium" ssi assess "$app" --baseline "$work/spore.h5"
expect_refusal "--rtt fast: " "$mycelium" ssi assess "$app" --baseline "$work/baseline.h5" --rtt fast
echo "ssi_assess: ok"
