#pragma once
// What a simulated platform is made of, as plain data (no SimGrid type), so scenarios can build
// and check it without a simulator: nodes grouped in zones (failure domains: a rack, a data
// centre, a region) and the link profiles inside and between zones. sim/env/platform.hpp turns it
// into a SimGrid platform; the topology it builds is described there.
//
// Latency model (what a lone message of B bytes from node a to node b costs, exactly, because
// the simulation runs SimGrid's CM02 model without TCP corrections, see simulation.hpp):
//   same zone z:         latency(z, z)                              + B / bottleneck bandwidth
//   zones za != zb:      latency(za, za) + latency(za, zb) + latency(zb, zb) + B / bottleneck
// NIC links add bandwidth limits but no latency. route_latency_s() and
// route_bandwidth_bytes_per_s() below compute both for a node pair.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <core/env/node_id.hpp>

namespace mycelium::sim {

// One link: one-way latency and bandwidth per direction (links are full duplex).
struct LinkProfile {
  double latency_s = 0.0;
  double bandwidth_bytes_per_s = 0.0;
};

// Presets. Bandwidths in bytes/s: 10 Gbit/s = 1.25e9 B/s, 1 Gbit/s = 1.25e8 B/s.
// LAN: a data-centre switch fabric, 0.1 ms one way, 10 Gbit/s.
inline constexpr LinkProfile kLanProfile{0.1e-3, 1.25e9};
// WAN: a link between distant sites, 40 ms one way, 1 Gbit/s.
inline constexpr LinkProfile kWanProfile{40e-3, 1.25e8};

inline constexpr double kDefaultCpuSpeedFlops = 1e9;

struct NodeSpec {
  std::string name;  // unique; the SimGrid host name
  std::string zone;  // the failure domain the node belongs to
  double nic_bandwidth_bytes_per_s = 1.25e9;
  std::optional<double> cpu_speed_flops;  // kDefaultCpuSpeedFlops when unset
};

// Overrides the default profile of one zone pair. zone_a == zone_b sets that zone's backbone;
// otherwise it sets the link between the two zones (unordered: (a, b) is (b, a)).
struct ZonePairProfile {
  std::string zone_a;
  std::string zone_b;
  LinkProfile profile;
};

struct PlatformSpec {
  std::vector<NodeSpec> nodes;           // nodes[i] is NodeId{i}
  LinkProfile intra_zone = kLanProfile;  // every zone's backbone, unless overridden
  LinkProfile inter_zone = kWanProfile;  // every link between two zones, unless overridden
  std::vector<ZonePairProfile> overrides;

  // The profile of zone pair (a, b): the override if one names the pair, else the default.
  LinkProfile profile(std::string_view zone_a, std::string_view zone_b) const;
  // Zone names, sorted and unique (the order the platform is built in).
  std::vector<std::string> zones() const;
  // Empty if the spec is usable, else what is wrong with it (names, bandwidths, latencies).
  std::string validate() const;
};

// `zone_count` zones named "zone-0".., each with `nodes_per_zone` nodes named "node-<i>", NIC
// bandwidth `nic_bandwidth_bytes_per_s`, default LAN / WAN profiles. Node i is in zone i /
// nodes_per_zone.
PlatformSpec uniform_platform(std::size_t zone_count, std::size_t nodes_per_zone,
                              double nic_bandwidth_bytes_per_s);

// One-way latency of the route from node `from` to node `to` (see the model above).
double route_latency_s(const PlatformSpec& spec, NodeId from, NodeId to);
// The smallest bandwidth on that route: what one lone transfer gets.
double route_bandwidth_bytes_per_s(const PlatformSpec& spec, NodeId from, NodeId to);

}  // namespace mycelium::sim
