#include <core/assert.hpp>
#include <sim/env/memory_metrics.hpp>

namespace mycelium::sim {
namespace {

// Finds `name` in `map`, inserting `initial` the first time: the hot path (a name seen before)
// allocates nothing.
template <typename Map, typename Value>
typename Map::iterator find_or_insert(Map& map, std::string_view name, Value initial) {
  auto it = map.find(name);
  if (it == map.end()) it = map.emplace(std::string(name), std::move(initial)).first;
  return it;
}

}  // namespace

void MemoryMetrics::add_counter(std::string_view name, std::int64_t delta) {
  MYCELIUM_ASSERT(delta >= 0);                           // counters only grow
  MYCELIUM_ASSERT(gauges_.find(name) == gauges_.end());  // one name, one kind
  find_or_insert(counters_, name, std::int64_t{0})->second += delta;
}

void MemoryMetrics::set_gauge(std::string_view name, double value) {
  MYCELIUM_ASSERT(counters_.find(name) == counters_.end());
  find_or_insert(gauges_, name, 0.0)->second = value;
}

void MemoryMetrics::record(std::string_view name, TimePoint at, double value) {
  std::vector<Sample>& samples = find_or_insert(series_, name, std::vector<Sample>{})->second;
  MYCELIUM_ASSERT(samples.empty() || samples.back().at <= at);
  samples.push_back({at, value});
}

std::int64_t MemoryMetrics::counter(std::string_view name) const {
  const auto it = counters_.find(name);
  return it == counters_.end() ? 0 : it->second;
}

std::optional<double> MemoryMetrics::gauge(std::string_view name) const {
  const auto it = gauges_.find(name);
  return it == gauges_.end() ? std::nullopt : std::optional(it->second);
}

std::span<const MemoryMetrics::Sample> MemoryMetrics::series(std::string_view name) const {
  const auto it = series_.find(name);
  if (it == series_.end()) return {};
  return it->second;
}

}  // namespace mycelium::sim
