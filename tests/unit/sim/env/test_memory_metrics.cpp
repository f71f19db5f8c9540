#include <catch2/catch.hpp>

#include <sim/env/memory_metrics.hpp>

using namespace mycelium;
using namespace std::chrono_literals;
using sim::MemoryMetrics;

TEST_CASE("MemoryMetrics keeps counters, gauges and series with accessors", "[sim][metrics]") {
  MemoryMetrics metrics;
  CHECK(metrics.counter("probes_sent_total") == 0);
  metrics.add_counter("probes_sent_total", 2);
  metrics.add_counter("probes_sent_total", 3);
  CHECK(metrics.counter("probes_sent_total") == 5);

  CHECK_FALSE(metrics.gauge("buffer_bytes").has_value());
  metrics.set_gauge("buffer_bytes", 10);
  metrics.set_gauge("buffer_bytes", 7);
  CHECK(metrics.gauge("buffer_bytes") == 7.0);

  CHECK(metrics.series("lag_ms").empty());
  metrics.record("lag_ms", TimePoint(1s), 3.0);
  metrics.record("lag_ms", TimePoint(1s), 4.0);
  metrics.record("lag_ms", TimePoint(2s), 5.0);
  const auto lag = metrics.series("lag_ms");
  REQUIRE(lag.size() == 3);
  CHECK(lag[2] == MemoryMetrics::Sample{TimePoint(2s), 5.0});

  CHECK(metrics.counters().size() == 1);
  CHECK(metrics.gauges().size() == 1);
  CHECK(metrics.all_series().begin()->first == "lag_ms");
}
