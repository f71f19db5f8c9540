#pragma once
// What a lone message costs on a PlatformSpec's routes, precomputed for the datagram network
// model (network_model.hpp): per zone pair the route latency and the bottleneck of the zone
// links, per node its zone and NIC bandwidth. No SimGrid type, no string on the hot path:
// route_latency_s() / route_bandwidth_bytes_per_s() in platform_spec.hpp give the same values
// (the tests check equality) but compare zone names on every call.
//
// Cost: 16 bytes per zone pair (1000 zones: 16 MB) and 20 bytes per node.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <core/env/node_id.hpp>
#include <core/env/time.hpp>
#include <sim/env/platform_spec.hpp>

namespace mycelium::sim {

class RouteTable {
 public:
  // `spec` must be valid (PlatformSpec::validate() empty); std::invalid_argument otherwise.
  explicit RouteTable(const PlatformSpec& spec);

  std::size_t node_count() const { return zone_of_node_.size(); }
  // Zones are numbered 0 .. zone_count() - 1 in name order (PlatformSpec::zones()).
  std::size_t zone_count() const { return zone_names_.size(); }
  std::optional<std::uint32_t> zone_index(std::string_view zone) const;
  const std::vector<std::uint32_t>& zone_of_node() const { return zone_of_node_; }

  // Same values as route_latency_s / route_bandwidth_bytes_per_s (platform_spec.hpp).
  double latency_s(NodeId from, NodeId to) const {
    return pair(endpoint(from), endpoint(to)).latency_s;
  }
  double bandwidth_bytes_per_s(NodeId from, NodeId to) const;
  // A lone message of `bytes` from `from` to `to`: latency + bytes / bottleneck, rounded to the
  // nearest nanosecond, as the flow model rounds an arrival (event_loop.hpp).
  Duration transit(NodeId from, NodeId to, std::uint64_t bytes) const;

 private:
  // What transit() reads of a node, together: one cache line per node, not two.
  struct Endpoint {
    double nic_bytes_per_s;
    std::uint32_t zone;
  };
  const LinkProfile& pair(const Endpoint& from, const Endpoint& to) const;
  const Endpoint& endpoint(NodeId node) const;

  std::vector<std::string> zone_names_;      // sorted
  std::vector<std::uint32_t> zone_of_node_;  // per node, an index into zone_names_
  std::vector<Endpoint> endpoints_;          // per node
  // zone_count x zone_count, row = sender's zone: the route's latency (both backbones and the
  // link between the zones, or one backbone inside a zone) and the smallest bandwidth of those
  // zone links (the NICs are the nodes').
  std::vector<LinkProfile> pairs_;
};

}  // namespace mycelium::sim
