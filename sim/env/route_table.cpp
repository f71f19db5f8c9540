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

  // Defaults, then the overrides in order, so that the last override naming a pair wins as in
  // PlatformSpec::profile(): one pass over the overrides instead of a scan per pair.
  backbones_.assign(zones, spec.intra_zone);
  inter_zone_ = spec.inter_zone;
  for (const ZonePairProfile& entry : spec.overrides) {
    const std::uint32_t a = *zone_index(entry.zone_a);  // validate(): override zones exist
    const std::uint32_t b = *zone_index(entry.zone_b);
    if (a == b) {
      backbones_[a] = entry.profile;
    } else {
      link_overrides_.emplace_back(pair_key(a, b), entry.profile);
    }
  }
  // Sorted by pair, the last override of each pair kept: a stable sort keeps their order, so
  // the last of equal keys is the last in the spec.
  std::stable_sort(link_overrides_.begin(), link_overrides_.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::pair<std::uint64_t, LinkProfile>> last_of_each;
  for (std::size_t i = 0; i < link_overrides_.size(); ++i) {
    const bool last =
        i + 1 == link_overrides_.size() || link_overrides_[i + 1].first != link_overrides_[i].first;
    if (last) last_of_each.push_back(link_overrides_[i]);
  }
  link_overrides_ = std::move(last_of_each);
}

std::uint64_t RouteTable::pair_key(std::uint32_t zone_a, std::uint32_t zone_b) {
  if (zone_b < zone_a) std::swap(zone_a, zone_b);
  return (std::uint64_t{zone_a} << 32) | zone_b;
}

const LinkProfile& RouteTable::link_between(std::uint32_t zone_a, std::uint32_t zone_b) const {
  if (link_overrides_.empty()) return inter_zone_;  // the common case: no lookup
  const std::uint64_t key = pair_key(zone_a, zone_b);
  const auto it = std::lower_bound(
      link_overrides_.begin(), link_overrides_.end(), key,
      [](const auto& entry, std::uint64_t wanted) { return entry.first < wanted; });
  return it != link_overrides_.end() && it->first == key ? it->second : inter_zone_;
}

LinkProfile RouteTable::route(const Endpoint& from, const Endpoint& to) const {
  const LinkProfile& first = backbones_[from.zone];
  if (from.zone == to.zone) return first;
  const LinkProfile& link = link_between(from.zone, to.zone);
  const LinkProfile& last = backbones_[to.zone];
  // Summed in the order route_latency_s sums them, so the doubles are equal, not merely close.
  return LinkProfile{first.latency_s + link.latency_s + last.latency_s,
                     std::min({first.bandwidth_bytes_per_s, link.bandwidth_bytes_per_s,
                               last.bandwidth_bytes_per_s})};
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

double RouteTable::bandwidth_bytes_per_s(NodeId from, NodeId to) const {
  const Endpoint& sender = endpoint(from);
  const Endpoint& receiver = endpoint(to);
  return std::min({sender.nic_bytes_per_s, receiver.nic_bytes_per_s,
                   route(sender, receiver).bandwidth_bytes_per_s});
}

double RouteTable::zone_latency_s(std::uint32_t zone_a, std::uint32_t zone_b) const {
  MYCELIUM_ASSERT(zone_a < zone_count() && zone_b < zone_count());
  return route(Endpoint{0.0, zone_a}, Endpoint{0.0, zone_b}).latency_s;
}

Duration RouteTable::transit(NodeId from, NodeId to, std::uint64_t bytes) const {
  const Endpoint& sender = endpoint(from);
  const Endpoint& receiver = endpoint(to);
  const LinkProfile zones = route(sender, receiver);
  const double bandwidth =
      std::min({sender.nic_bytes_per_s, receiver.nic_bytes_per_s, zones.bandwidth_bytes_per_s});
  const double seconds = zones.latency_s + static_cast<double>(bytes) / bandwidth;
  return Duration(std::llround(seconds * 1e9));
}

}  // namespace mycelium::sim
