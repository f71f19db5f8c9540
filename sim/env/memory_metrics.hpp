#pragma once
// One node's metrics, kept in memory for the run and read afterwards (a runner writes them to
// the results file).
//
// Compact, for a million nodes: a metric name is stored once per simulation, in a MetricNames
// table that gives it a small integer id; a node keeps only sorted flat vectors of (id, value),
// 16 bytes per counter or gauge. A Service Spore node touches about 20 counters: about 0.4 KiB
// per node, where one std::map<std::string, ...> per node and kind took 2.6 KiB.
//
// Reading is by name (counter(), gauge(), series()) or as whole lists in name order (counters(),
// gauges(), all_series()): whoever walks them sees the names in the same order every run, never
// in id order (the order names were first used, which depends on the run).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <core/env/metrics.hpp>

namespace mycelium::sim {

// The metric names of one simulation, each with an id (0, 1, ... in order of first use). Not
// thread-safe, like the simulation that owns it.
class MetricNames {
 public:
  using Id = std::uint32_t;

  MetricNames() = default;
  MetricNames(const MetricNames&) = delete;
  MetricNames& operator=(const MetricNames&) = delete;

  // The id of `name`, added the first time: the hot path (a name seen before) allocates nothing.
  Id intern(std::string_view name);
  std::optional<Id> find(std::string_view name) const;
  std::string_view name(Id id) const;
  std::size_t size() const { return names_.size(); }

 private:
  struct Hash {
    using is_transparent = void;  // find(string_view) without building a std::string
    std::size_t operator()(std::string_view name) const noexcept {
      return std::hash<std::string_view>{}(name);
    }
  };
  std::unordered_map<std::string, Id, Hash, std::equal_to<>> ids_;
  std::vector<const std::string*> names_;  // by id: the keys of ids_ (nodes never move)
};

class MemoryMetrics final : public MetricsSink {
 public:
  struct Sample {
    TimePoint at;
    double value = 0.0;
    bool operator==(const Sample&) const = default;
  };
  // Whole lists, in name order; the names are views into the simulation's MetricNames.
  using Counters = std::vector<std::pair<std::string_view, std::int64_t>>;
  using Gauges = std::vector<std::pair<std::string_view, double>>;
  using Series = std::vector<std::pair<std::string_view, std::span<const Sample>>>;

  // `names` is shared by every node of a simulation and outlives them.
  explicit MemoryMetrics(MetricNames& names) : names_(&names) {}

  // --- MetricsSink (the contract's rules are asserted: a name is one kind of metric, counters
  // only grow, a series never goes back in time) ---
  void add_counter(std::string_view name, std::int64_t delta) override;
  void set_gauge(std::string_view name, double value) override;
  void record(std::string_view series, TimePoint at, double value) override;

  // 0 for a counter never touched, as in every backend.
  std::int64_t counter(std::string_view name) const;
  std::optional<double> gauge(std::string_view name) const;
  // Empty for a series never recorded. Valid until the series is recorded to again.
  std::span<const Sample> series(std::string_view name) const;

  // Built on each call (for writers, after the run): valid while the metrics are not changed.
  Counters counters() const;
  Gauges gauges() const;
  Series all_series() const;

 private:
  enum class Kind : std::uint8_t { kCounter, kGauge };
  // A counter or a gauge: 16 bytes. The gauge's double is kept as its bits, so one field serves
  // both kinds without a union.
  struct Scalar {
    MetricNames::Id id;
    Kind kind;
    std::int64_t value;  // kCounter: the count; kGauge: std::bit_cast<std::int64_t>(level)
  };
  struct SeriesSamples {
    MetricNames::Id id;
    std::vector<Sample> samples;
  };

  // The entry of `id`, inserted (with `kind`, value 0) if missing; sorted by id.
  Scalar& scalar(MetricNames::Id id, Kind kind);
  const Scalar* find_scalar(std::string_view name) const;
  const SeriesSamples* find_series(std::string_view name) const;

  MetricNames* names_;
  std::vector<Scalar> scalars_;        // sorted by id
  std::vector<SeriesSamples> series_;  // sorted by id
};

}  // namespace mycelium::sim
