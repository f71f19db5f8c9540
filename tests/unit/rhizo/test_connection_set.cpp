// Splitting an epoch across the rhizomorph connections: exact, deterministic, and each
// load-balancing policy behaving as docs/rhizomorph.md states.

#include <algorithm>
#include <chrono>
#include <vector>

#include <catch2/catch.hpp>

#include <core/env/random_stream.hpp>
#include <core/manifest/endophyte_vm.hpp>
#include <core/rhizo/connection_set.hpp>

#include "rhizo_test_support.hpp"

using namespace mycelium;
using namespace mycelium::rhizo;
using namespace mycelium::rhizo::testing;
using manifest::LoadBalancing;
using namespace std::chrono_literals;

namespace {

// One random event (send, ack, timeout, failure, reconnection) drawn from `script`, applied to
// every set in `sets` alike.
void random_event(std::vector<ConnectionSet>& sets, RandomStream& script, TimePoint& now) {
  now += Duration(script.uniform_int(1, 5'000'000));
  const auto connection = static_cast<std::uint32_t>(script.uniform_int(0, sets[0].size() - 1));
  const std::uint64_t bytes = script.uniform_int(0, 4) * kPageBytes * 64;
  const auto ack_time = Duration(script.uniform_int(100'000, 50'000'000));
  const std::uint64_t kind = script.uniform_int(0, 9);
  for (ConnectionSet& set : sets) {
    if (!set.usable(connection)) {
      set.poll(now);
      continue;
    }
    if (kind < 7) {
      set.on_sent(connection, bytes, now);
      set.on_acked(connection, bytes, now, now + ack_time, kind < 6);
    } else if (kind < 9) {
      set.on_sent(connection, bytes, now);
      set.on_timeout(connection, bytes, now);
    } else {
      set.fail(connection, now);
    }
  }
}

}  // namespace

TEST_CASE("shares always sum to N, use usable connections only, and are deterministic",
          "[rhizo][split]") {
  for (LoadBalancing policy : all_policies()) {
    CAPTURE(manifest::kLoadBalancingNames.name(policy));
    std::vector<ConnectionSet> sets;
    sets.push_back(make_set(5, policy));
    sets.push_back(make_set(5, policy));
    RandomStream script(2024);
    TimePoint now = kTimeZero;
    for (int round = 0; round < 400; ++round) {
      random_event(sets, script, now);
      const std::uint64_t pages = script.uniform_int(0, 3000);
      const std::vector<Share> first = sets[0].split(pages, kPageBytes);
      const std::vector<Share> second = sets[1].split(pages, kPageBytes);
      REQUIRE(first == second);
      if (sets[0].all_failed()) {
        CHECK(first.empty());
        continue;
      }
      CHECK(total_pages(first) == pages);
      for (std::size_t i = 0; i < first.size(); ++i) {
        CHECK(sets[0].usable(first[i].connection));
        CHECK((pages == 0 || first[i].pages > 0));
        if (i > 0) CHECK(first[i - 1].connection < first[i].connection);
      }
      if (pages == 0) CHECK(first.size() == 1);
    }
  }
}

TEST_CASE("equal connections get equal shares, within one page", "[rhizo][split]") {
  for (LoadBalancing policy : all_policies()) {
    CAPTURE(manifest::kLoadBalancingNames.name(policy));
    ConnectionSet set = make_set(5, policy);
    TimePoint now = kTimeZero;
    for (std::uint32_t c = 0; c < 5; ++c) {
      measure_throughput(set, c, 100e6, 3, now);
      measure_rtt(set, c, 2ms, 3, now);
    }
    for (std::uint64_t pages : {5, 7, 64, 99, 1000, 12345}) {
      const auto per_connection = pages_by_connection(set.split(pages, kPageBytes), 5);
      const auto [low, high] = std::minmax_element(per_connection.begin(), per_connection.end());
      CHECK(*high - *low <= 1);
    }
  }
}

TEST_CASE("an empty epoch is one empty share on the best connection (heartbeat)",
          "[rhizo][split]") {
  ConnectionSet set = make_set(3, LoadBalancing::kLatencyOptimized);
  TimePoint now = kTimeZero;
  measure_rtt(set, 0, 5ms, 3, now);
  measure_rtt(set, 1, 1ms, 3, now);
  measure_rtt(set, 2, 5ms, 3, now);
  CHECK(set.split(0, kPageBytes) == std::vector<Share>{{1, 0}});
  CHECK(set.best() == 1U);
}

TEST_CASE("adaptive-bandwidth: half the measured throughput gets about half the share",
          "[rhizo][split][adaptive]") {
  ConnectionSet set = make_set(3, LoadBalancing::kAdaptiveBandwidth);
  TimePoint now = kTimeZero;
  measure_throughput(set, 0, 100e6, 4, now);
  measure_throughput(set, 1, 100e6, 4, now);
  measure_throughput(set, 2, 50e6, 4, now);
  const auto pages = pages_by_connection(set.split(1000, kPageBytes), 3);
  CHECK(pages[0] == 400);
  CHECK(pages[1] == 400);
  CHECK(pages[2] == 200);
}

TEST_CASE("adaptive-bandwidth: a connection that slows down loses share after a few samples",
          "[rhizo][split][adaptive]") {
  ConnectionSet set = make_set(2, LoadBalancing::kAdaptiveBandwidth);
  TimePoint now = kTimeZero;
  measure_throughput(set, 0, 100e6, 4, now);
  measure_throughput(set, 1, 100e6, 4, now);
  measure_throughput(set, 1, 50e6, 6, now);  // EWMA: 50 + 50 x 0.7^6 = 55.9 MB/s
  const auto pages = pages_by_connection(set.split(1000, kPageBytes), 2);
  CHECK(pages[1] == Approx(0.5 * pages[0]).epsilon(0.15));
}

TEST_CASE("adaptive-bandwidth: a new connection starts with the median prior",
          "[rhizo][split][adaptive]") {
  ConnectionSet set = make_set(3, LoadBalancing::kAdaptiveBandwidth);
  TimePoint now = kTimeZero;
  measure_throughput(set, 0, 100e6, 3, now);
  measure_throughput(set, 1, 100e6, 3, now);  // 2 is never measured
  CHECK(pages_by_connection(set.split(300, kPageBytes), 3) ==
        std::vector<std::uint64_t>{100, 100, 100});
}

TEST_CASE("adaptive-bandwidth: a connection with timeouts (reliability near 0.5) gets less",
          "[rhizo][split][adaptive]") {
  ConnectionSet set = make_set(3, LoadBalancing::kAdaptiveBandwidth);
  TimePoint now = kTimeZero;
  for (std::uint32_t c = 0; c < 3; ++c)
    measure_throughput(set, c, 100e6, 3, now);
  for (int i = 0; i < 30; ++i) {  // ack, timeout, ack, timeout...
    measure_throughput(set, 2, 100e6, 1, now);
    set.on_sent(2, 1000, now);
    set.on_timeout(2, 1000, now);
  }
  CHECK(set.stats(2).reliability() == Approx(0.5).margin(0.05));
  CHECK(set.health(2) == Health::kDegraded);
  CHECK(set.health(0) == Health::kLive);
  const auto pages = pages_by_connection(set.split(1000, kPageBytes), 3);
  CHECK(pages[2] < pages[0] * 6 / 10);
  CHECK(pages[0] + 1 >= pages[1]);
  CHECK(pages[1] + 1 >= pages[0]);
}

TEST_CASE("adaptive-bandwidth: lower latency raises the weight", "[rhizo][split][adaptive]") {
  ConnectionSet set = make_set(2, LoadBalancing::kAdaptiveBandwidth);
  TimePoint now = kTimeZero;
  for (std::uint32_t c = 0; c < 2; ++c)
    measure_throughput(set, c, 100e6, 3, now);
  measure_rtt(set, 0, 1ms, 3, now);
  measure_rtt(set, 1, 2ms, 3, now);  // latency factor 0.5
  CHECK(pages_by_connection(set.split(300, kPageBytes), 2) == std::vector<std::uint64_t>{200, 100});
}

TEST_CASE("latency-optimized favours the low-RTT connection, 1 / rtt^2", "[rhizo][split]") {
  ConnectionSet set = make_set(3, LoadBalancing::kLatencyOptimized);
  TimePoint now = kTimeZero;
  measure_rtt(set, 0, 2ms, 3, now);
  measure_rtt(set, 1, 1ms, 3, now);
  measure_rtt(set, 2, 2ms, 3, now);
  const auto pages = pages_by_connection(set.split(600, kPageBytes), 3);
  CHECK(pages == std::vector<std::uint64_t>{100, 400, 100});
  CHECK(set.best() == 1U);
}

TEST_CASE("latency-optimized ignores throughput", "[rhizo][split]") {
  ConnectionSet set = make_set(2, LoadBalancing::kLatencyOptimized);
  TimePoint now = kTimeZero;
  measure_rtt(set, 0, 1ms, 3, now);
  measure_rtt(set, 1, 1ms, 3, now);
  measure_throughput(set, 0, 10e6, 3, now);
  measure_throughput(set, 1, 100e6, 3, now);
  CHECK(pages_by_connection(set.split(100, kPageBytes), 2) == std::vector<std::uint64_t>{50, 50});
}

TEST_CASE("weighted-round-robin spreads remainders across epochs", "[rhizo][split][wrr]") {
  ConnectionSet set = make_set(3, LoadBalancing::kWeightedRoundRobin);
  std::vector<std::uint64_t> totals(3, 0);
  for (int epoch = 0; epoch < 3; ++epoch) {
    const auto pages = pages_by_connection(set.split(10, kPageBytes), 3);
    for (std::size_t c = 0; c < 3; ++c)
      totals[c] += pages[c];
  }
  CHECK(totals == std::vector<std::uint64_t>{10, 10, 10});
}

TEST_CASE("weighted-round-robin honours static weights and ignores measurements",
          "[rhizo][split][wrr]") {
  ConnectionSetConfig config;
  config.target_count = 2;
  config.load_balancing = LoadBalancing::kWeightedRoundRobin;
  config.static_weights = {3.0, 1.0};
  ConnectionSet set(config);
  TimePoint now = kTimeZero;
  measure_throughput(set, 0, 50e6, 3, now);  // slower, but not degraded
  measure_throughput(set, 1, 100e6, 3, now);
  REQUIRE(set.health(0) == Health::kLive);
  CHECK(pages_by_connection(set.split(100, kPageBytes), 2) == std::vector<std::uint64_t>{75, 25});
}

TEST_CASE("weighted-round-robin halves a degraded connection's weight", "[rhizo][split][wrr]") {
  ConnectionSet set = make_set(2, LoadBalancing::kWeightedRoundRobin);
  TimePoint now = kTimeZero;
  // Two timeouts, an ack, two timeouts: reliability 0.61, and never a run of three.
  for (int i = 0; i < 2; ++i) {
    set.on_sent(1, 0, now);
    set.on_timeout(1, 0, now);
  }
  measure_rtt(set, 1, 1ms, 1, now);
  for (int i = 0; i < 2; ++i) {
    set.on_sent(1, 0, now);
    set.on_timeout(1, 0, now);
  }
  REQUIRE(set.health(1) == Health::kDegraded);
  CHECK(pages_by_connection(set.split(90, kPageBytes), 2) == std::vector<std::uint64_t>{60, 30});
}

TEST_CASE("least-connections gives the next epoch to the idle connections",
          "[rhizo][split][least]") {
  ConnectionSet set = make_set(3, LoadBalancing::kLeastConnections);
  const TimePoint now = kTimeZero;
  set.on_sent(0, 100 * kPageBytes, now);
  CHECK(pages_by_connection(set.split(60, kPageBytes), 3) == std::vector<std::uint64_t>{0, 30, 30});
  set.on_sent(1, 100 * kPageBytes, now);
  CHECK(set.split(50, kPageBytes) == std::vector<Share>{{2, 50}});
  CHECK(set.best() == 2U);
  // Once 0 and 1 drain, they are the idle ones.
  set.on_acked(0, 100 * kPageBytes, now, now + 1ms, true);
  set.on_acked(1, 100 * kPageBytes, now, now + 1ms, true);
  set.on_sent(2, 50 * kPageBytes, now);
  CHECK(pages_by_connection(set.split(40, kPageBytes), 3) == std::vector<std::uint64_t>{20, 20, 0});
}

TEST_CASE("least-connections water-fills so the queues end level", "[rhizo][split][least]") {
  ConnectionSet set = make_set(3, LoadBalancing::kLeastConnections);
  set.on_sent(0, 30 * kPageBytes, kTimeZero);
  const auto pages = pages_by_connection(set.split(90, kPageBytes), 3);
  CHECK(pages == std::vector<std::uint64_t>{10, 40, 40});
}

TEST_CASE("connection_set_config takes count and policy from the manifest", "[rhizo][config]") {
  manifest::RhizomorphConfig manifest;
  manifest.target_count = 4;
  manifest.load_balancing = LoadBalancing::kLeastConnections;
  const ConnectionSetConfig config = connection_set_config(manifest);
  CHECK(config.target_count == 4);
  CHECK(config.load_balancing == LoadBalancing::kLeastConnections);
  CHECK(validate(config).empty());
  ConnectionSetConfig bad = config;
  bad.target_count = 65;
  CHECK_FALSE(validate(bad).empty());
  bad = config;
  bad.static_weights = {1.0, 2.0};
  CHECK_FALSE(validate(bad).empty());
  bad = config;
  bad.failure_timeouts = 0;
  CHECK_FALSE(validate(bad).empty());
}
