// The node agents' DaemonSet (real/k8s/render_agent_fleet.hpp): the objects and their least
// privilege, the nodes read from a NodeList, and the rendered AgentConfig read by the agent's own
// parser as the agent on each node would.

#include <catch2/catch.hpp>

#include <real/agent/agent_config.hpp>
#include <real/k8s/render_agent_fleet.hpp>

using namespace mycelium;
using namespace mycelium::k8s;

namespace {

const std::vector<AgentNode> kNodes = {
    {"node-b", "10.0.0.2"}, {"node-a", "10.0.0.1"}, {"node-c", "10.0.0.3"}, {"node-d", "10.0.0.4"}};

const Object& find(const RenderedObjects& rendered, const std::string& kind) {
  for (const Object& object : rendered.objects)
    if (object["kind"] == kind) return object;
  FAIL("no " << kind);
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("agent fleet: a DaemonSet on the host network with no API access at all", "[k8s]") {
  const RenderedObjects rendered = render_agent_fleet(kNodes, AgentFleetOptions{});
  std::vector<std::string> kinds;
  for (const Object& object : rendered.objects)
    kinds.push_back(object["kind"]);
  // No Role, ClusterRole or binding: the agent calls no Kubernetes API.
  CHECK(kinds == std::vector<std::string>{"Namespace", "ServiceAccount", "ConfigMap", "DaemonSet"});
  CHECK(find(rendered, "Namespace")["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] ==
        "privileged");
  CHECK(find(rendered, "ServiceAccount")["automountServiceAccountToken"] == false);
  const Object& pod = find(rendered, "DaemonSet")["spec"]["template"]["spec"];
  CHECK(pod["hostNetwork"] == true);
  CHECK(pod["automountServiceAccountToken"] == false);
  CHECK(pod["serviceAccountName"] == "myceliumd");
  const Object& container = pod["containers"][0];
  CHECK(container["securityContext"]["runAsNonRoot"] == true);
  CHECK(container["securityContext"]["capabilities"]["drop"][0] == "ALL");
  CHECK(container["command"].back() == "$(NODE_NAME)");
  CHECK(container["env"][0]["valueFrom"]["fieldRef"]["fieldPath"] == "spec.nodeName");
  for (const Object& object : rendered.objects)
    CHECK(object["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "mycelium");
  // Another node list is another config, and another pod template: the DaemonSet rolls.
  std::vector<AgentNode> more = kNodes;
  more.push_back({"node-e", "10.0.0.5"});
  const auto hash = [](const RenderedObjects& objects) -> std::string {
    return find(
        objects,
        "DaemonSet")["spec"]["template"]["metadata"]["annotations"]["mycelium.network/config-hash"];
  };
  CHECK(hash(rendered).size() == 16);
  CHECK(hash(render_agent_fleet(more, AgentFleetOptions{})) != hash(rendered));
  CHECK(hash(render_agent_fleet(kNodes, AgentFleetOptions{})) == hash(rendered));
}

TEST_CASE("agent fleet: each node's agent reads the config as itself", "[k8s][agent]") {
  const RenderedObjects rendered = render_agent_fleet(kNodes, AgentFleetOptions{});
  const std::string text = find(rendered, "ConfigMap")["data"]["agent.yaml"];
  // Node ids in name order: node-a 1, node-b 2, ...; the first three are seeds.
  const real::AgentConfigLoad load = real::parse_agent_config(text, "agent.yaml", "node-b");
  INFO(load.diagnostics.format() << text);
  REQUIRE(load.config.has_value());
  CHECK(load.config->node == NodeId{2});
  REQUIRE(load.config->peers.size() == 3);
  CHECK(load.config->peers[0].name == "node-a");
  CHECK(load.config->peers[0].address.to_string() == "10.0.0.1:7946");
  CHECK(load.config->seeds == std::vector<NodeId>{NodeId{1}, NodeId{3}});
  CHECK(load.config->listen.to_string() == "0.0.0.0:7946");
  REQUIRE(load.config->admin.has_value());
  CHECK(load.config->admin->host == "127.0.0.1");  // off the network: only the node reaches it

  SECTION("IPv6 nodes get an IPv6 socket") {
    const RenderedObjects v6 =
        render_agent_fleet({{"node-a", "fd00::1"}, {"node-b", "fd00::2"}}, AgentFleetOptions{});
    const auto six = real::parse_agent_config(
        std::string(find(v6, "ConfigMap")["data"]["agent.yaml"]), "agent.yaml", "node-a");
    REQUIRE(six.config.has_value());
    CHECK(six.config->listen.to_string() == "[::]:7946");
  }
}

TEST_CASE("agent fleet: nodes come from a NodeList by name, at their InternalIP", "[k8s]") {
  const Object list = Object::parse(R"({"kind": "NodeList", "items": [
    {"metadata": {"name": "worker-2"}, "status": {"addresses": [
      {"type": "Hostname", "address": "worker-2"}, {"type": "InternalIP", "address": "10.1.0.2"}]}},
    {"metadata": {"name": "worker-1"}, "status": {"addresses": [
      {"type": "ExternalIP", "address": "203.0.113.1"}]}}]})");
  const std::vector<AgentNode> nodes = nodes_from_list(list);
  REQUIRE(nodes.size() == 2);
  CHECK(nodes[0].name == "worker-1");
  CHECK(nodes[0].address == "203.0.113.1");  // no InternalIP: the external one
  CHECK(nodes[1].address == "10.1.0.2");
  CHECK_THROWS_WITH(nodes_from_list(Object::parse(R"({"items": []})")), "the cluster has no nodes");
  CHECK_THROWS_WITH(nodes_from_list(Object::parse(
                        R"({"items": [{"metadata": {"name": "bare"}, "status": {}}]})")),
                    "node \"bare\" has no InternalIP or ExternalIP address");
}

TEST_CASE("agent fleet: what cannot work is refused before anything is applied", "[k8s]") {
  const AgentFleetOptions options;
  CHECK_THROWS_WITH(render_agent_fleet({}, options), "no nodes: the fleet needs at least one");
  CHECK_THROWS_WITH(render_agent_fleet({{"a", "10.0.0.1"}, {"a", "10.0.0.2"}}, options),
                    "node \"a\" is given twice");
  CHECK_THROWS_WITH(render_agent_fleet({{"a", "node-a.example"}}, options),
                    "node \"a\": expected an IP address, got \"node-a.example\"");
  CHECK_THROWS_WITH(render_agent_fleet({{"Node_A", "10.0.0.1"}}, options),
                    Catch::Contains("expected a DNS label"));
  CHECK_THROWS_WITH(render_agent_fleet({{"a", "10.0.0.1"}, {"b", "fd00::2"}}, options),
                    Catch::Contains("every node's address is IPv4, or every one IPv6"));
  AgentFleetOptions bad_image;
  bad_image.agent_image = "has space";
  CHECK_THROWS_WITH(render_agent_fleet({{"a", "10.0.0.1"}}, bad_image),
                    Catch::Contains("--agent-image"));
}
