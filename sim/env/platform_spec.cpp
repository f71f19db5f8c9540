#include <algorithm>
#include <set>

#include <core/assert.hpp>
#include <sim/env/platform_spec.hpp>

namespace mycelium::sim {
namespace {

bool names_pair(const ZonePairProfile& entry, std::string_view a, std::string_view b) {
  return (entry.zone_a == a && entry.zone_b == b) || (entry.zone_a == b && entry.zone_b == a);
}

std::string check_profile(const LinkProfile& profile, const std::string& what) {
  if (!(profile.latency_s >= 0.0)) return what + ": latency_s must be >= 0";
  if (!(profile.bandwidth_bytes_per_s > 0.0)) return what + ": bandwidth_bytes_per_s must be > 0";
  return {};
}

const NodeSpec& node_at(const PlatformSpec& spec, NodeId id) {
  MYCELIUM_ASSERT(id.value < spec.nodes.size());
  return spec.nodes[id.value];
}

}  // namespace

LinkProfile PlatformSpec::profile(std::string_view zone_a, std::string_view zone_b) const {
  // The last override naming the pair wins, as when a scenario refines an earlier entry.
  for (auto it = overrides.rbegin(); it != overrides.rend(); ++it) {
    if (names_pair(*it, zone_a, zone_b)) return it->profile;
  }
  return zone_a == zone_b ? intra_zone : inter_zone;
}

std::vector<std::string> PlatformSpec::zones() const {
  std::set<std::string> names;
  for (const NodeSpec& node : nodes)
    names.insert(node.zone);
  return {names.begin(), names.end()};
}

std::string PlatformSpec::validate() const {
  if (nodes.empty()) return "a platform needs at least one node";
  if (nodes.size() >= NodeId::kInvalidValue) return "too many nodes";
  std::set<std::string_view> names;
  for (const NodeSpec& node : nodes) {
    if (node.name.empty()) return "a node has an empty name";
    if (node.zone.empty()) return "node '" + node.name + "' has an empty zone";
    if (!names.insert(node.name).second) return "node name '" + node.name + "' is used twice";
    if (!(node.nic_bandwidth_bytes_per_s > 0.0)) {
      return "node '" + node.name + "': nic_bandwidth_bytes_per_s must be > 0";
    }
    if (node.cpu_speed_flops && !(*node.cpu_speed_flops > 0.0)) {
      return "node '" + node.name + "': cpu_speed_flops must be > 0";
    }
  }
  if (auto error = check_profile(intra_zone, "intra_zone"); !error.empty()) return error;
  if (auto error = check_profile(inter_zone, "inter_zone"); !error.empty()) return error;
  const std::vector<std::string> zone_names = zones();
  for (const ZonePairProfile& entry : overrides) {
    const std::string what = "override (" + entry.zone_a + ", " + entry.zone_b + ")";
    for (const std::string* zone : {&entry.zone_a, &entry.zone_b}) {
      if (!std::binary_search(zone_names.begin(), zone_names.end(), *zone)) {
        return what + ": no node is in zone '" + *zone + "'";
      }
    }
    if (auto error = check_profile(entry.profile, what); !error.empty()) return error;
  }
  return {};
}

PlatformSpec uniform_platform(std::size_t zone_count, std::size_t nodes_per_zone,
                              double nic_bandwidth_bytes_per_s) {
  PlatformSpec spec;
  spec.nodes.reserve(zone_count * nodes_per_zone);
  for (std::size_t i = 0; i < zone_count * nodes_per_zone; ++i) {
    spec.nodes.push_back({"node-" + std::to_string(i), "zone-" + std::to_string(i / nodes_per_zone),
                          nic_bandwidth_bytes_per_s, std::nullopt});
  }
  return spec;
}

double route_latency_s(const PlatformSpec& spec, NodeId from, NodeId to) {
  const std::string& zone_from = node_at(spec, from).zone;
  const std::string& zone_to = node_at(spec, to).zone;
  if (zone_from == zone_to) return spec.profile(zone_from, zone_from).latency_s;
  return spec.profile(zone_from, zone_from).latency_s + spec.profile(zone_from, zone_to).latency_s +
         spec.profile(zone_to, zone_to).latency_s;
}

double route_bandwidth_bytes_per_s(const PlatformSpec& spec, NodeId from, NodeId to) {
  const NodeSpec& sender = node_at(spec, from);
  const NodeSpec& receiver = node_at(spec, to);
  double bandwidth = std::min(sender.nic_bandwidth_bytes_per_s, receiver.nic_bandwidth_bytes_per_s);
  bandwidth = std::min(bandwidth, spec.profile(sender.zone, sender.zone).bandwidth_bytes_per_s);
  if (sender.zone != receiver.zone) {
    bandwidth = std::min(bandwidth, spec.profile(sender.zone, receiver.zone).bandwidth_bytes_per_s);
    bandwidth =
        std::min(bandwidth, spec.profile(receiver.zone, receiver.zone).bandwidth_bytes_per_s);
  }
  return bandwidth;
}

}  // namespace mycelium::sim
