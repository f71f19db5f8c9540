// The migration convergence forecast (core/placement/migration_forecast.hpp): bounds on one
// epoch's dirty data from a rate measured over a window, and the verdict they give a buffer.

#include <catch2/catch.hpp>

#include <core/placement/migration_forecast.hpp>

using namespace mycelium;
using namespace mycelium::placement;
using namespace std::chrono_literals;

namespace {

constexpr double kMiB = 1 << 20;

}  // namespace

TEST_CASE(
    "forecast: the kvm test guest's measured rate gives the buffers that did and did not "
    "converge") {
  // 6 MiB/s over libvirt's 1 s window, 100 ms epochs, convergence below level 0.05.
  const ConvergenceForecast small = forecast_convergence(6 * kMiB, 1s, 100ms, 64 << 20, 0.05);
  CHECK(small.verdict == ConvergenceVerdict::kMayNotConverge);  // measured: never converged
  CHECK(small.epoch_dirty_low_bytes == static_cast<std::uint64_t>(0.6 * kMiB) + 1);
  CHECK(small.epoch_dirty_high_bytes == 6ULL << 20);
  CHECK(small.buffer_needed_bytes == 120ULL << 20);
  CHECK_THAT(small.reason, Catch::StartsWith("may not converge: one epoch dirties 0.6 MiB to 6.0 "
                                             "MiB, the buffer has 3.2 MiB below the convergence "
                                             "level; a buffer of 120.0 MiB converges"));
  const ConvergenceForecast large = forecast_convergence(6 * kMiB, 1s, 100ms, 128 << 20, 0.05);
  CHECK(large.verdict == ConvergenceVerdict::kConverges);  // measured: converged
}

TEST_CASE("forecast: a buffer below even the lower bound will not converge") {
  const ConvergenceForecast forecast = forecast_convergence(100 * kMiB, 1s, 100ms, 64 << 20, 0.05);
  CHECK(forecast.epoch_dirty_low_bytes == 10ULL << 20);  // more than the 3.2 MiB of room
  CHECK(forecast.verdict == ConvergenceVerdict::kWillNotConverge);
  CHECK_THAT(forecast.reason, Catch::StartsWith("will not converge"));
}

TEST_CASE("forecast: epochs as long as the window or longer have one exact figure") {
  const ConvergenceForecast forecast = forecast_convergence(2 * kMiB, 1s, 2s, 100 << 20, 0.05);
  CHECK(forecast.epoch_dirty_low_bytes == 2ULL << 20);        // min(T, W) = 1 s
  CHECK(forecast.epoch_dirty_high_bytes == 4ULL << 20);       // max(T, W) = 2 s: the epoch's own
  CHECK(forecast.verdict == ConvergenceVerdict::kConverges);  // 4 MiB <= 5 MiB of room
  CHECK(forecast_convergence(2 * kMiB, 1s, 1s, 20 << 20, 0.05).verdict ==
        ConvergenceVerdict::kWillNotConverge);  // 2 MiB > 1 MiB of room, and T = W: no range
}

TEST_CASE("forecast: an idle guest converges with any buffer") {
  const ConvergenceForecast forecast = forecast_convergence(0.0, 1s, 100ms, 4096, 0.05);
  CHECK(forecast.verdict == ConvergenceVerdict::kConverges);
  CHECK(forecast.buffer_needed_bytes == 0);
}
