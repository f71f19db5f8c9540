#include <sim/env/health_model.hpp>

namespace mycelium::sim {

void HealthModel::set(NodeId node, const std::string& service, const std::string& instance_id,
                      TimePoint from, bool healthy) {
  changes_[Key{node, service, instance_id}][from] = healthy;
}

bool HealthModel::healthy(NodeId node, const std::string& service, const std::string& instance_id,
                          TimePoint at) const {
  const auto instance = changes_.find(Key{node, service, instance_id});
  if (instance == changes_.end()) return true;
  auto change = instance->second.upper_bound(at);  // the first change after `at`
  if (change == instance->second.begin()) return true;
  return std::prev(change)->second;
}

}  // namespace mycelium::sim
