#pragma once
// Throttle policies: from what the replication buffer did in the last epoch to how hard to slow
// the guest in the next. Buffer level = buffered bytes / bufferSize, in [0, 1].
//
// Curves (stateless, DESIGN's definitions): at or below the threshold t the intensity is 0;
// above it, with x = (level - t) / (1 - t):
//   linear       i = max * x
//   exponential  i = max * x^k
//   custom       i = min(max, piecewise-linear interpolation of the control points at x)
// Policies with memory, for comparison on the same scenarios:
//   auto-converge  QEMU-like stepper: the first epoch above the threshold that did not drain
//                  throttles at `initial`; each further such epoch adds `increment` (tail-slow:
//                  no more than what would balance dirtying against sending); epochs at or below
//                  the threshold step back down by `increment`.
//   feedback       PI controller on (level - setpoint), setpoint defaulting to the threshold,
//                  integrator clamped to [0, max] (anti-windup).
// `maxIntensity` caps every policy.

#include <cstdint>
#include <memory>
#include <string_view>

#include <core/env/time.hpp>
#include <core/manifest/endophyte_vm.hpp>

namespace mycelium::ram {

// What one epoch looked like, as the primary measured it.
struct EpochObservation {
  double buffer_level = 0.0;        // at the end of the epoch, in [0, 1]
  std::uint64_t dirtied_bytes = 0;  // new dirty data the guest produced in the epoch
  std::uint64_t sent_bytes = 0;     // data the connections carried in the epoch
  Duration epoch_length{};          // time since the previous observation
};

class ThrottlePolicy {
 public:
  virtual ~ThrottlePolicy() = default;

  // The intensity for the next epoch, in [0, max_intensity].
  virtual double next_intensity(const EpochObservation& observation) = 0;
  // Forget history (after a failover or migration).
  virtual void reset() = 0;
};

// The intensity a stateless curve gives at `buffer_level`; 0 for the stateful types.
double curve_intensity(const manifest::ThrottlingCurve& curve, double threshold,
                       double max_intensity, double buffer_level);

// The policy the configuration names.
std::unique_ptr<ThrottlePolicy> make_throttle_policy(const manifest::DistributedRamConfig& config);

}  // namespace mycelium::ram
