#pragma once
// Where protocols report what they measure. The simulator writes the values to the results file
// (one row per node), the real runtime exposes them on /metrics; the backend adds the node
// identity, so names never contain it.
//
// Naming: snake_case ASCII, prefixed by the component, with the unit as the suffix, so a reader
// (or a plot axis) never has to guess it:
//   `_total`  counters of events          spore_probes_sent_total, epochs_committed_total
//   `_bytes`  sizes                       replication_buffer_bytes, rpo_bytes
//   `_ms`     durations in milliseconds   replication_lag_ms, blackout_ms
//   `_ratio`  fractions in [0, 1]         buffer_level_ratio, throttle_intensity_ratio
// One name is one kind of metric: never use the same name as a counter and a gauge.

#include <cstdint>
#include <string_view>

#include <core/env/time.hpp>

namespace mycelium {

class MetricsSink {
 public:
  virtual ~MetricsSink() = default;

  // Adds `delta` (>= 0) to a count that only grows (messages sent, epochs committed). A counter
  // never touched reads as 0. The sink copies `name`; it need not outlive the call.
  virtual void add_counter(std::string_view name, std::int64_t delta) = 0;
  // Sets a value that goes up and down (buffer level, throttle intensity); the last one wins.
  virtual void set_gauge(std::string_view name, double value) = 0;
  // Appends one sample (at, value) to a time series, for plots over simulated or real time.
  // Callers pass now(); samples of one series arrive in non-decreasing time.
  virtual void record(std::string_view series, TimePoint at, double value) = 0;
};

}  // namespace mycelium
