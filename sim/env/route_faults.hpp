#pragma once
// Which links are down, and so which routes are cut. Link faults are modelled here, not with
// SimGrid's Link::turn_off: in SimGrid 3.32, once Comm::wait_any_for has thrown
// NetworkFailureException for one comm, testing the other comms of that wait crashes (found
// while writing the fault tests), so the simulation never lets SimGrid fail a comm. Instead the
// EventLoop cancels the comms whose route a link fault cuts, and loses at once what is sent over
// a cut route; the effect (the message is lost, its bandwidth freed) is the same.
//
// Routes follow the topology in platform.hpp: a message from a to b crosses NIC(a), NIC(b), the
// backbone of a's zone, and, between zones, the link between them and the backbone of b's zone.

#include <cstdint>
#include <vector>

#include <core/env/node_id.hpp>

namespace mycelium::sim {

class RouteFaults {
 public:
  // zone_of_node[i] is the index (0 .. zone_count - 1) of node i's zone.
  RouteFaults(std::vector<std::uint32_t> zone_of_node, std::size_t zone_count);

  void set_nic_up(NodeId node, bool up);
  // zone_a == zone_b: that zone's backbone.
  void set_zone_link_up(std::uint32_t zone_a, std::uint32_t zone_b, bool up);

  bool route_up(NodeId from, NodeId to) const;
  // False while every link is up (the common case, checked first).
  bool any_down() const { return down_count_ > 0; }

 private:
  std::size_t pair_index(std::uint32_t zone_a, std::uint32_t zone_b) const;
  void set(std::vector<bool>& flags, std::size_t index, bool down);

  std::vector<std::uint32_t> zone_of_node_;
  std::size_t zone_count_;
  std::vector<bool> nic_down_;        // per node
  std::vector<bool> zone_link_down_;  // zone_count x zone_count, symmetric, diagonal = backbones
  std::size_t down_count_ = 0;
};

}  // namespace mycelium::sim
