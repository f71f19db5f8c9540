# Shell helpers for scripts that run several myceliumd agents on loopback (sourced, not run):
# free ports, the admin API, and waiting. The caller sets `work` (a directory for logs) and may
# override `fail`.

# N free loopback ports, each free for both TCP and UDP (an agent's listen address is both).
free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
held, ports = [], []
while len(ports) < int(sys.argv[1]):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM); t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        t.close(); continue
    held += [t, u]; ports.append(port)
print(" ".join(map(str, ports)))
PY
}

# The Python behind get and post, also run inside a host's namespace (tests/real/lib/hosts.sh).
http_get_py='import sys, urllib.request
try: print(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())
except Exception: pass'
http_post_py='import sys, urllib.request, urllib.error
try:
    answer = urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=b"", method="POST"), timeout=5)
    print(answer.status, answer.read().decode().strip())
except urllib.error.HTTPError as error:
    print(error.code, error.read().decode().strip())'

# GET http://127.0.0.1:PORT/PATH, or nothing when the agent does not answer (yet).
get() { python3 -c "$http_get_py" "http://127.0.0.1:$1$2"; }

# POST to http://127.0.0.1:PORT/PATH with an empty body: prints "STATUS BODY".
post() { python3 -c "$http_post_py" "http://127.0.0.1:$1$2"; }

# Field FIELD of the JSON object on stdin ("" when absent, null, or no input).
json_value() {
  python3 -c 'import json, sys
text = sys.stdin.read()
value = json.loads(text).get(sys.argv[1]) if text.strip() else ""
print("" if value is None else value)' "$1"
}

# Field FIELD of the JSON object at http://127.0.0.1:PORT/PATH ("" when absent or null).
json_field() { get "$1" "$2" | json_value "$3"; }

fail() {
  echo "$(basename "$0"): $*" >&2
  for f in "$work"/*.log; do [[ -e $f ]] && { echo "== $f" >&2; cat "$f" >&2; }; done
  # A script may say more about what it ran (e.g. where its agents' threads are stuck).
  if declare -F on_failure >/dev/null; then on_failure >&2 || true; fi
  exit 1
}

# wait_for DESCRIPTION SECONDS COMMAND...: polls COMMAND every 0.2 s, fails after SECONDS.
wait_for() {
  local what=$1 seconds=$2
  shift 2
  for _ in $(seq $((seconds * 5))); do "$@" && return 0; sleep 0.2; done
  fail "timed out after ${seconds} s waiting for: $what"
}

# write_agent_config FILE NODE SEEDS: the start of the config of node NODE (1..N) of an
# N-agent cluster, up to its seeds; callers append their own sections. Needs `listen` and
# `admin` (arrays of N ports); node i listens on ${hosts[i-1]} (default 127.0.0.1, so all on
# loopback) and answers its admin API on 127.0.0.1.
write_agent_config() {
  local file=$1 i=$2 seeds=$3 peers="" count=${#listen[@]}
  for j in $(seq "$count"); do
    [[ $j == "$i" ]] ||
      peers+="    - {nodeId: $j, address: ${hosts[j-1]:-127.0.0.1}:${listen[j-1]}}"$'\n'
  done
  cat >"$file" <<YAML
apiVersion: mycelium.network/v1
kind: AgentConfig
metadata:
  name: host-$i
spec:
  nodeId: $i
  listen: ${hosts[i-1]:-127.0.0.1}:${listen[i-1]}
  admin: 127.0.0.1:${admin[i-1]}
  network: {name: cli-test, key: 00112233445566778899aabbccddeeff}
  peers:
$peers  seeds: $seeds
YAML
  # `emulation`, when set: a LinkEmulation mapping for every agent, e.g. "{oneWayDelay: 10ms}".
  if [[ -n ${emulation:-} ]]; then echo "  emulation: $emulation" >>"$file"; fi
}

# write_replication_config FILE NODE SEEDS PREFIX WORKLOAD [KEY: VALUE...]: the config of node
# NODE of a replication cluster: node 1 primary, 2 and 3 backups (or `replication_backups`,
# e.g. "[2, 3, 4]"), memory files
# PREFIX-guest / PREFIX-replica-N, the demo workload WORKLOAD started by the agent. Extra
# "key: value" lines go under replication (failureTimeout, electionWindow ...).
write_replication_config() {
  local file=$1 i=$2 seeds=$3 prefix=$4 workload=$5 memory extra=""
  shift 5
  for line in "$@"; do extra+="    $line"$'\n'; done
  if [[ $i == 1 ]]; then memory=$prefix-guest; else memory=$prefix-replica-$i; fi
  write_agent_config "$file" "$i" "$seeds"
  cat >>"$file" <<YAML
  replication:
    memoryFile: $memory
    memorySize: 16Mi
    primary: 1
    backups: ${replication_backups:-[2, 3]}
    connectionsPerBackup: 2
$extra    distributedRAM:
      bufferSize: 8Mi
      replicationInterval: 50ms
      throttlingCurve: linear
      emergencyPauseEnabled: true
    workload: [$workload, run, --memory, "{memoryFile}", --size-mib, "16", --rate, "2000"]
YAML
}

# stop_agents PID...: kill -9, and remove the cgroup a killed primary leaves behind.
stop_agents() {
  for pid in "$@"; do
    kill -9 "$pid" 2>/dev/null || true
    rmdir /sys/fs/cgroup/*/mycelium-*-"$pid" 2>/dev/null || true
  done
}

# await_failover LAST_COMMITTED: once the primary (node 1) is gone, waits until node 2 or 3 is
# promoted and the other follows it, and checks the promoted one restores an epoch at least
# LAST_COMMITTED (the last commit the primary reported) and runs the workload. Sets `promoted`,
# `other` and `from` (the restored epoch). Needs `field NODE NAME`, reading NODE's /replication.
await_failover() {
  local last=$1
  decided() {
    local a b
    a=$(field 2 failover) b=$(field 3 failover)
    [[ ($a == promoted && $b == following) || ($a == following && $b == promoted) ]]
  }
  wait_for "one backup promoted, the other following it" 20 decided
  promoted=2 other=3
  [[ $(field 2 failover) == promoted ]] || { promoted=3 other=2; }
  [[ $(field "$other" new_primary) == "$promoted" ]] ||
    fail "node $other does not follow node $promoted"
  from=$(field "$promoted" promoted_from_epoch)
  [[ $from -ge $last ]] || fail "node $promoted restores epoch $from, older than the committed $last"
  [[ -n $(field "$promoted" workload_pid) ]] || fail "node $promoted did not start the workload"
}

# replication_cluster PREFIX [KEY: VALUE...]: three agents on loopback, node 1 the primary of the
# demo workload and nodes 2 and 3 its backups: picks their ports (sets `listen` and `admin`) and
# writes $work/agent-N.yaml, memory files under PREFIX. Needs `work` and `workload`.
replication_cluster() {
  local prefix=$1 ports seeds
  shift
  read -r -a ports < <(free_ports 6)
  listen=("${ports[0]}" "${ports[1]}" "${ports[2]}")
  admin=("${ports[3]}" "${ports[4]}" "${ports[5]}")
  for i in 1 2 3; do
    seeds="[1]"
    [[ $i == 1 ]] && seeds="[]"
    write_replication_config "$work/agent-$i.yaml" "$i" "$seeds" "$prefix" "$workload" "$@"
  done
}

# start_agents NODE...: starts myceliumd (`myceliumd`) on $work/agent-NODE.yaml, logging to
# $work/node-NODE.log, and appends each pid to `pids`.
start_agents() {
  for i in "$@"; do
    "$myceliumd" --config "$work/agent-$i.yaml" 2>"$work/node-$i.log" &
    pids+=($!)
  done
}

# clean_up_on_exit [SHM_PREFIX]: from now on, the script's exit stops the agents in `pids` (which
# this empties) and, given a prefix, removes the memory files SHM_PREFIX-*.
clean_up_on_exit() {
  cleanup_shm=${1:-}
  pids=()
  trap 'stop_agents "${pids[@]}"; [[ -z $cleanup_shm ]] || rm -f "$cleanup_shm"-*' EXIT
}
