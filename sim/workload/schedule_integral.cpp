#include <algorithm>
#include <cmath>

#include <core/assert.hpp>
#include <sim/workload/schedule_integral.hpp>

namespace mycelium::sim {

ScheduleIntegral::ScheduleIntegral(const RateSchedule& schedule) : repeat_(schedule.repeat) {
  const std::size_t count = schedule.phases.size();
  MYCELIUM_ASSERT(count > 0);
  rates_.reserve(count);
  starts_.reserve(count);
  prefix_.reserve(count + 1);
  std::int64_t start = 0;
  Uint128 integral = 0;
  prefix_.push_back(0);
  for (std::size_t i = 0; i < count; ++i) {
    const Phase& phase = schedule.phases[i];
    MYCELIUM_ASSERT(phase.write_rate_pages_per_s >= 0.0 &&
                    phase.write_rate_pages_per_s <= kMaxWriteRatePagesPerS);
    // The one rounding of the rate: half away from zero, to a whole micro-page per second.
    const auto rate = static_cast<std::uint64_t>(
        std::llround(phase.write_rate_pages_per_s * static_cast<double>(kMicroPagesPerPage)));
    rates_.push_back(rate);
    starts_.push_back(start);
    const bool held = repeat_ == PhaseRepeat::hold_last && i + 1 == count;
    const std::int64_t nanos = held ? 0 : phase.duration.count();
    MYCELIUM_ASSERT(held || nanos > 0);
    start += nanos;
    integral += static_cast<Uint128>(rate) * static_cast<std::uint64_t>(nanos);
    prefix_.push_back(integral);
  }
  cycle_nanos_ = start;
}

std::size_t ScheduleIntegral::index_within_pass(std::int64_t offset_nanos) const {
  // The last phase starting at or before the offset.
  const auto after = std::upper_bound(starts_.begin(), starts_.end(), offset_nanos);
  MYCELIUM_ASSERT(after != starts_.begin());
  return static_cast<std::size_t>(after - starts_.begin()) - 1;
}

std::size_t ScheduleIntegral::phase_index_at(Duration offset) const {
  MYCELIUM_ASSERT(offset >= Duration::zero());
  const std::int64_t nanos = offset.count();
  return index_within_pass(repeat_ == PhaseRepeat::cycle ? nanos % cycle_nanos_ : nanos);
}

Uint128 ScheduleIntegral::from_start(std::int64_t offset_nanos) const {
  Uint128 whole_cycles = 0;
  std::int64_t within = offset_nanos;
  if (repeat_ == PhaseRepeat::cycle) {
    // No overflow: rates are at most 1e15 micro-pages/s and offsets below 2^63 ns, so even the
    // integral from the start stays below 2^113.
    whole_cycles = static_cast<Uint128>(offset_nanos / cycle_nanos_) * prefix_.back();
    within = offset_nanos % cycle_nanos_;
  }
  const std::size_t index = index_within_pass(within);
  const auto into_phase = static_cast<std::uint64_t>(within - starts_[index]);
  return whole_cycles + prefix_[index] + static_cast<Uint128>(rates_[index]) * into_phase;
}

Uint128 ScheduleIntegral::between(Duration from, Duration to) const {
  MYCELIUM_ASSERT(Duration::zero() <= from && from <= to);
  return from_start(to.count()) - from_start(from.count());
}

}  // namespace mycelium::sim
