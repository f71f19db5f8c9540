#pragma once
// A simulated guest: a VmActuator whose writes follow a WorkloadSpec. It is evaluated lazily:
// nothing happens between calls; each call first accounts for the time since the previous one
// under the state in effect during it (running or paused, throttle intensity), integrating
// exactly across phase boundaries, then does its own job.
//
// Semantics, per second of simulated time:
//   - paused: no work, no writes;
//   - running at throttle intensity i: (1 - i) seconds of unthrottled work ("progress"), and
//     (1 - i) x the current phase's write_rate_pages_per_s page writes.
// read_dirty_pages() draws each write's page from the popularity and reports the distinct
// pages, sorted. With a page group g > 1 (WorkloadSpec::page_group) it draws one page per g
// writes and reports the distinct groups, as pages of g x page_size_bytes.
//
// Rounding rule (why counts are exact and independent of how often the guest is read): each
// phase rate is rounded once to whole micro-pages per second (llround(rate * 1e6)) and each
// intensity once to whole nano-units of speed (llround((1 - i) * 1e9)); from there everything
// is integer. The writes of an interval are floor((carry + rate x speed x nanoseconds) / 1e24)
// and the remainder is carried, so over any span of constant state the writes equal the exact
// integral rounded down, however the span is split into reads. Write k (counting from the
// guest's start) always takes the k-th page from the random stream, so the same seed and the
// same state changes at the same times give the same pages, whatever the reads in between.

#include <cstdint>
#include <functional>
#include <vector>

#include <core/env/random_stream.hpp>
#include <core/env/time.hpp>
#include <core/env/vm_actuator.hpp>
#include <sim/workload/page_sampler.hpp>
#include <sim/workload/page_set_builder.hpp>
#include <sim/workload/schedule_integral.hpp>
#include <sim/workload/uint128.hpp>
#include <sim/workload/workload_spec.hpp>

namespace mycelium::sim {

class SimulatedGuest final : public VmActuator {
 public:
  using Clock = std::function<TimePoint()>;

  // `spec` must be valid (validate(spec) empty; otherwise the problems are printed and the
  // process aborts). The guest starts running, unthrottled, at clock(), and its schedule starts
  // there. The clock must never go backwards.
  SimulatedGuest(WorkloadSpec spec, RandomStream random, Clock clock);

  // --- VmActuator ---
  void set_throttle_intensity(double intensity) override;
  double throttle_intensity() const override { return intensity_; }
  void pause() override;
  void resume() override;
  bool is_paused() const override { return paused_; }
  DirtyPages read_dirty_pages() override;
  std::uint64_t memory_bytes() const override { return spec_.memory_bytes; }

  // --- for scenarios, results and tests; each accounts up to now first ---
  // Seconds of unthrottled work done since the start: the integral of (1 - i) while running.
  double progress_s();
  // Page writes made since the start, read or not yet read.
  std::uint64_t writes_total();
  // The sum of the sizes of every read_dirty_pages() result so far (tracked pages).
  std::uint64_t dirtied_pages_total() const { return dirtied_pages_total_; }
  // From now on, remember when each page was last read (8 bytes per page of the working set):
  // what a failover loses is the distinct memory written since the restored snapshot.
  void remember_last_reads();
  // Tracked pages whose last read_dirty_pages() was after `snapshot` (needs
  // remember_last_reads()).
  std::uint64_t pages_read_after(TimePoint snapshot) const;
  // The phase in effect now.
  const Phase& current_phase() const;

  const WorkloadSpec& spec() const { return spec_; }

 private:
  // Brings the writes and progress up to clock().
  void account();

  WorkloadSpec spec_;
  RandomStream random_;
  Clock clock_;
  ScheduleIntegral integral_;
  PageSampler sampler_;
  PageSetBuilder page_set_;

  TimePoint start_;
  TimePoint accounted_until_;
  double intensity_ = 0.0;
  std::uint64_t speed_nano_ = 1'000'000'000;  // llround((1 - intensity_) * 1e9)
  bool paused_ = false;

  Uint128 write_carry_ = 0;           // a fraction of a write, in 1e-24 pages (below 1e24)
  unsigned group_shift_ = 0;          // log2(page_group)
  std::uint64_t writes_unread_ = 0;   // writes made but not yet read by read_dirty_pages()
  std::uint64_t writes_undrawn_ = 0;  // read, but short of a whole page group (< page_group)
  std::uint64_t writes_total_ = 0;
  Uint128 progress_units_ = 0;  // in 1e-18 s: speed (1e-9) x nanoseconds
  std::uint64_t dirtied_pages_total_ = 0;
  std::vector<TimePoint> last_read_;  // per page of the working set, once remembered
};

}  // namespace mycelium::sim
