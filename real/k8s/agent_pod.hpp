#pragma once
// What every pod that runs myceliumd has in common, whether as an application's Service Spore
// sidecar (render_endomycete) or as the node agents' DaemonSet (render_agent_fleet): where its
// config and network key are mounted, the user it runs as, and a restricted security context.

#include <string>
#include <string_view>

#include <real/k8s/yaml_writer.hpp>

namespace mycelium::k8s {

inline constexpr std::string_view kAgentConfigMount = "/etc/mycelium";
inline constexpr std::string_view kNetworkKeyMount = "/etc/mycelium-network-key";
inline constexpr std::string_view kNetworkKeyItem = "network-key";

// Where the agent reads the key: its config's spec.network.keyFile.
inline std::string network_key_file() {
  return std::string(kNetworkKeyMount) + "/" + std::string(kNetworkKeyItem);
}

// Not root, whatever the image says (65532, distroless's "nonroot"); the pod's fsGroup makes the
// Secret's key file readable to it (mode 0440).
inline constexpr int kAgentUser = 65532;
inline constexpr int kKeyFileMode = 0440;

inline Object restricted_security_context() {
  return Object{{"allowPrivilegeEscalation", false},
                {"readOnlyRootFilesystem", true},
                {"runAsNonRoot", true},
                {"runAsUser", kAgentUser},
                {"runAsGroup", kAgentUser},
                {"capabilities", {{"drop", Object::array({"ALL"})}}}};
}

// The agent's config (a ConfigMap) and network key (a Secret the user creates) as volumes, and
// where the agent container mounts them.
inline Object agent_volumes(std::string_view config_map, std::string_view key_secret) {
  return Object::array(
      {Object{{"name", "agent-config"}, {"configMap", {{"name", config_map}}}},
       Object{{"name", "network-key"},
              {"secret", {{"secretName", key_secret}, {"defaultMode", kKeyFileMode}}}}});
}

inline Object agent_volume_mounts() {
  return Object::array(
      {Object{{"name", "agent-config"}, {"mountPath", kAgentConfigMount}, {"readOnly", true}},
       Object{{"name", "network-key"}, {"mountPath", kNetworkKeyMount}, {"readOnly", true}}});
}

}  // namespace mycelium::k8s
