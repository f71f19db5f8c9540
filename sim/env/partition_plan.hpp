#pragma once
// How a datagram simulation is cut into partitions that run side by side, one thread each
// (event_loop.hpp, "Partitions"): whole zones per partition, and the lookahead that makes it
// safe.
//
// Zones are dealt in blocks of consecutive indices (name order): partition p holds zones
// [p * Z / P, (p + 1) * Z / P). A message between two partitions crosses zones, so it takes at
// least the smallest route latency between a zone of one and a zone of the other: the
// lookahead L. A partition may then run every event before t + L on its own, t being the
// earliest event anywhere, because nothing another partition sends from t on arrives before
// t + L. With the default profiles zones are 40 ms apart (WAN) and a window holds tens of
// thousands of events at a million nodes: the threads meet rarely.

#include <cstdint>
#include <vector>

#include <core/assert.hpp>
#include <core/env/node_id.hpp>
#include <core/env/time.hpp>

namespace mycelium::sim {

class RouteTable;

class PartitionPlan {
 public:
  static constexpr std::uint32_t kMaxPartitions = 64;

  // One partition: everything in one thread, as before partitions existed.
  PartitionPlan() = default;
  // `partitions` >= 1. std::invalid_argument when the routes cannot be cut that way: more
  // partitions than zones, or a lookahead under a nanosecond (zones with no latency between).
  PartitionPlan(const RouteTable& routes, std::uint32_t partitions);

  std::uint32_t count() const { return count_; }
  std::uint32_t of(NodeId node) const {
    if (count_ == 1) return 0;
    MYCELIUM_ASSERT(node.value < of_node_.size());
    return of_node_[node.value];
  }
  // The least transit between nodes of two different partitions (zero with one partition).
  Duration lookahead() const { return lookahead_; }

 private:
  std::uint32_t count_ = 1;
  std::vector<std::uint8_t> of_node_;  // per node; empty with one partition
  Duration lookahead_{};
};

}  // namespace mycelium::sim
