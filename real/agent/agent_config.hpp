#pragma once
// myceliumd's configuration file (docs/myceliumd.md), kind AgentConfig: who this node is, where
// it listens, the network it belongs to, the peers it can reach, and the service instances it
// registers. Read with the manifest machinery: every error located by file, line and field, all
// of them in one pass, exit code 2 (the daemon refuses to start on any).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <core/env/node_id.hpp>
#include <core/manifest/diagnostics.hpp>
#include <core/spore/service_topology.hpp>

namespace mycelium::real {

struct HostPort {
  std::string host;  // an IPv4 or IPv6 literal
  std::uint16_t port = 0;
  std::string to_string() const;
};

struct AgentPeer {
  NodeId node;
  HostPort address;
};

struct AgentConfig {
  std::string name;  // metadata.name: the host's name in logs and on /status
  NodeId node;
  HostPort listen;                // spore datagrams and replication lanes (UDP and TCP)
  std::optional<HostPort> admin;  // the HTTP admin API; none: no API
  std::string network_name;
  std::vector<std::uint8_t> network_key;  // >= 16 bytes
  bool wan_profile = false;               // membership defaults: LAN or WAN (docs/spore.md)
  std::vector<AgentPeer> peers;
  std::vector<NodeId> seeds;  // peers to join through; none: this node starts the network
  std::vector<spore::ServiceInstanceFields> services;
};

struct AgentConfigLoad {
  std::optional<AgentConfig> config;  // set only when there were no errors
  manifest::Diagnostics diagnostics;
};

AgentConfigLoad parse_agent_config(std::string_view text, std::string_view file_name);

}  // namespace mycelium::real
