#pragma once
// Where protocols report what they measure. Names are snake_case with the unit as suffix
// (`buffer_bytes`, `lag_ms`, `buffer_level_ratio`, `epochs_committed_total`); the backend adds
// the node identity. The simulator writes them to the results file, the real runtime exposes
// them on /metrics.

#include <cstdint>
#include <string_view>

#include <core/env/time.hpp>

namespace mycelium {

class MetricsSink {
 public:
  virtual ~MetricsSink() = default;

  // A monotonically increasing count (messages sent, epochs committed).
  virtual void add_counter(std::string_view name, std::int64_t delta) = 0;
  // A value that goes up and down (buffer level, throttle intensity).
  virtual void set_gauge(std::string_view name, double value) = 0;
  // One sample of a time series (for plots over simulated or real time).
  virtual void record(std::string_view series, TimePoint at, double value) = 0;
};

}  // namespace mycelium
