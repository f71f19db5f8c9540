#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <sim/env/partition_plan.hpp>
#include <sim/env/route_table.hpp>

namespace mycelium::sim {

PartitionPlan::PartitionPlan(const RouteTable& routes, std::uint32_t partitions) {
  const std::size_t zones = routes.zone_count();
  if (partitions < 1 || partitions > kMaxPartitions) {
    throw std::invalid_argument("partitions must be 1 to " + std::to_string(kMaxPartitions) +
                                ", not " + std::to_string(partitions));
  }
  if (partitions == 1) return;
  if (partitions > zones) {
    throw std::invalid_argument("cannot cut " + std::to_string(zones) + " zone(s) into " +
                                std::to_string(partitions) +
                                " partitions: a partition holds whole zones");
  }
  std::vector<std::uint32_t> of_zone(zones);
  for (std::size_t z = 0; z < zones; ++z)
    of_zone[z] = static_cast<std::uint32_t>(z * partitions / zones);
  // The least latency between two zones of different partitions (O(Z^2): once per simulation).
  double least_s = std::numeric_limits<double>::infinity();
  for (std::uint32_t a = 0; a < zones; ++a) {
    for (std::uint32_t b = a + 1; b < zones; ++b) {
      if (of_zone[a] != of_zone[b]) least_s = std::min(least_s, routes.zone_latency_s(a, b));
    }
  }
  // transit() rounds latency + bytes / bandwidth to the nearest nanosecond, which is never less
  // than the latency alone rounded the same way.
  lookahead_ = Duration(std::llround(least_s * 1e9));
  if (lookahead_ < Duration(1)) {
    throw std::invalid_argument(
        "cannot run partitions side by side: the latency between two zones of different "
        "partitions is under a nanosecond");
  }
  count_ = partitions;
  of_node_.reserve(routes.node_count());
  for (const std::uint32_t zone : routes.zone_of_node())
    of_node_.push_back(static_cast<std::uint8_t>(of_zone[zone]));
}

}  // namespace mycelium::sim
