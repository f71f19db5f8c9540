#!/usr/bin/env bash
# Three myceliumd processes on loopback, each its own Service Spore member over real UDP: they
# learn each other, every one discovers the instance node 1 registers (from its config) and the
# one node 2 registers through its admin API, with the time each learned it; a deregistration
# reaches every node; a node killed with -9 is declared dead by the two others, who say since
# when; restarted, it is heard and alive again; and SIGTERM makes a node leave (seen as left)
# and exit 0. A broken config exits 2 with a located error, and starts nothing; bad admin
# requests get 400 or 409 and change nothing.
# Usage: myceliumd_network.sh MYCELIUMD WORK_DIR
set -euo pipefail
myceliumd=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "$0")/lib/agents.sh"
clean_up_on_exit

# Free ports: UDP+TCP for each node's listen address, TCP for its admin API.
read -r -a ports < <(free_ports 6)
listen=("${ports[0]}" "${ports[1]}" "${ports[2]}") admin=("${ports[3]}" "${ports[4]}" "${ports[5]}")

write_config() {  # node index (1..3), seeds
  write_agent_config "$work/agent-$1.yaml" "$1" "$2"
  if [[ $1 == 1 ]]; then
    printf '  services:\n    - {service: orders, instanceId: orders-a, ports: [8080]}\n' \
      >>"$work/agent-$1.yaml"
  fi
}
write_config 1 "[]"
write_config 2 "[1]"
write_config 3 "[1]"

# The state node N has for member M in its /members answer ("" when unknown).
state_of() { get "${admin[$1-1]}" /members | python3 -c 'import json, sys
text = sys.stdin.read()
members = json.loads(text) if text.strip() else []
print(next((m["state"] for m in members if m["node"] == int(sys.argv[1])), ""))' "$2"; }

# A broken config: exit 2, the error located, nothing listening.
sed "s/listen: 127.0.0.1:${listen[0]}/listen: nowhere/" "$work/agent-1.yaml" >"$work/broken.yaml"
set +e
"$myceliumd" --config "$work/broken.yaml" 2>"$work/broken.err"
code=$?
set -e
[[ $code -eq 2 ]] || fail "broken config: exit $code, expected 2"
grep -q "broken.yaml:7:11: spec.listen: expected an address host:port (an IP literal, port 1..65535), got \"nowhere\"" "$work/broken.err" ||
  fail "broken config: unexpected message: $(cat "$work/broken.err")"

for i in 1 2 3; do
  "$myceliumd" --config "$work/agent-$i.yaml" 2>"$work/node-$i.log" &
  pids+=($!)
done
all_alive() { for n in 1 2 3; do for m in 1 2 3; do [[ $(state_of "$n" "$m") == alive ]] || return 1; done; done; }
wait_for "every node sees all three alive" 30 all_alive
discovers() { for n in 1 2 3; do get "${admin[n-1]}" /services | grep -q '"instance_id":"orders-a"' || return 1; done; }
wait_for "every node discovers orders-a" 30 discovers
get "${admin[0]}" /metrics | grep -q '^spore_messages_sent_total{node="1"} [1-9]' ||
  fail "/metrics has no spore_messages_sent_total for node 1"

# Registration through the admin API: refused requests first, then one that every node learns.
expect_post() {  # node, path, expected "STATUS BODY" prefix
  local answer
  answer=$(post "${admin[$1-1]}" "$2")
  [[ $answer == "$3"* ]] || fail "POST $2 on node $1: got '$answer', expected '$3...'"
}
expect_post 2 "/services/register?service=payments" "400 service and instance are required"
expect_post 2 "/services/register?service=pay%20ments&instance=a&port=70000" "400 port: expected 1-65535"
expect_post 2 "/services/register?service=payments&instance=a&colour=red" "400 unknown parameter colour"
expect_post 2 "/services/register?service=payments&instance=a&service=b" "400 bad query: parameter service given twice"
expect_post 2 "/services/register?service=pay\ments&instance=a" "400 bad query: parameter service: unexpected character"
expect_post 3 "/services/deregister?service=orders&instance=orders-a" "409 another member owns this instance"
expect_post 2 "/services/deregister?service=payments&instance=nope" "404 no such instance"
# Round trips on request (POST /rtt, the core's RttProbe; every agent answers): what
# `mycelium vm deploy` chooses backups by.
expect_post 1 "/rtt?targets=9" "400 targets: node 9 is not one of the peers"
expect_post 1 "/rtt?targets=1" "400 targets: node 1 is not one of the peers"
expect_post 1 "/rtt?targets=2%2C2" "400 targets: expected 1 to 64 distinct node ids"
expect_post 1 "/rtt?nodes=2" "400 unknown parameter nodes"
expect_post 1 "/rtt?targets=2%2C3" '202 {"probing":[2,3]}'
rtt_results() { get "${admin[0]}" /rtt | python3 -c 'import json, sys
r = json.load(sys.stdin)
if r["state"] == "done":
    print(" ".join("%d:%.3f:%d" % (x["node"], x["rtt_ms"], x["answers"]) for x in r["results"]))'; }
rtt_done() { [[ -n $(rtt_results) ]]; }
wait_for "node 1 measures the round trips to nodes 2 and 3" 10 rtt_done
read -r rtt_2 rtt_3 < <(rtt_results)
for measured in "$rtt_2" "$rtt_3"; do
  IFS=: read -r node ms answers <<<"$measured"
  [[ $answers == 5 ]] || fail "node $node answered $answers of 5 probes"
  python3 -c "import sys; sys.exit(0 if 0 < $ms < 50 else 1)" || fail "loopback round trip to node $node: $ms ms"
done
echo "myceliumd network: round trips from node 1 on loopback: ${rtt_2}, ${rtt_3} (node:ms:answers)"

before_s=$(python3 -c 'import time; print(time.time())')
expect_post 2 "/services/register?service=payments&instance=payments-b&port=9090" '201 {"health":"healthy"'
expect_post 2 "/services/register?service=payments&instance=payments-b&port=9090" '200 {'
# When node N learned payments-b ("" while it does not know it).
learned_at() { get "${admin[$1-1]}" /services | python3 -c 'import json, sys
text = sys.stdin.read()
found = [s for s in (json.loads(text) if text.strip() else []) if s["instance_id"] == "payments-b"]
print(found[0]["learned_at_unix_s"] if found else "")'; }
knows_payments() { for n in 1 2 3; do [[ -n $(learned_at "$n") ]] || return 1; done; }
wait_for "every node learns payments-b" 30 knows_payments
python3 - "$before_s" "$(learned_at 2)" "$(learned_at 1)" "$(learned_at 3)" <<'PY' || fail "learned_at_unix_s out of order"
import sys
before, owner, *others = map(float, sys.argv[1:])
# The owner learned it when it registered; the others after it, within the wait above.
assert before <= owner < before + 5, (before, owner)
assert all(owner <= other < owner + 30 for other in others), (owner, others)
PY
expect_post 2 "/services/deregister?service=payments&instance=payments-b" '201 {'
forgot_payments() { for n in 1 2 3; do [[ -z $(learned_at "$n") ]] || return 1; done; }
wait_for "every node drops payments-b" 30 forgot_payments
[[ $(get "${admin[0]}" /series/nothing) == "" ]] || fail "an unknown series was answered"

kill_s=$(python3 -c 'import time; print(time.time())')
kill -9 "${pids[1]}"
dead_seen() { [[ $(state_of 1 2) == dead && $(state_of 3 2) == dead ]]; }
wait_for "nodes 1 and 3 declare node 2 dead" 40 dead_seen
for n in 1 3; do
  get "${admin[n-1]}" /members | python3 -c 'import json, sys
kill_s = float(sys.argv[1])
since = next(m["state_since_unix_s"] for m in json.load(sys.stdin) if m["node"] == 2)
assert kill_s < since < kill_s + 40, (kill_s, since)' "$kill_s" || fail "node $n: node 2 dead since before the kill"
done

# The killed node restarts: its peers hear its new life (its datagram sequences start above every
# number the old one sent, which their replay windows still hold) and see it alive again.
"$myceliumd" --config "$work/agent-2.yaml" 2>"$work/node-2-restarted.log" &
pids[1]=$!
alive_again() { [[ $(state_of 1 2) == alive && $(state_of 3 2) == alive && $(state_of 2 1) == alive ]]; }
wait_for "nodes 1 and 3 see the restarted node 2 alive" 30 alive_again
replayed=$(get "${admin[0]}" /metrics | sed -n 's/^spore_messages_dropped_replayed_total{node="1"} //p')
[[ ${replayed:-0} == 0 ]] || fail "node 1 refused $replayed datagrams as replayed"

kill -TERM "${pids[2]}"
set +e
wait "${pids[2]}"
code=$?
set -e
[[ $code -eq 0 ]] || fail "node 3 after SIGTERM: exit $code, expected 0"
grep -q "leaving the network" "$work/node-3.log" || fail "node 3 did not log its leave"
left_seen() { [[ $(state_of 1 3) == left ]]; }
wait_for "node 1 sees node 3 as left" 10 left_seen
echo "myceliumd_network: ok"
