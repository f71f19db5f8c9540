#pragma once
// What a simulated health check answers: by default every instance is healthy; a scenario marks
// an instance on a node unhealthy (or healthy again) from a given time on. A check answers
// kHealthCheckDelay after it is made, with the state in force when it answers.

#include <map>
#include <string>
#include <tuple>

#include <core/env/node_id.hpp>
#include <core/env/time.hpp>

namespace mycelium::sim {

// A loopback HTTP request answered by a local process: about a millisecond.
inline constexpr Duration kHealthCheckDelay = std::chrono::milliseconds(1);

class HealthModel {
 public:
  // From `from` on (until a later change), the instance answers `healthy`.
  void set(NodeId node, const std::string& service, const std::string& instance_id, TimePoint from,
           bool healthy);
  bool healthy(NodeId node, const std::string& service, const std::string& instance_id,
               TimePoint at) const;

 private:
  using Key = std::tuple<NodeId, std::string, std::string>;
  std::map<Key, std::map<TimePoint, bool>> changes_;
};

}  // namespace mycelium::sim
