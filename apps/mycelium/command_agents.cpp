// `mycelium agents deploy | delete | status`: myceliumd on every node of a cluster as a DaemonSet
// (real/k8s/render_agent_fleet.hpp, docs/kubernetes.md "The node agents"). The nodes are the
// cluster's (GET /api/v1/nodes) unless given with --node NAME=ADDRESS; --dry-run needs them given,
// as it talks to no cluster.

#include <iostream>

#include <apps/mycelium/commands.hpp>
#include <apps/mycelium/k8s_cluster.hpp>
#include <real/k8s/render_agent_fleet.hpp>

namespace mycelium::cli {

namespace {

using k8s::Object;

// --node NAME=ADDRESS, as given.
std::optional<std::vector<k8s::AgentNode>> given_nodes(const AgentsOptions& options,
                                                       const char* command) {
  std::vector<k8s::AgentNode> nodes;
  for (const std::string& text : options.nodes) {
    const std::size_t equals = text.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == text.size()) {
      std::cerr << "mycelium agents " << command << ": --node " << text
                << ": expected NAME=ADDRESS (the Node's name and its IP address)\n";
      return std::nullopt;
    }
    nodes.push_back(k8s::AgentNode{text.substr(0, equals), text.substr(equals + 1)});
  }
  return nodes;
}

k8s::AgentFleetOptions fleet_options(const AgentsOptions& options) {
  k8s::AgentFleetOptions fleet;
  fleet.namespace_ = options.namespace_;
  if (!options.agent_image.empty()) fleet.agent_image = options.agent_image;
  fleet.network = options.network;
  return fleet;
}

// The fleet's objects for `nodes`, or an exit code (the error said). Notes go to stderr when
// `notes`.
std::variant<std::vector<Object>, int> render(const std::vector<k8s::AgentNode>& nodes,
                                              const AgentsOptions& options, const char* command,
                                              bool notes) {
  try {
    k8s::RenderedObjects rendered = k8s::render_agent_fleet(nodes, fleet_options(options));
    if (notes) {
      for (const std::string& note : rendered.notes)
        std::cerr << "mycelium agents " << command << ": " << note << '\n';
    }
    return std::move(rendered.objects);
  } catch (const k8s::RenderError& error) {
    std::cerr << "mycelium agents " << command << ": " << error.what() << '\n';
    return kExitUserError;
  }
}

template <typename Act>
int on_cluster(const AgentsOptions& options, const char* command, Act&& act) {
  const auto given = given_nodes(options, command);
  if (!given) return kExitUserError;
  auto target =
      load_cluster(options.kubeconfig, options.context, ("agents " + std::string(command)).c_str(),
                   std::string_view(command) == "deploy");
  if (const int* code = std::get_if<int>(&target)) return *code;
  k8s::ApiClient client(std::get<k8s::ApiTarget>(target));
  try {
    std::vector<k8s::AgentNode> nodes = *given;
    if (nodes.empty()) {
      try {
        nodes = k8s::nodes_from_list(client.list("/api/v1/nodes"));
      } catch (const k8s::RenderError& error) {
        std::cerr << "mycelium agents " << command << ": " << error.what() << '\n';
        return kExitUserError;
      }
      std::cout << "nodes: " << nodes.size() << " from the cluster\n";
    }
    auto rendered = render(nodes, options, command, std::string_view(command) == "deploy");
    if (const int* code = std::get_if<int>(&rendered)) return *code;
    return act(client, std::get<std::vector<Object>>(rendered));
  } catch (const k8s::ApiError& error) {
    return report_api_error(error, ("agents " + std::string(command)).c_str());
  }
}

}  // namespace

int run_agents_deploy(const AgentsOptions& options) {
  if (options.dry_run) {
    const auto nodes = given_nodes(options, "deploy");
    if (!nodes) return kExitUserError;
    if (nodes->empty()) {
      std::cerr << "mycelium agents deploy: --dry-run needs the nodes: --node NAME=ADDRESS for "
                   "each (without --dry-run they are read from the cluster)\n";
      return kExitUserError;
    }
    auto rendered = render(*nodes, options, "deploy", true);
    if (const int* code = std::get_if<int>(&rendered)) return *code;
    std::cout << k8s::to_yaml_stream(std::get<std::vector<Object>>(rendered));
    return kExitOk;
  }
  return on_cluster(
      options, "deploy", [&options](k8s::ApiClient& client, const std::vector<Object>& objects) {
        return apply_objects(client, objects, options.wait, options.timeout_s, "agents deploy");
      });
}

int run_agents_delete(const AgentsOptions& options) {
  return on_cluster(options, "delete",
                    [](k8s::ApiClient& client, const std::vector<Object>& objects) {
                      // The Namespace stays: other things may live in it.
                      std::vector<Object> namespaced;
                      for (const Object& object : objects)
                        if (object["kind"] != "Namespace") namespaced.push_back(object);
                      return delete_objects(client, namespaced);
                    });
}

int run_agents_status(const AgentsOptions& options) {
  return on_cluster(options, "status", report_objects);
}

}  // namespace mycelium::cli
