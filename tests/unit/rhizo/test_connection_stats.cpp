// Per-connection measurement: throughput EWMA with Karn's rule, RFC 6298 round trip, reliability
// and outstanding counts.

#include <chrono>

#include <catch2/catch.hpp>

#include <core/rhizo/connection_stats.hpp>

using namespace mycelium;
using namespace mycelium::rhizo;
using namespace std::chrono_literals;

TEST_CASE("throughput: the first sample replaces the prior, later ones are smoothed",
          "[rhizo][stats]") {
  const MeterConfig config;  // smoothing 0.3
  ConnectionStats stats;
  CHECK_FALSE(stats.throughput_bytes_per_s());
  stats.on_sent(1'000'000);
  stats.on_acked(config, 1'000'000, 10ms, true);  // 100 MB/s
  REQUIRE(stats.throughput_bytes_per_s());
  CHECK(*stats.throughput_bytes_per_s() == Approx(100e6));
  stats.on_sent(1'000'000);
  stats.on_acked(config, 1'000'000, 20ms, true);  // 50 MB/s
  CHECK(*stats.throughput_bytes_per_s() == Approx(100e6 + 0.3 * (50e6 - 100e6)));
  CHECK(stats.throughput_samples() == 2);
}

TEST_CASE("Karn: an acknowledged retransmission is not measured", "[rhizo][stats]") {
  const MeterConfig config;
  ConnectionStats stats;
  stats.on_sent(1'000'000);
  stats.on_acked(config, 1'000'000, 10ms, false);
  CHECK_FALSE(stats.throughput_bytes_per_s());
  CHECK_FALSE(stats.min_ack_time());
  CHECK(stats.outstanding_bytes() == 0);
  CHECK(stats.reliability() == 1.0);
}

TEST_CASE("small chunks give SRTT and RTTVAR as RFC 6298, not throughput", "[rhizo][stats]") {
  const MeterConfig config;
  ConnectionStats stats;
  stats.on_sent(0);
  stats.on_acked(config, 0, 8ms, true);
  CHECK(stats.smoothed_rtt() == 8ms);
  CHECK(stats.rtt_variation() == 4ms);
  stats.on_sent(4096);
  stats.on_acked(config, 4096, 16ms, true);
  CHECK(stats.rtt_variation() == (3 * 4ms + 8ms) / 4);  // from the old SRTT
  CHECK(stats.smoothed_rtt() == 9ms);                   // 7/8 x 8 + 1/8 x 16
  CHECK_FALSE(stats.throughput_bytes_per_s());
  CHECK(stats.latency() == 9ms);
  CHECK(stats.min_ack_time() == 8ms);
}

TEST_CASE("a large chunk's ack time is only the fallback minimum, never SRTT", "[rhizo][stats]") {
  const MeterConfig config;
  ConnectionStats stats;
  stats.on_sent(1'000'000);
  stats.on_acked(config, 1'000'000, 30ms, true);
  CHECK_FALSE(stats.smoothed_rtt());
  CHECK(stats.min_ack_time() == 30ms);
  CHECK(stats.latency() == 30ms);
}

TEST_CASE("reliability: EWMA of acks and timeouts, a run of timeouts ends on an ack",
          "[rhizo][stats]") {
  const MeterConfig config;  // reliability smoothing 1/8
  ConnectionStats stats;
  stats.on_sent(100);
  stats.on_timeout(config, 100);
  CHECK(stats.reliability() == Approx(0.875));
  stats.on_sent(100);
  stats.on_timeout(config, 100);
  CHECK(stats.consecutive_timeouts() == 2);
  stats.on_sent(100);
  stats.on_acked(config, 100, 1ms, true);
  CHECK(stats.consecutive_timeouts() == 0);
  CHECK(stats.reliability() == Approx(0.875 * 0.875 + 0.125 * (1 - 0.875 * 0.875)));
}

TEST_CASE("outstanding bytes and chunks follow sends and answers, and never underflow",
          "[rhizo][stats]") {
  const MeterConfig config;
  ConnectionStats stats;
  stats.on_sent(1000);
  stats.on_sent(500);
  CHECK(stats.outstanding_bytes() == 1500);
  CHECK(stats.outstanding_chunks() == 2);
  stats.on_acked(config, 1000, 1ms, true);
  CHECK(stats.outstanding_bytes() == 500);
  CHECK(stats.outstanding_chunks() == 1);
  stats.clear_outstanding();
  stats.on_timeout(config, 500);  // a late answer after a failure
  CHECK(stats.outstanding_bytes() == 0);
  CHECK(stats.outstanding_chunks() == 0);
}
