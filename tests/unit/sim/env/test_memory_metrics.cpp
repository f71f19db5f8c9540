#include <string>

#include <catch2/catch.hpp>

#include <sim/env/memory_metrics.hpp>

using namespace mycelium;
using namespace std::chrono_literals;
using sim::MemoryMetrics;
using sim::MetricNames;

TEST_CASE("MemoryMetrics keeps counters, gauges and series with accessors", "[sim][metrics]") {
  MetricNames names;
  MemoryMetrics metrics(names);
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

TEST_CASE("MemoryMetrics lists metrics in name order, whatever order they were first used in",
          "[sim][metrics]") {
  MetricNames names;
  MemoryMetrics first(names);
  MemoryMetrics second(names);
  // Names first used in an order that is not theirs: ids follow first use, lists do not.
  for (const char* name : {"zeta_total", "alpha_total", "mid_total"})
    first.add_counter(name, 1);
  second.add_counter("mid_total", 5);
  second.add_counter("beta_total", 2);
  second.set_gauge("omega_bytes", 1.5);
  second.set_gauge("gamma_bytes", -2.25);
  second.record("z_ms", TimePoint(1s), 1.0);
  second.record("a_ms", TimePoint(1s), 2.0);
  CHECK(names.size() == 8);

  using Counters = MemoryMetrics::Counters;
  CHECK(first.counters() == Counters{{"alpha_total", 1}, {"mid_total", 1}, {"zeta_total", 1}});
  CHECK(second.counters() == Counters{{"beta_total", 2}, {"mid_total", 5}});
  CHECK(second.gauges() == MemoryMetrics::Gauges{{"gamma_bytes", -2.25}, {"omega_bytes", 1.5}});
  const MemoryMetrics::Series series = second.all_series();
  REQUIRE(series.size() == 2);
  CHECK(series[0].first == "a_ms");
  CHECK(series[1].first == "z_ms");
  CHECK(series[1].second[0] == MemoryMetrics::Sample{TimePoint(1s), 1.0});

  // Another node's names read as never touched here.
  CHECK(first.counter("beta_total") == 0);
  CHECK_FALSE(first.gauge("omega_bytes").has_value());
  CHECK(first.series("a_ms").empty());
  CHECK(second.counter("never_used_total") == 0);
  // A gauge is not a counter, nor the reverse.
  CHECK(second.counter("omega_bytes") == 0);
  CHECK_FALSE(second.gauge("mid_total").has_value());
}

TEST_CASE("MetricNames gives each name one id, in order of first use", "[sim][metrics]") {
  MetricNames names;
  CHECK(names.intern("b_total") == 0);
  CHECK(names.intern("a_total") == 1);
  CHECK(names.intern(std::string("b_") + "total") == 0);
  CHECK(names.find("a_total") == 1u);
  CHECK_FALSE(names.find("c_total").has_value());
  CHECK(names.name(1) == "a_total");
  CHECK(names.size() == 2);
}
