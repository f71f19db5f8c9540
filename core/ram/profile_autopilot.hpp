#pragma once
// Latency profiles applied while the guest runs (DESIGN: "detected from measured RTT and applied
// automatically"; spec.latencyProfile: auto).
//
// Every `probe_period` (the first after `first_probe_delay`, so the primary has read the guest a
// few times) it measures the round trip to the primary's backups with an RttProbe (their hosts
// run an RttResponder), feeds the slowest answer to a LatencyProfileDetector (EWMA with
// hysteresis: one slow answer never switches), and, with `apply` set, reconfigures the primary
// with what the profile sets for this guest:
//   - when the detected profile differs from the one applied (the first detection included);
//   - when the primary's reads of the guest have become too slow for the applied interval (the
//     floor below rose above it by `regrow_margin`): the same profile again, its interval raised;
//   - when the guest's measured dirty rate (set_dirty_rate) asks for a buffer larger than the
//     applied one by `regrow_margin`: the same profile again, its buffer grown.
// Within one profile settings only ever grow (interval, buffer): shrinking them on a noisy
// measurement would throttle a guest that was fine.
// The interval floor is `read_cost_headroom` x the 90th percentile of the primary's recent reads
// of the guest's dirty pages (ReplicationPrimary::recent_read_cost: zero in simulation, the scan
// time on a real host), rounded up to whole milliseconds: an interval the primary cannot keep
// would only make ticks run back to back.
// The primary refuses a reconfiguration while a migration runs; the autopilot then tries again
// after the next probe. Without `apply` it detects and recommends only (spec.latencyProfile: off:
// the agent still reports what a profile would set).
//
// Sans-IO: time, timers and messages come from the Environment, so the same autopilot runs in
// the simulator and in myceliumd.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <core/env/environment.hpp>
#include <core/manifest/endophyte_vm.hpp>
#include <core/placement/latency_profile.hpp>
#include <core/placement/rtt_probe.hpp>
#include <core/ram/replication_primary.hpp>

namespace mycelium::ram {

// Ten pings 53 ms apart: see AutopilotConfig::probe.
inline placement::RttProbeConfig spread_probe() {
  placement::RttProbeConfig probe;
  probe.probes_per_target = 10;
  probe.probe_interval = std::chrono::milliseconds(53);
  return probe;
}

struct AutopilotConfig {
  // The manifest's distributedRAM: what a profile does not govern is kept from it.
  manifest::DistributedRamConfig base;
  std::uint64_t guest_memory_bytes = 0;  // caps the buffer
  bool apply = true;                     // false: detect and recommend only
  Duration first_probe_delay = std::chrono::seconds(1);
  Duration probe_period = std::chrono::seconds(30);
  // Targets: filled in from the primary's backups. The smallest of the pings is the RTT, and a
  // real primary is busy reading its guest for most of each epoch (the reads above), answering
  // late any pong that lands meanwhile: ten pings 53 ms apart span five 100 ms epochs and fall
  // at different points of them, so at least one lands while the primary is idle (the deploy
  // probe's five pings 20 ms apart fit in one epoch: once, on a loaded 2-core host, all five
  // came back late and a loopback backup measured 3.0 ms, medium).
  placement::RttProbeConfig probe = spread_probe();
  placement::DetectorConfig detector;
  // Interval floor = headroom x this quantile of the primary's recent reads: the 90th
  // percentile, because a read that waited on libvirt only delays its own tick, while every tick
  // pays the typical cost (measured under myceliumd: 90th percentile 69-78 ms, slowest 104 ms).
  double read_cost_quantile = 0.9;
  double read_cost_headroom = 2.0;
  // Within a profile, the floor or the buffer must exceed what was applied by this factor to be
  // applied again: measurements that wander around one value never ratchet the settings up.
  double regrow_margin = 1.25;
  // Called after each application (to log it); may be empty.
  std::function<void(const placement::ProfileSettings&)> on_applied;
  // What the primary already runs with, if a profile chose it (the simulator applies one at
  // deployment, from the probe that chose the backups): the same profile is not applied again.
  std::optional<placement::ProfileSettings> applied_at_start;
};

class ProfileAutopilot {
 public:
  // `primary` must outlive the autopilot; probes are sent from `env`, the primary's node.
  ProfileAutopilot(Environment& env, ReplicationPrimary& primary, AutopilotConfig config);
  ~ProfileAutopilot();
  ProfileAutopilot(const ProfileAutopilot&) = delete;
  ProfileAutopilot& operator=(const ProfileAutopilot&) = delete;

  // The guest's measured dirty rate: profiles applied from now on size the buffer for it.
  void set_dirty_rate(const placement::MeasuredDirtyRate& rate) { dirty_rate_ = rate; }

  std::optional<placement::LatencyProfile> detected() const { return detector_.current(); }
  std::optional<Duration> smoothed_rtt() const { return detector_.smoothed_rtt(); }
  // What the detected profile sets for this guest now (applied or not).
  std::optional<placement::ProfileSettings> recommended() const;
  // What was last applied to the primary, if anything was.
  const std::optional<placement::ProfileSettings>& applied() const { return applied_; }
  std::uint32_t applications() const { return applications_; }
  // The primary's last refusal ("a migration is running"), empty once an application succeeds.
  const std::string& last_refusal() const { return last_refusal_; }
  // The shortest interval the primary can keep now (see the header comment).
  Duration interval_floor() const;

 private:
  void start_probe();
  void on_measurements(const std::vector<placement::RttMeasurement>& measurements);
  void apply_if_due();

  Environment& env_;
  ReplicationPrimary& primary_;
  AutopilotConfig config_;
  placement::LatencyProfileDetector detector_;
  std::unique_ptr<placement::RttProbe> probe_;
  TimerId probe_timer_;
  std::optional<placement::MeasuredDirtyRate> dirty_rate_;
  std::optional<placement::ProfileSettings> applied_;
  std::uint32_t applications_ = 0;
  std::string last_refusal_;
};

}  // namespace mycelium::ram
