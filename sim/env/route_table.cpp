#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <core/assert.hpp>
#include <sim/env/route_table.hpp>

namespace mycelium::sim {

RouteTable::RouteTable(const PlatformSpec& spec) {
  if (const std::string error = spec.validate(); !error.empty()) {
    throw std::invalid_argument("invalid platform: " + error);
  }
  zone_names_ = spec.zones();
  const std::size_t zones = zone_names_.size();
  zone_of_node_.reserve(spec.nodes.size());
  endpoints_.reserve(spec.nodes.size());
  for (const NodeSpec& node : spec.nodes) {
    const std::uint32_t zone = *zone_index(node.zone);  // validate(): every zone exists
    zone_of_node_.push_back(zone);
    endpoints_.push_back({node.nic_bandwidth_bytes_per_s, zone});
  }

  // First the zone links themselves (diagonal: backbones), defaults then overrides in order, so
  // the last override naming a pair wins as in PlatformSpec::profile(); one pass over the
  // overrides instead of a scan per pair.
  pairs_.assign(zones * zones, spec.inter_zone);
  for (std::size_t z = 0; z < zones; ++z)
    pairs_[z * zones + z] = spec.intra_zone;
  for (const ZonePairProfile& entry : spec.overrides) {
    const std::uint32_t a = *zone_index(entry.zone_a);  // validate(): override zones exist
    const std::uint32_t b = *zone_index(entry.zone_b);
    pairs_[std::size_t{a} * zones + b] = entry.profile;
    pairs_[std::size_t{b} * zones + a] = entry.profile;
  }
  // Then the routes between zones: both backbones and the link, summed in the order
  // route_latency_s sums them, so the doubles are equal, not merely close.
  std::vector<LinkProfile> backbones(zones);
  for (std::size_t z = 0; z < zones; ++z)
    backbones[z] = pairs_[z * zones + z];
  for (std::size_t a = 0; a < zones; ++a) {
    for (std::size_t b = 0; b < zones; ++b) {
      if (a == b) continue;
      LinkProfile& route = pairs_[a * zones + b];
      route.latency_s = backbones[a].latency_s + route.latency_s + backbones[b].latency_s;
      route.bandwidth_bytes_per_s =
          std::min({backbones[a].bandwidth_bytes_per_s, route.bandwidth_bytes_per_s,
                    backbones[b].bandwidth_bytes_per_s});
    }
  }
}

std::optional<std::uint32_t> RouteTable::zone_index(std::string_view zone) const {
  const auto it = std::lower_bound(zone_names_.begin(), zone_names_.end(), zone);
  if (it == zone_names_.end() || *it != zone) return std::nullopt;
  return static_cast<std::uint32_t>(it - zone_names_.begin());
}

const RouteTable::Endpoint& RouteTable::endpoint(NodeId node) const {
  MYCELIUM_ASSERT(node.value < endpoints_.size());
  return endpoints_[node.value];
}

const LinkProfile& RouteTable::pair(const Endpoint& from, const Endpoint& to) const {
  return pairs_[std::size_t{from.zone} * zone_names_.size() + to.zone];
}

double RouteTable::bandwidth_bytes_per_s(NodeId from, NodeId to) const {
  const Endpoint& sender = endpoint(from);
  const Endpoint& receiver = endpoint(to);
  return std::min({sender.nic_bytes_per_s, receiver.nic_bytes_per_s,
                   pair(sender, receiver).bandwidth_bytes_per_s});
}

Duration RouteTable::transit(NodeId from, NodeId to, std::uint64_t bytes) const {
  const Endpoint& sender = endpoint(from);
  const Endpoint& receiver = endpoint(to);
  const LinkProfile& route = pair(sender, receiver);
  const double bandwidth =
      std::min({sender.nic_bytes_per_s, receiver.nic_bytes_per_s, route.bandwidth_bytes_per_s});
  const double seconds = route.latency_s + static_cast<double>(bytes) / bandwidth;
  return Duration(std::llround(seconds * 1e9));
}

}  // namespace mycelium::sim
