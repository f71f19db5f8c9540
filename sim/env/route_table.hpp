#pragma once
// What a lone message costs on a PlatformSpec's routes, for the datagram network model
// (network_model.hpp): per zone its backbone, the links between zones (the default and the
// overridden pairs), per node its zone and NIC bandwidth. No SimGrid type, no string on the hot
// path: route_latency_s() / route_bandwidth_bytes_per_s() in platform_spec.hpp give the same
// values (the tests check equality) but compare zone names on every call.
//
// Cost: 16 bytes per zone and per overridden zone pair, 20 bytes per node. A route is summed
// from its zone links on each call rather than kept in a zone-pair table: with 1000 zones that
// table took 16 MB, and reading it cost a cache miss per message (18 % of a million-node run).

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
    return route(endpoint(from), endpoint(to)).latency_s;
  }
  double bandwidth_bytes_per_s(NodeId from, NodeId to) const;
  // A lone message of `bytes` from `from` to `to`: latency + bytes / bottleneck, rounded to the
  // nearest nanosecond, as the flow model rounds an arrival (event_loop.hpp).
  Duration transit(NodeId from, NodeId to, std::uint64_t bytes) const;
  // The one-way latency between any node of `zone_a` and any node of `zone_b` (the same double
  // transit() starts from): what a message between them takes at least.
  double zone_latency_s(std::uint32_t zone_a, std::uint32_t zone_b) const;

 private:
  // What transit() reads of a node, together: one cache line per node, not two.
  struct Endpoint {
    double nic_bytes_per_s;
    std::uint32_t zone;
  };
  // The zone links of the route between two nodes' zones, as one profile: the latencies summed,
  // the smallest bandwidth (the NICs are the nodes').
  LinkProfile route(const Endpoint& from, const Endpoint& to) const;
  const LinkProfile& link_between(std::uint32_t zone_a, std::uint32_t zone_b) const;
  const Endpoint& endpoint(NodeId node) const;
  static std::uint64_t pair_key(std::uint32_t zone_a, std::uint32_t zone_b);

  std::vector<std::string> zone_names_;      // sorted
  std::vector<std::uint32_t> zone_of_node_;  // per node, an index into zone_names_
  std::vector<Endpoint> endpoints_;          // per node
  std::vector<LinkProfile> backbones_;       // per zone
  LinkProfile inter_zone_;                   // between two zones, unless overridden
  // Overridden links between zones, by pair_key (sorted, one per pair: the last override).
  std::vector<std::pair<std::uint64_t, LinkProfile>> link_overrides_;
};

}  // namespace mycelium::sim
