#include <utility>

#include <core/assert.hpp>
#include <sim/env/route_faults.hpp>

namespace mycelium::sim {

RouteFaults::RouteFaults(std::vector<std::uint32_t> zone_of_node, std::size_t zone_count)
    : zone_of_node_(std::move(zone_of_node)),
      zone_count_(zone_count),
      nic_down_(zone_of_node_.size(), false),
      zone_link_down_(zone_count * zone_count, false) {
  for (std::uint32_t zone : zone_of_node_)
    MYCELIUM_ASSERT(zone < zone_count_);
}

std::size_t RouteFaults::pair_index(std::uint32_t zone_a, std::uint32_t zone_b) const {
  MYCELIUM_ASSERT(zone_a < zone_count_ && zone_b < zone_count_);
  if (zone_b < zone_a) std::swap(zone_a, zone_b);
  return std::size_t{zone_a} * zone_count_ + zone_b;
}

void RouteFaults::set(std::vector<bool>& flags, std::size_t index, bool down) {
  if (flags[index] == down) return;
  flags[index] = down;
  if (down) {
    ++down_count_;
  } else {
    --down_count_;
  }
}

void RouteFaults::set_nic_up(NodeId node, bool up) {
  MYCELIUM_ASSERT(node.value < nic_down_.size());
  set(nic_down_, node.value, !up);
}

void RouteFaults::set_zone_link_up(std::uint32_t zone_a, std::uint32_t zone_b, bool up) {
  set(zone_link_down_, pair_index(zone_a, zone_b), !up);
}

bool RouteFaults::route_up(NodeId from, NodeId to) const {
  if (!any_down()) return true;
  MYCELIUM_ASSERT(from.value < nic_down_.size() && to.value < nic_down_.size());
  if (nic_down_[from.value] || nic_down_[to.value]) return false;
  const std::uint32_t zone_from = zone_of_node_[from.value];
  const std::uint32_t zone_to = zone_of_node_[to.value];
  if (zone_link_down_[pair_index(zone_from, zone_from)]) return false;
  if (zone_from == zone_to) return true;
  return !zone_link_down_[pair_index(zone_from, zone_to)] &&
         !zone_link_down_[pair_index(zone_to, zone_to)];
}

}  // namespace mycelium::sim
