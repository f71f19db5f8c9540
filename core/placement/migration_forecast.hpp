#pragma once
// Will a planned migration converge? Phase 1 throttles the guest until the buffer is at most
// converge_level full; so what the guest dirties in one epoch must fit in converge_level x buffer
// (docs/replication.md, "Planned migration"). This forecasts that from a dirty-rate measurement
// taken over a window W (libvirt's page-sampling calculation, real/vm/libvirt_driver.hpp:
// distinct pages changed across W, 1 s or more, as bytes per second).
//
// Distinct pages dirtied in a window grow with the window, never faster than linearly, and never
// beyond a working set rewritten over and over; so for an epoch T shorter than W,
//   rate x T  <=  d(T)  <=  rate x W,
// and d(T) = rate x T when T >= W. Throttling takes CPU time from the guest, which need not shrink
// the set of pages a hot loop rewrites, so neither bound counts on it. The verdict:
//   converges          the buffer fits even the upper bound: the migration converges whatever
//                      the working set (with emergency pause, whatever the throttle does);
//   may not converge   the buffer fits the lower bound only: it converges if the guest's writes
//                      spread out (or throttling slows them), not if a small set is rewritten;
//   will not converge  the buffer does not fit the lower bound.
// Measured on the kvm test guest (a 4 MiB working set rewritten thousands of times a second):
// 6 MiB/s over 1 s; the protocol's scan finds 4.1 MiB per 100 ms epoch, inside the bounds
// 0.6 .. 6 MiB; at level 0.05 a 64 MiB buffer "may not converge" (measured: it never did) and
// 128 MiB "converges" (it did). Pure: no clock, no I/O.

#include <cstdint>
#include <string>
#include <string_view>

#include <core/env/time.hpp>

namespace mycelium::placement {

enum class ConvergenceVerdict { kConverges, kMayNotConverge, kWillNotConverge };
std::string_view to_string(ConvergenceVerdict verdict);  // "converges", "may not converge", ...

struct ConvergenceForecast {
  ConvergenceVerdict verdict = ConvergenceVerdict::kConverges;
  std::uint64_t epoch_dirty_low_bytes = 0;   // rate x min(T, W)
  std::uint64_t epoch_dirty_high_bytes = 0;  // rate x max(T, W)
  // The buffer that makes the verdict "converges": epoch_dirty_high_bytes / converge_level.
  std::uint64_t buffer_needed_bytes = 0;
  std::string reason;  // one line with the figures
};

// `dirty_bytes_per_s` >= 0 measured over `measured_over` > 0; `epoch` > 0; `converge_level` in
// (0, 1).
ConvergenceForecast forecast_convergence(double dirty_bytes_per_s, Duration measured_over,
                                         Duration epoch, std::uint64_t buffer_bytes,
                                         double converge_level);

}  // namespace mycelium::placement
