#!/usr/bin/env bash
# Runs one mycelium command and checks its exit code and output.
# Usage: run_cli_test.sh EXIT_CODE STDOUT_REGEX STDERR_REGEX -- COMMAND [ARGS...]
# An empty regex matches anything; regexes are grep -E patterns matched against the whole output.
set -uo pipefail
expected_exit=$1 stdout_regex=$2 stderr_regex=$3
shift 3
[[ "$1" == "--" ]] && shift
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
"$@" >"$out" 2>"$err"
actual_exit=$?
status=0
if [[ "$actual_exit" != "$expected_exit" ]]; then
  echo "FAIL: exit code $actual_exit, expected $expected_exit"; status=1
fi
if [[ -n "$stdout_regex" ]] && ! grep -Eq -- "$stdout_regex" "$out"; then
  echo "FAIL: stdout does not match: $stdout_regex"; status=1
fi
if [[ -n "$stderr_regex" ]] && ! grep -Eq -- "$stderr_regex" "$err"; then
  echo "FAIL: stderr does not match: $stderr_regex"; status=1
fi
if [[ $status -ne 0 ]]; then
  echo "--- command: $*"; echo "--- stdout:"; cat "$out"; echo "--- stderr:"; cat "$err"
fi
exit $status
