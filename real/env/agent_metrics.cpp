#include <core/assert.hpp>
#include <real/env/agent_metrics.hpp>

namespace mycelium::real {

void AgentMetrics::add_counter(std::string_view name, std::int64_t delta) {
  MYCELIUM_ASSERT(delta >= 0);  // counters only grow
  auto it = counters_.find(name);
  if (it == counters_.end()) it = counters_.emplace(std::string(name), 0).first;
  it->second += delta;
}

void AgentMetrics::set_gauge(std::string_view name, double value) {
  auto it = gauges_.find(name);
  if (it == gauges_.end()) it = gauges_.emplace(std::string(name), 0.0).first;
  it->second = value;
}

void AgentMetrics::record(std::string_view series, TimePoint at, double value) {
  auto it = series_.find(series);
  if (it == series_.end())
    it = series_.emplace(std::string(series), std::deque<std::pair<TimePoint, double>>{}).first;
  auto& samples = it->second;
  MYCELIUM_ASSERT(samples.empty() || samples.back().first <= at);
  if (samples.size() == kMaxSamplesPerSeries) samples.pop_front();
  samples.emplace_back(at, value);
}

std::int64_t AgentMetrics::counter(std::string_view name) const {
  const auto it = counters_.find(name);
  return it == counters_.end() ? 0 : it->second;
}

}  // namespace mycelium::real
