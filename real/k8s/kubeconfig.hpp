#pragma once
// kubeconfig files (the format kubectl reads: kind Config, clusters, users, contexts), enough to
// reach an API server: the context's cluster (server URL, its CA, or insecure-skip-tls-verify),
// its user (a client certificate and key, or a bearer token) and its namespace. Inline data
// (*-data, base64) and files (paths relative to the kubeconfig's folder) both work. Not
// supported, and said so: exec and auth-provider credential plugins, proxies.
//
// Errors name the file, the line and column, the field and what was expected; a key or token is
// never echoed. Unknown fields are ignored, as kubectl ignores them (preferences, extensions).

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mycelium::k8s {

class KubeconfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What one context resolves to: everything a client needs to talk to its API server.
struct ApiTarget {
  std::string context;
  std::string host;  // from the server URL: a name or an IP literal (IPv6 without brackets)
  std::uint16_t port = 443;
  std::string base_path;  // the server URL's path, "" or "/prefix" (no trailing '/')
  std::string ca_pem;     // empty: the system's CAs
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;  // empty: the host
  std::string client_certificate_pem;
  std::string client_key_pem;
  std::string token;  // bearer token; empty: none
  std::string namespace_ = "default";
};

// Parses `text` (the kubeconfig at `path`, for messages and relative files) and resolves
// `context` (empty: current-context). Throws KubeconfigError.
ApiTarget load_kubeconfig(std::string_view text, const std::filesystem::path& path,
                          std::string_view context = {});

// Which file: --kubeconfig, else the first of $KUBECONFIG's list, else ~/.kube/config.
std::filesystem::path kubeconfig_path(std::string_view flag);

}  // namespace mycelium::k8s
