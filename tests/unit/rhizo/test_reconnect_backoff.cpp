// Reconnection backoff: doubles from 100 ms, caps at 10 s, jitter only shortens and replays.

#include <chrono>

#include <catch2/catch.hpp>

#include <core/rhizo/reconnect_backoff.hpp>

using namespace mycelium;
using namespace mycelium::rhizo;
using namespace std::chrono_literals;

TEST_CASE("backoff doubles per consecutive failure and caps at 10 s", "[rhizo][backoff]") {
  const BackoffConfig config;
  CHECK(reconnect_delay(config, 1, nullptr) == 100ms);
  CHECK(reconnect_delay(config, 2, nullptr) == 200ms);
  CHECK(reconnect_delay(config, 3, nullptr) == 400ms);
  CHECK(reconnect_delay(config, 7, nullptr) == 6400ms);
  CHECK(reconnect_delay(config, 8, nullptr) == 10s);
  CHECK(reconnect_delay(config, 1'000'000, nullptr) == 10s);
}

TEST_CASE("backoff jitter is deterministic per seed and only shortens", "[rhizo][backoff]") {
  const BackoffConfig config;  // jitter fraction 0.2
  RandomStream a(42);
  RandomStream b(42);
  for (std::uint32_t failures = 1; failures < 12; ++failures) {
    const Duration exact = reconnect_delay(config, failures, nullptr);
    const Duration jittered = reconnect_delay(config, failures, &a);
    CHECK(jittered == reconnect_delay(config, failures, &b));
    CHECK(jittered <= exact);
    CHECK(jittered >= exact * 8 / 10);
  }
}
