#pragma once
// The integral of a RateSchedule's write rate over simulated time, exact in integers. Each
// phase's rate is rounded once, to whole micro-pages per second; from then on everything is
// integer arithmetic, so the integral over [a, c) is exactly the integral over [a, b) plus the
// one over [b, c), whatever b is: how often a guest is read cannot change how much it wrote.

#include <cstdint>
#include <vector>

#include <core/env/time.hpp>
#include <sim/workload/uint128.hpp>
#include <sim/workload/workload_spec.hpp>

namespace mycelium::sim {

// Rates are kept in micro-pages per second; an integral over nanoseconds is therefore in units
// of 1e-6 * 1e-9 = 1e-15 pages.
inline constexpr std::uint64_t kMicroPagesPerPage = 1'000'000;
inline constexpr std::uint64_t kIntegralUnitsPerPage = 1'000'000'000'000'000;  // 1e15

class ScheduleIntegral {
 public:
  // `schedule` must be valid (validate() found no problem with it).
  explicit ScheduleIntegral(const RateSchedule& schedule);

  // The pages written at full speed over [from, to), offsets since the guest started, in units
  // of 1e-15 pages. Requires 0 <= from <= to.
  Uint128 between(Duration from, Duration to) const;

  // The index in the schedule of the phase in effect at `offset` (>= 0) since the start.
  std::size_t phase_index_at(Duration offset) const;

  // The rate phase `index` runs at, as rounded: llround(write_rate_pages_per_s * 1e6).
  std::uint64_t rate_micro_pages_per_s(std::size_t index) const { return rates_.at(index); }

 private:
  // The integral over [0, offset).
  Uint128 from_start(std::int64_t offset_nanos) const;
  // For an offset inside the first pass through the phases (below the cycle length when cycling).
  std::size_t index_within_pass(std::int64_t offset_nanos) const;

  PhaseRepeat repeat_;
  std::vector<std::uint64_t> rates_;  // micro-pages per second, per phase
  std::vector<std::int64_t> starts_;  // phase i starts at starts_[i] ns; starts_[0] = 0
  std::vector<Uint128> prefix_;       // the integral over [0, starts_[i]); size phases + 1
  std::int64_t cycle_nanos_ = 0;      // one pass through all phases (cycle only)
};

}  // namespace mycelium::sim
