// Connection health: failure after K consecutive timeouts or an explicit close, redistribution
// of the failed share, reconnection with capped exponential backoff, and revival.

#include <chrono>
#include <vector>

#include <catch2/catch.hpp>

#include <core/env/random_stream.hpp>
#include <core/rhizo/connection_set.hpp>

#include "rhizo_test_support.hpp"

using namespace mycelium;
using namespace mycelium::rhizo;
using namespace mycelium::rhizo::testing;
using manifest::LoadBalancing;
using namespace std::chrono_literals;

namespace {

void time_out(ConnectionSet& set, std::uint32_t connection, TimePoint now) {
  set.on_sent(connection, kPageBytes, now);
  set.on_timeout(connection, kPageBytes, now);
}

}  // namespace

TEST_CASE("three consecutive timeouts fail a connection, an ack in between resets the run",
          "[rhizo][health]") {
  ConnectionSet set = make_set(2, LoadBalancing::kAdaptiveBandwidth);
  TimePoint now = kTimeZero;
  time_out(set, 0, now);
  time_out(set, 0, now);
  measure_rtt(set, 0, 1ms, 1, now);
  time_out(set, 0, now);
  time_out(set, 0, now);
  CHECK(set.usable(0));
  time_out(set, 0, now);
  CHECK(set.health(0) == Health::kFailed);
  CHECK_FALSE(set.usable(0));
  CHECK(set.usable_count() == 1);
  CHECK(set.reconnect_at(0) == now + 100ms);
  CHECK(set.reconnect_at(1) == std::nullopt);
}

TEST_CASE("failing 1 of 3 connections mid-epoch: the next split uses only the other two",
          "[rhizo][health]") {
  for (LoadBalancing policy : all_policies()) {
    CAPTURE(manifest::kLoadBalancingNames.name(policy));
    ConnectionSet set = make_set(3, policy);
    const TimePoint now = kTimeZero;
    const std::vector<Share> first = set.split(100, kPageBytes);
    REQUIRE(first.size() == 3);
    for (const Share& share : first)
      set.on_sent(share.connection, share.pages * kPageBytes, now);
    set.fail(1, now + 1ms);  // the backend reports connection 1 closed, its chunk unanswered
    CHECK(set.stats(1).outstanding_bytes() == 0);
    const std::vector<Share> second = set.split(100, kPageBytes);
    CHECK(total_pages(second) == 100);
    REQUIRE(second.size() == 2);
    CHECK(second[0].connection == 0);
    CHECK(second[1].connection == 2);
    CHECK(set.best() != 1U);
  }
}

TEST_CASE("timeouts on a failed connection and a second close change nothing", "[rhizo][health]") {
  ConnectionSet set = make_set(2, LoadBalancing::kAdaptiveBandwidth);
  const TimePoint now = kTimeZero;
  set.on_sent(0, kPageBytes, now);
  set.fail(0, now);
  set.on_timeout(0, kPageBytes, now + 1s);
  set.fail(0, now + 2s);
  CHECK(set.failures(0) == 1);
  CHECK(set.reconnect_at(0) == now + 100ms);
}

TEST_CASE("reconnect backoff doubles per failed attempt and caps at 10 s", "[rhizo][health]") {
  ConnectionSet set = make_set(2, LoadBalancing::kAdaptiveBandwidth);
  TimePoint now = kTimeZero;
  set.fail(1, now);
  std::vector<Duration> delays;
  for (int attempt = 0; attempt < 10; ++attempt) {
    const TimePoint due = *set.reconnect_at(1);
    delays.push_back(due - now);
    CHECK(set.next_reconnect_at() == due);
    CHECK(set.due_reconnects(due - 1ns).empty());
    CHECK(set.due_reconnects(due) == std::vector<std::uint32_t>{1});
    now = due;
    set.on_reconnect_attempt(1, now, false);
  }
  CHECK(delays ==
        std::vector<Duration>{100ms, 200ms, 400ms, 800ms, 1600ms, 3200ms, 6400ms, 10s, 10s, 10s});
  CHECK(set.failures(1) == 11);
}

TEST_CASE("a connection that fails again before carrying an ack backs off further",
          "[rhizo][health]") {
  ConnectionSet set = make_set(2, LoadBalancing::kAdaptiveBandwidth);
  TimePoint now = kTimeZero;
  set.fail(0, now);
  now += 100ms;
  CHECK(set.poll(now) == std::vector<std::uint32_t>{0});
  for (int i = 0; i < 3; ++i)
    time_out(set, 0, now);
  CHECK(set.reconnect_at(0) == now + 200ms);  // second failure in a row
  now += 200ms;
  set.poll(now);
  measure_rtt(set, 0, 1ms, 1, now);  // it carried data: the backoff starts over
  CHECK(set.failures(0) == 0);
  set.fail(0, now);
  CHECK(set.reconnect_at(0) == now + 100ms);
}

TEST_CASE("a reconnected connection gets a share again, from the median prior", "[rhizo][health]") {
  ConnectionSet set = make_set(3, LoadBalancing::kAdaptiveBandwidth);
  TimePoint now = kTimeZero;
  for (std::uint32_t c = 0; c < 3; ++c)
    measure_throughput(set, c, 100e6, 3, now);
  measure_throughput(set, 1, 10e6, 10, now);  // then it crawls
  set.fail(1, now);
  const TimePoint failed_at = now;
  CHECK(set.poll(failed_at + 99ms).empty());
  CHECK(set.split(90, kPageBytes) == std::vector<Share>{{0, 45}, {2, 45}});
  CHECK(set.poll(failed_at + 100ms) == std::vector<std::uint32_t>{1});
  CHECK(set.health(1) == Health::kLive);
  CHECK_FALSE(set.stats(1).throughput_bytes_per_s());  // measurements reset
  CHECK(set.split(90, kPageBytes) == std::vector<Share>{{0, 30}, {1, 30}, {2, 30}});
}

TEST_CASE("a late ack for a chunk sent before the failure does not count for the new life",
          "[rhizo][health]") {
  ConnectionSet set = make_set(2, LoadBalancing::kAdaptiveBandwidth);
  const TimePoint sent_at = kTimeZero;
  set.on_sent(0, 1'000'000, sent_at);
  set.fail(0, sent_at + 1ms);
  set.poll(sent_at + 101ms);
  REQUIRE(set.usable(0));
  set.on_acked(0, 1'000'000, sent_at, sent_at + 200ms, true);
  CHECK_FALSE(set.stats(0).throughput_bytes_per_s());
  CHECK(set.failures(0) == 1);
}

TEST_CASE("all connections failed: empty split, no best, all_failed", "[rhizo][health]") {
  ConnectionSet set = make_set(3, LoadBalancing::kLeastConnections);
  const TimePoint now = kTimeZero;
  for (std::uint32_t c = 0; c < 3; ++c)
    set.fail(c, now + Duration(c));
  CHECK(set.all_failed());
  CHECK(set.split(100, kPageBytes).empty());
  CHECK(set.split(0, kPageBytes).empty());
  CHECK(set.best() == std::nullopt);
  CHECK(set.next_reconnect_at() == now + 100ms);
  CHECK(set.poll(now + 100ms + 1ns) == std::vector<std::uint32_t>{0, 1});
  CHECK_FALSE(set.all_failed());
}

TEST_CASE("backoff jitter from a seeded stream is reproducible and within 20 percent",
          "[rhizo][health]") {
  ConnectionSetConfig config;
  config.target_count = 1;
  ConnectionSet a(config, RandomStream(99));
  ConnectionSet b(config, RandomStream(99));
  TimePoint now = kTimeZero;
  a.fail(0, now);
  b.fail(0, now);
  for (int attempt = 0; attempt < 6; ++attempt) {
    REQUIRE(a.reconnect_at(0) == b.reconnect_at(0));
    const Duration delay = *a.reconnect_at(0) - now;
    const Duration exact = std::min<Duration>(100ms * (1 << attempt), 10s);
    CHECK(delay <= exact);
    CHECK(delay >= exact * 8 / 10);
    now = *a.reconnect_at(0);
    a.on_reconnect_attempt(0, now, false);
    b.on_reconnect_attempt(0, now, false);
  }
}

TEST_CASE("a connection far below the median throughput is degraded and gets less",
          "[rhizo][health]") {
  ConnectionSet set = make_set(3, LoadBalancing::kAdaptiveBandwidth);
  TimePoint now = kTimeZero;
  measure_throughput(set, 0, 100e6, 3, now);
  measure_throughput(set, 1, 100e6, 3, now);
  measure_throughput(set, 2, 20e6, 3, now);  // < 0.25 x median 100 MB/s
  CHECK(set.health(2) == Health::kDegraded);
  CHECK(set.health(1) == Health::kLive);
  CHECK(pages_by_connection(set.split(110, kPageBytes), 3) ==
        std::vector<std::uint64_t>{50, 50, 10});
}
