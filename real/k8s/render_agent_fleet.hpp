#pragma once
// myceliumd on every node of a cluster (docs/kubernetes.md, "The node agents"): the host agent
// that runs Endophyte VMs and their replication, as a DaemonSet. Objects, in apply order:
//
//   - a Namespace labelled for the privileged Pod Security level: the agents use the host's
//     network (hostNetwork), which the baseline and restricted levels forbid;
//   - a ServiceAccount with no API token (automountServiceAccountToken: false) and no Role or
//     binding at all: the agent calls no Kubernetes API, so least privilege is none;
//   - a ConfigMap with the agents' AgentConfig: every node a peer, named by its Node name and
//     reached at its InternalIP, node ids 1..N in name order, the first three seeds; each agent
//     finds itself by its node name (identity: hostname, --hostname from spec.nodeName);
//   - the DaemonSet: host network (peers' addresses are the nodes' own, known when rendering),
//     every node including tainted ones (tolerates everything), one node at a time on updates,
//     non-root with every capability dropped and a read-only root, a TCP liveness probe on the
//     agent's port (its admin API listens on the node's loopback only: not reachable by probes,
//     nor by anyone off the node), the network key from a Secret the user creates.
//
// The nodes come from the cluster (nodes_from_list on GET /api/v1/nodes) or from the user. A
// node added later needs the fleet rendered again. Pure: the same nodes and options give the
// same objects.

#include <string>
#include <vector>

#include <real/k8s/render_endomycete.hpp>
#include <real/k8s/yaml_writer.hpp>

namespace mycelium::k8s {

inline constexpr const char* kAgentFleetName = "myceliumd";

struct AgentNode {
  std::string name;     // the Node's name: what the agent on it is called (its host name)
  std::string address;  // where the other agents reach it: an IP literal
};

struct AgentFleetOptions {
  std::string namespace_ = "mycelium-system";
  std::string agent_image = kDefaultAgentImage;
  std::string network = "mycelium";  // the spore network's name
};

// The nodes of a NodeList (GET /api/v1/nodes): each Node's name and InternalIP (ExternalIP when
// it has none), in name order. Throws RenderError naming a node with neither, or when there are
// none.
std::vector<AgentNode> nodes_from_list(const Object& node_list);

// Throws RenderError for what Kubernetes or the agent would refuse: no node, a node name that is
// not a DNS label... , an address that is not an IP literal, a name twice, a bad image or name.
RenderedObjects render_agent_fleet(const std::vector<AgentNode>& nodes,
                                   const AgentFleetOptions& options);

}  // namespace mycelium::k8s
