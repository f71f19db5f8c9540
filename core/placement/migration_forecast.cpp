#include <algorithm>
#include <cmath>
#include <cstdio>

#include <core/assert.hpp>
#include <core/placement/migration_forecast.hpp>

namespace mycelium::placement {

namespace {

std::string mib(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", bytes / (1 << 20));
  return text;
}

}  // namespace

std::string_view to_string(ConvergenceVerdict verdict) {
  switch (verdict) {
    case ConvergenceVerdict::kConverges:
      return "converges";
    case ConvergenceVerdict::kMayNotConverge:
      return "may not converge";
    case ConvergenceVerdict::kWillNotConverge:
      return "will not converge";
  }
  return "unknown";
}

ConvergenceForecast forecast_convergence(double dirty_bytes_per_s, Duration measured_over,
                                         Duration epoch, std::uint64_t buffer_bytes,
                                         double converge_level) {
  MYCELIUM_ASSERT(dirty_bytes_per_s >= 0.0 && std::isfinite(dirty_bytes_per_s));
  MYCELIUM_ASSERT(measured_over > Duration::zero() && epoch > Duration::zero());
  MYCELIUM_ASSERT(converge_level > 0.0 && converge_level < 1.0);
  const double epoch_s = to_seconds(epoch);
  const double window_s = to_seconds(measured_over);
  const double low = dirty_bytes_per_s * std::min(epoch_s, window_s);
  const double high = dirty_bytes_per_s * std::max(epoch_s, window_s);
  const double room = converge_level * static_cast<double>(buffer_bytes);

  ConvergenceForecast forecast;
  forecast.epoch_dirty_low_bytes = static_cast<std::uint64_t>(std::ceil(low));
  forecast.epoch_dirty_high_bytes = static_cast<std::uint64_t>(std::ceil(high));
  forecast.buffer_needed_bytes = static_cast<std::uint64_t>(std::ceil(high / converge_level));
  if (high <= room) {
    forecast.verdict = ConvergenceVerdict::kConverges;
  } else if (low <= room) {
    forecast.verdict = ConvergenceVerdict::kMayNotConverge;
  } else {
    forecast.verdict = ConvergenceVerdict::kWillNotConverge;
  }
  forecast.reason = std::string(to_string(forecast.verdict)) + ": one epoch dirties " + mib(low) +
                    " to " + mib(high) + ", the buffer has " + mib(room) +
                    " below the convergence level; a buffer of " +
                    mib(static_cast<double>(forecast.buffer_needed_bytes)) +
                    " converges whatever the working set";
  return forecast;
}

}  // namespace mycelium::placement
