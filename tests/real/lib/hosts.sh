# Shell helpers for tests that run agents on separate network "hosts" (sourced, not run; root
# only; source tests/cli/lib/agents.sh first): network namespaces joined by veth pairs to a bridge,
# each host on its own address.

# skip_unless_root NAME: namespaces need root; otherwise say so and exit 77 (ctest: skipped).
skip_unless_root() {
  if [[ $(id -u) != 0 ]]; then
    echo "$1: skipped: creating network namespaces needs root (run as root or with sudo)"
    exit 77
  fi
}

# make_hosts_or_skip NAME TAG SUBNET COUNT: make_hosts, or exit 77 saying why the kernel refused.
make_hosts_or_skip() {
  if ! make_hosts "$2" "$3" "$4"; then
    echo "$1: skipped: this kernel refuses network namespaces: $(cat "$work/netns.err")"
    exit 77
  fi
}

# make_hosts TAG SUBNET COUNT: namespaces TAG-1 .. TAG-COUNT, host i at SUBNET.i/24 on its eth0,
# bridged in namespace TAG-br; sets `hosts` to their addresses. Returns 1, the kernel's reason in
# $work/netns.err, when the kernel refuses a namespace.
make_hosts() {
  local tag=$1 subnet=$2 count=$3 ns
  ip netns add "$tag"-br 2>"$work/netns.err" || return 1
  ip -n "$tag"-br link add br0 type bridge
  ip -n "$tag"-br link set br0 up
  hosts=()
  for i in $(seq "$count"); do
    ns=$tag-$i
    ip netns add "$ns"
    ip link add "$tag-v$i" type veth peer name eth0 netns "$ns"
    ip link set "$tag-v$i" netns "$tag"-br
    ip -n "$tag"-br link set "$tag-v$i" master br0 up
    ip -n "$ns" addr add "$subnet.$i/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    hosts+=("$subnet.$i")
  done
}

# remove_hosts TAG COUNT: deletes what make_hosts made (quietly: some may not exist).
remove_hosts() {
  for ns in "$1"-br $(seq -f "$1-%g" "$2"); do ip netns del "$ns" 2>/dev/null || true; done
}

# host_start NAMESPACE COMMAND... &: starts an agent on a host. The background subshell execs
# it, so $! is the agent itself. nsenter enters the network namespace only: `ip netns exec`
# would also remount /sys, hiding /sys/fs/cgroup, and the agent could not throttle its workload.
host_start() { exec nsenter --net="/run/netns/$1" "${@:2}"; }

# in_host I COMMAND...: runs COMMAND in host I's namespace (`tag` names the set); in the
# foreground (started with &, $! would be a subshell's: use host_start).
in_host() {
  local i=$1
  shift
  ip netns exec "$tag-$i" "$@"
}

# host_get I PATH: GET PATH from host I's agent (admin API on its own loopback, port 9460).
host_get() { in_host "$1" python3 -c "$http_get_py" "http://127.0.0.1:9460$2"; }

# host_post I PATH: POST (empty body) to host I's agent; prints "STATUS BODY".
host_post() { in_host "$1" python3 -c "$http_post_py" "http://127.0.0.1:9460$2"; }
