#include <cstdlib>

#include <yaml-cpp/yaml.h>

#include <real/k8s/kubeconfig.hpp>
#include <real/small_file.hpp>

namespace mycelium::k8s {

namespace {

constexpr std::size_t kMaxReferencedFileBytes = 1 << 20;  // a certificate, key or token file

// yaml-cpp throws when asked the type of a missing key's node: ask IsDefined first.
bool is_map(const YAML::Node& node) {
  return node.IsDefined() && node.IsMap();
}

// Everything one parse needs to say where a problem is.
struct Source {
  std::filesystem::path path;

  [[noreturn]] void fail(const YAML::Node& node, const std::string& field,
                         const std::string& problem) const {
    std::string where = path.string();
    if (node.IsDefined() && node.Mark().line >= 0) {
      where +=
          ":" + std::to_string(node.Mark().line + 1) + ":" + std::to_string(node.Mark().column + 1);
    }
    throw KubeconfigError(where + ": " + field + ": " + problem);
  }

  std::string text(const YAML::Node& node, const std::string& field) const {
    if (!node.IsDefined()) fail(node, field, "missing: expected a string");
    if (!node.IsScalar()) fail(node, field, "expected a string");
    return node.Scalar();
  }

  // A file a field names, relative to the kubeconfig's folder.
  std::string file(const YAML::Node& node, const std::string& field) const {
    std::filesystem::path named = text(node, field);
    if (named.is_relative()) named = path.parent_path() / named;
    real::SmallFile file = real::read_small_file(named, kMaxReferencedFileBytes);
    if (file.status == real::SmallFile::Status::kCannotOpen)
      fail(node, field, "cannot read " + named.string());
    if (file.status == real::SmallFile::Status::kTooLarge)
      fail(node, field, named.string() + " is larger than 1 MiB");
    return std::move(file.contents);
  }

  // base64 (RFC 4648, padding optional, whitespace ignored); never echoes the value.
  std::string base64(const YAML::Node& node, const std::string& field) const {
    const std::string encoded = text(node, field);
    std::string out;
    std::uint32_t bits = 0;
    int count = 0;
    bool padding = false;
    for (const char c : encoded) {
      int value = -1;
      if (c >= 'A' && c <= 'Z')
        value = c - 'A';
      else if (c >= 'a' && c <= 'z')
        value = c - 'a' + 26;
      else if (c >= '0' && c <= '9')
        value = c - '0' + 52;
      else if (c == '+')
        value = 62;
      else if (c == '/')
        value = 63;
      else if (c == '=') {
        padding = true;
        continue;
      } else if (c == '\n' || c == '\r' || c == ' ')
        continue;
      if (value < 0 || padding) fail(node, field, "expected base64 data");
      bits = (bits << 6) | static_cast<std::uint32_t>(value);
      if (++count % 4 == 0) {
        out.push_back(static_cast<char>((bits >> 16) & 0xff));
        out.push_back(static_cast<char>((bits >> 8) & 0xff));
        out.push_back(static_cast<char>(bits & 0xff));
        bits = 0;
      }
    }
    if (count % 4 == 1) fail(node, field, "expected base64 data (its length is wrong)");
    if (count % 4 == 2) out.push_back(static_cast<char>((bits >> 4) & 0xff));
    if (count % 4 == 3) {
      out.push_back(static_cast<char>((bits >> 10) & 0xff));
      out.push_back(static_cast<char>((bits >> 2) & 0xff));
    }
    return out;
  }

  // The entry of `list` (clusters, users, contexts) named `name`, and its inner mapping.
  YAML::Node named_entry(const YAML::Node& root, const std::string& list, const std::string& inner,
                         const std::string& name, const YAML::Node& referrer,
                         const std::string& referrer_field) const {
    const YAML::Node entries = root[list];
    if (entries && !(entries.IsDefined() && entries.IsSequence()))
      fail(entries, list, "expected a list");
    if (entries) {
      for (std::size_t i = 0; i < entries.size(); ++i) {
        const YAML::Node entry = entries[i];
        const std::string entry_path = list + "[" + std::to_string(i) + "]";
        if (!is_map(entry)) fail(entry, entry_path, "expected a mapping with name and " + inner);
        if (text(entry["name"], entry_path + ".name") != name) continue;
        const YAML::Node body = entry[inner];
        if (!is_map(body)) fail(entry, entry_path + "." + inner, "expected a mapping");
        return body;
      }
    }
    fail(referrer, referrer_field, "names \"" + name + "\", which is not in " + list);
  }
};

// "https://host:port/path" into the target; only https.
void parse_server(const Source& source, const YAML::Node& node, const std::string& field,
                  ApiTarget& target) {
  const std::string url = source.text(node, field);
  constexpr std::string_view kScheme = "https://";
  if (url.rfind(kScheme, 0) != 0)
    source.fail(node, field, "expected an https:// URL, got \"" + url + "\"");
  std::string rest = url.substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  target.base_path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!target.base_path.empty() && target.base_path.back() == '/')
    target.base_path.pop_back();
  std::string port;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    const std::size_t close = authority.find(']');
    if (close == std::string::npos) source.fail(node, field, "expected ] after an IPv6 address");
    target.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') source.fail(node, field, "expected :port after ]");
      port = authority.substr(close + 2);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    target.host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  if (target.host.empty()) source.fail(node, field, "expected a host in \"" + url + "\"");
  if (!port.empty()) {
    const bool digits =
        port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos;
    const int value = digits ? std::atoi(port.c_str()) : 0;
    if (value < 1 || value > 65535)
      source.fail(node, field, "expected a port 1..65535 in \"" + url + "\"");
    target.port = static_cast<std::uint16_t>(value);
  }
}

}  // namespace

ApiTarget load_kubeconfig(std::string_view text, const std::filesystem::path& path,
                          std::string_view context) {
  const Source source{path};
  YAML::Node document;
  try {
    document = YAML::Load(std::string(text));
  } catch (const YAML::Exception& error) {
    throw KubeconfigError(path.string() + ":" + std::to_string(error.mark.line + 1) + ":" +
                          std::to_string(error.mark.column + 1) + ": not valid YAML: " + error.msg);
  }
  const YAML::Node& root = document;  // const: a missing key reads as undefined, never inserted
  if (!is_map(root)) source.fail(root, "(document)", "expected a kubeconfig (kind: Config)");
  if (root["kind"] && source.text(root["kind"], "kind") != "Config")
    source.fail(root["kind"], "kind", "expected Config");

  ApiTarget target;
  if (context.empty()) {
    if (!root["current-context"])
      source.fail(root, "current-context", "no current-context and no --context given");
    target.context = source.text(root["current-context"], "current-context");
  } else {
    target.context = std::string(context);
  }
  const YAML::Node referrer = context.empty() ? root["current-context"] : root;
  const YAML::Node ctx = source.named_entry(root, "contexts", "context", target.context, referrer,
                                            context.empty() ? "current-context" : "--context");
  const std::string cluster_name = source.text(ctx["cluster"], "contexts[].context.cluster");
  const std::string user_name = source.text(ctx["user"], "contexts[].context.user");
  if (ctx["namespace"])
    target.namespace_ = source.text(ctx["namespace"], "contexts[].context.namespace");

  const YAML::Node cluster = source.named_entry(root, "clusters", "cluster", cluster_name,
                                                ctx["cluster"], "context.cluster");
  parse_server(source, cluster["server"], "clusters[].cluster.server", target);
  if (cluster["certificate-authority-data"]) {
    target.ca_pem = source.base64(cluster["certificate-authority-data"],
                                  "clusters[].cluster.certificate-authority-data");
  } else if (cluster["certificate-authority"]) {
    target.ca_pem =
        source.file(cluster["certificate-authority"], "clusters[].cluster.certificate-authority");
  }
  if (cluster["insecure-skip-tls-verify"])
    target.insecure_skip_tls_verify = cluster["insecure-skip-tls-verify"].as<bool>(false);
  if (cluster["tls-server-name"])
    target.tls_server_name =
        source.text(cluster["tls-server-name"], "clusters[].cluster.tls-server-name");
  if (cluster["proxy-url"])
    source.fail(cluster["proxy-url"], "clusters[].cluster.proxy-url", "proxies are not supported");

  const YAML::Node user =
      source.named_entry(root, "users", "user", user_name, ctx["user"], "context.user");
  for (const char* plugin : {"exec", "auth-provider"}) {
    if (user[plugin]) {
      source.fail(user[plugin], std::string("users[].user.") + plugin,
                  "credential plugins are not supported: use a client certificate or a token");
    }
  }
  if (user["client-certificate-data"]) {
    target.client_certificate_pem =
        source.base64(user["client-certificate-data"], "users[].user.client-certificate-data");
  } else if (user["client-certificate"]) {
    target.client_certificate_pem =
        source.file(user["client-certificate"], "users[].user.client-certificate");
  }
  if (user["client-key-data"]) {
    target.client_key_pem = source.base64(user["client-key-data"], "users[].user.client-key-data");
  } else if (user["client-key"]) {
    target.client_key_pem = source.file(user["client-key"], "users[].user.client-key");
  }
  if (target.client_certificate_pem.empty() != target.client_key_pem.empty()) {
    source.fail(user, "users[].user", "expected a client certificate and its key together");
  }
  if (user["token"]) {
    target.token = source.text(user["token"], "users[].user.token");
  } else if (user["tokenFile"]) {
    target.token = source.file(user["tokenFile"], "users[].user.tokenFile");
    while (!target.token.empty() && (target.token.back() == '\n' || target.token.back() == '\r'))
      target.token.pop_back();
  }
  return target;
}

std::filesystem::path kubeconfig_path(std::string_view flag) {
  if (!flag.empty()) return std::filesystem::path(flag);
  if (const char* list = std::getenv("KUBECONFIG"); list != nullptr && *list != '\0') {
    const std::string_view paths(list);
    return std::filesystem::path(paths.substr(0, paths.find(':')));
  }
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home != nullptr ? home : "") / ".kube" / "config";
}

}  // namespace mycelium::k8s
