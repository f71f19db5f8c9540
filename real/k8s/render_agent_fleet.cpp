#include <algorithm>
#include <cstdio>
#include <set>

#include <boost/asio/ip/address.hpp>

#include <core/fnv1a.hpp>
#include <real/k8s/agent_pod.hpp>
#include <real/k8s/k8s_names.hpp>
#include <real/k8s/render_agent_fleet.hpp>

namespace mycelium::k8s {

namespace {

constexpr std::size_t kSeeds = 3;
constexpr const char* kConfigItem = "agent.yaml";

bool is_ip_literal(const std::string& text) {
  boost::system::error_code error;
  boost::asio::ip::make_address(text, error);
  return !error;
}

Object fleet_labels() {
  return Object{{"app.kubernetes.io/name", kAgentFleetName},
                {"app.kubernetes.io/instance", kAgentFleetName},
                {"app.kubernetes.io/component", "node-agent"},
                {"app.kubernetes.io/part-of", "mycelium"},
                {"app.kubernetes.io/managed-by", "mycelium"}};
}

Object selector_labels() {
  return Object{{"app.kubernetes.io/name", kAgentFleetName},
                {"app.kubernetes.io/instance", kAgentFleetName}};
}

Object metadata(const std::string& name, const AgentFleetOptions& options) {
  return Object{{"name", name}, {"namespace", options.namespace_}, {"labels", fleet_labels()}};
}

std::string host_port(const std::string& address) {
  const bool v6 = address.find(':') != std::string::npos;
  return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(kSporePort);
}

bool is_ipv6(const std::string& address) {
  return address.find(':') != std::string::npos;
}

std::string agent_config(const std::vector<AgentNode>& nodes, const AgentFleetOptions& options) {
  Object peers = Object::array();
  Object seeds = Object::array();
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const auto node_id = static_cast<std::uint32_t>(i + 1);
    peers.push_back(Object{
        {"nodeId", node_id}, {"name", nodes[i].name}, {"address", host_port(nodes[i].address)}});
    if (i < kSeeds) seeds.push_back(node_id);
  }
  const Object spec{
      {"identity", "hostname"},
      // One socket per agent, of the nodes' address family (check() makes them all one).
      {"listen",
       (is_ipv6(nodes.front().address) ? "[::]:" : "0.0.0.0:") + std::to_string(kSporePort)},
      {"admin", "127.0.0.1:" + std::to_string(kSporeAdminPort)},
      {"network", {{"name", options.network}, {"keyFile", network_key_file()}}},
      {"peers", std::move(peers)},
      {"seeds", std::move(seeds)}};
  return to_yaml(Object{{"apiVersion", "mycelium.network/v1"},
                        {"kind", "AgentConfig"},
                        {"metadata", {{"name", kAgentFleetName}}},
                        {"spec", spec}});
}

Object agent_container(const AgentFleetOptions& options) {
  const std::string config_file = std::string(kAgentConfigMount) + "/" + std::string(kConfigItem);
  return Object{
      {"name", "myceliumd"},
      {"image", options.agent_image},
      {"command",
       Object::array({"myceliumd", "--config", config_file, "--hostname", "$(NODE_NAME)"})},
      {"env",
       Object::array({Object{{"name", "NODE_NAME"},
                             {"valueFrom", {{"fieldRef", {{"fieldPath", "spec.nodeName"}}}}}}})},
      {"ports",
       Object::array(
           {Object{{"name", "spore-udp"}, {"containerPort", kSporePort}, {"protocol", "UDP"}},
            Object{{"name", "spore-tcp"}, {"containerPort", kSporePort}, {"protocol", "TCP"}}})},
      {"livenessProbe",
       {{"tcpSocket", {{"port", kSporePort}}}, {"periodSeconds", 10}, {"failureThreshold", 6}}},
      {"resources",
       {{"requests", {{"cpu", "50m"}, {"memory", "64Mi"}}}, {"limits", {{"memory", "512Mi"}}}}},
      {"securityContext", restricted_security_context()},
      {"volumeMounts", agent_volume_mounts()}};
}

void check(const std::vector<AgentNode>& nodes, const AgentFleetOptions& options) {
  if (nodes.empty()) throw RenderError("no nodes: the fleet needs at least one");
  std::set<std::string> names;
  for (const AgentNode& node : nodes) {
    if (!is_dns_label(node.name)) {
      throw RenderError("node \"" + node.name +
                        "\": expected a DNS label as its name (the agent's host name), lowercase "
                        "letters, digits and '-', at most 63");
    }
    if (!names.insert(node.name).second)
      throw RenderError("node \"" + node.name + "\" is given twice");
    if (!is_ip_literal(node.address)) {
      throw RenderError("node \"" + node.name + "\": expected an IP address, got \"" +
                        node.address + "\"");
    }
  }
  for (const AgentNode& node : nodes) {
    if (is_ipv6(node.address) != is_ipv6(nodes.front().address)) {
      throw RenderError("node \"" + node.name + "\": " + node.address +
                        " is not of the family of " + nodes.front().name + "'s " +
                        nodes.front().address +
                        ": each agent has one socket, so every node's address is IPv4, or every "
                        "one IPv6");
    }
  }
  if (!is_dns_label(options.namespace_))
    throw RenderError("--namespace \"" + options.namespace_ + "\": expected a DNS label");
  if (!is_dns_label(options.network))
    throw RenderError("--network \"" + options.network + "\": expected a DNS label");
  if (!is_image_reference(options.agent_image))
    throw RenderError("--agent-image \"" + options.agent_image + "\": expected an image reference");
}

}  // namespace

std::vector<AgentNode> nodes_from_list(const Object& node_list) {
  // The server's answer is read for what it says, whatever its shape: a field of another type is
  // a field that is not there.
  const auto string_at = [](const Object& object, const char* key) -> std::string {
    return object.is_object() && object.contains(key) && object[key].is_string()
               ? object[key].get<std::string>()
               : std::string();
  };
  if (!node_list.is_object() || !node_list.contains("items") || !node_list["items"].is_array())
    throw RenderError("the cluster's node list has no items");
  std::vector<AgentNode> nodes;
  for (const Object& item : node_list["items"]) {
    AgentNode node;
    if (item.is_object() && item.contains("metadata"))
      node.name = string_at(item["metadata"], "name");
    if (node.name.empty()) throw RenderError("the cluster's node list has a node without a name");
    std::string internal;
    std::string external;
    if (item.contains("status") && item["status"].is_object() &&
        item["status"].contains("addresses") && item["status"]["addresses"].is_array()) {
      for (const Object& address : item["status"]["addresses"]) {
        const std::string type = string_at(address, "type");
        if (type == "InternalIP" && internal.empty()) internal = string_at(address, "address");
        if (type == "ExternalIP" && external.empty()) external = string_at(address, "address");
      }
    }
    node.address = !internal.empty() ? internal : external;
    if (node.address.empty())
      throw RenderError("node \"" + node.name + "\" has no InternalIP or ExternalIP address");
    nodes.push_back(std::move(node));
  }
  if (nodes.empty()) throw RenderError("the cluster has no nodes");
  std::sort(nodes.begin(), nodes.end(),
            [](const AgentNode& a, const AgentNode& b) { return a.name < b.name; });
  return nodes;
}

RenderedObjects render_agent_fleet(const std::vector<AgentNode>& nodes,
                                   const AgentFleetOptions& options) {
  check(nodes, options);
  std::vector<AgentNode> ordered = nodes;
  std::sort(ordered.begin(), ordered.end(),
            [](const AgentNode& a, const AgentNode& b) { return a.name < b.name; });
  const std::string name = kAgentFleetName;
  const std::string config_map = name + "-config";
  const std::string key_secret = name + "-network-key";
  RenderedObjects rendered;
  Object namespace_labels = fleet_labels();
  namespace_labels["pod-security.kubernetes.io/enforce"] = "privileged";
  rendered.objects.push_back(
      Object{{"apiVersion", "v1"},
             {"kind", "Namespace"},
             {"metadata", {{"name", options.namespace_}, {"labels", namespace_labels}}}});
  rendered.objects.push_back(Object{{"apiVersion", "v1"},
                                    {"kind", "ServiceAccount"},
                                    {"metadata", metadata(name, options)},
                                    {"automountServiceAccountToken", false}});
  const std::string config = agent_config(ordered, options);
  rendered.objects.push_back(Object{{"apiVersion", "v1"},
                                    {"kind", "ConfigMap"},
                                    {"metadata", metadata(config_map, options)},
                                    {"data", {{kConfigItem, config}}}});
  // The agents read their config at start: a new config (a node added) must restart them, so
  // its hash is in the pod template, whose change rolls the DaemonSet one node at a time.
  char config_hash[24];
  std::snprintf(config_hash, sizeof config_hash, "%016llx",
                static_cast<unsigned long long>(fnv1a_64(config)));
  Object pod_spec{{"serviceAccountName", name},
                  {"automountServiceAccountToken", false},
                  {"hostNetwork", true},
                  {"dnsPolicy", "ClusterFirstWithHostNet"},
                  {"tolerations", Object::array({Object{{"operator", "Exists"}}})},
                  {"securityContext", {{"fsGroup", kAgentUser}}},
                  {"containers", Object::array({agent_container(options)})},
                  {"volumes", agent_volumes(config_map, key_secret)}};
  rendered.objects.push_back(Object{
      {"apiVersion", "apps/v1"},
      {"kind", "DaemonSet"},
      {"metadata", metadata(name, options)},
      {"spec",
       {{"selector", {{"matchLabels", selector_labels()}}},
        {"updateStrategy", {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxUnavailable", 1}}}}},
        {"template",
         {{"metadata",
           {{"labels", fleet_labels()},
            {"annotations", {{"mycelium.network/config-hash", std::string(config_hash)}}}}},
          {"spec", std::move(pod_spec)}}}}}});
  rendered.notes.push_back("the agents read the network key from Secret " + key_secret + " (key " +
                           std::string(kNetworkKeyItem) + "), which is not rendered: kubectl -n " +
                           options.namespace_ + " create secret generic " + key_secret +
                           " --from-literal=" + std::string(kNetworkKeyItem) +
                           "=$(openssl rand -hex 32)");
  rendered.notes.push_back(std::to_string(ordered.size()) +
                           " nodes; a node added later needs the fleet deployed again");
  return rendered;
}

}  // namespace mycelium::k8s
