# Sourced by the k8s tests that talk to tests/k8s/loopback_api_server.py (a loopback HTTPS API
# server, not a cluster): start_loopback_cluster starts it and writes a kubeconfig for it.
# The caller sets `python`, `work` (a scratch folder) and `server_pid=` (killed by its cleanup),
# and defines `fail`.

# start_loopback_cluster [never-ready] [NAMESPACE]: the server's requests go to
# $work/requests.jsonl; $work/kubeconfig names it (context loopback, the test CA, the test
# client certificate, NAMESPACE as the context's namespace when given).
start_loopback_cluster() {
  local mode=${1:-} namespace=${2:-} here tls port
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  tls="$here/../unit/real/fixtures/tls"
  "$python" "$here/loopback_api_server.py" "$work/port" "$work/requests.jsonl" $mode &
  server_pid=$!
  for _ in $(seq 100); do [[ -f $work/port ]] && break; sleep 0.1; done
  [[ -f $work/port ]] || fail "the loopback API server did not start"
  port=$(cat "$work/port")
  cat >"$work/kubeconfig" <<YAML
apiVersion: v1
kind: Config
current-context: loopback
clusters:
- name: loopback
  cluster: {server: "https://127.0.0.1:$port", certificate-authority: $tls/ca.pem}
contexts:
- name: loopback
  context: {cluster: loopback, user: tester${namespace:+, namespace: $namespace}}
users:
- name: tester
  user: {client-certificate: $tls/client.pem, client-key: $tls/client.key}
YAML
}
