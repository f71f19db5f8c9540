#include <algorithm>
#include <cmath>

#include <core/assert.hpp>
#include <core/ram/profile_autopilot.hpp>

namespace mycelium::ram {

ProfileAutopilot::ProfileAutopilot(Environment& env, ReplicationPrimary& primary,
                                   AutopilotConfig config)
    : env_(env),
      primary_(primary),
      config_(std::move(config)),
      detector_(config_.detector),
      applied_(config_.applied_at_start) {
  MYCELIUM_ASSERT(config_.probe_period > Duration::zero());
  MYCELIUM_ASSERT(config_.first_probe_delay >= Duration::zero());
  MYCELIUM_ASSERT(config_.read_cost_headroom >= 1.0);
  MYCELIUM_ASSERT(config_.regrow_margin >= 1.0);
  config_.probe.targets = primary_.config().backups;
  probe_timer_ = env_.schedule_once(config_.first_probe_delay, [this] { start_probe(); });
}

ProfileAutopilot::~ProfileAutopilot() {
  env_.cancel_timer(probe_timer_);
}

Duration ProfileAutopilot::interval_floor() const {
  const double read_ns =
      static_cast<double>(primary_.recent_read_cost(config_.read_cost_quantile).count()) *
      config_.read_cost_headroom;
  constexpr double kMillisecondNs = 1e6;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(read_ns / kMillisecondNs)));
}

std::optional<placement::ProfileSettings> ProfileAutopilot::recommended() const {
  const std::optional<placement::LatencyProfile> profile = detector_.current();
  if (!profile) return std::nullopt;
  const placement::GuestFacts guest{config_.guest_memory_bytes, dirty_rate_, interval_floor()};
  return placement::apply_profile(*profile, config_.base, guest);
}

void ProfileAutopilot::start_probe() {
  probe_.reset();  // the previous one finished; never destroyed inside its own callback
  if (primary_.stopped()) return;  // migrated away: nothing left to tune
  probe_ = std::make_unique<placement::RttProbe>(
      env_, config_.probe, [this](const std::vector<placement::RttMeasurement>& measurements) {
        on_measurements(measurements);
      });
}

void ProfileAutopilot::on_measurements(const std::vector<placement::RttMeasurement>& measurements) {
  // Every epoch must reach every backup: the slowest one sets the profile.
  std::optional<Duration> slowest;
  for (const placement::RttMeasurement& measured : measurements) {
    if (measured.rtt) slowest = std::max(slowest.value_or(Duration::zero()), *measured.rtt);
  }
  if (slowest) {
    const placement::ProfileUpdate update = detector_.observe(*slowest);
    MetricsSink& metrics = env_.metrics();
    metrics.record("latency_profile_rtt_ms", env_.now(), to_seconds(update.smoothed_rtt) * 1e3);
    metrics.record("latency_profile", env_.now(), static_cast<double>(update.profile));
    if (config_.apply) apply_if_due();
  }
  probe_timer_ = env_.schedule_once(config_.probe_period, [this] { start_probe(); });
}

void ProfileAutopilot::apply_if_due() {
  const std::optional<placement::ProfileSettings> settings = recommended();
  if (!settings) return;
  const bool new_profile = !applied_ || applied_->profile != settings->profile;
  const auto beyond = [this](double wanted, double applied) {
    return wanted > applied * config_.regrow_margin;
  };
  const bool reads_too_slow =
      applied_ && beyond(static_cast<double>(interval_floor().count()),
                         static_cast<double>(applied_->ram.replication_interval.count()));
  const bool guest_busier = applied_ && beyond(static_cast<double>(settings->ram.buffer_bytes),
                                               static_cast<double>(applied_->ram.buffer_bytes));
  if (!new_profile && !reads_too_slow && !guest_busier) return;
  if (std::string refusal = primary_.reconfigure(settings->ram); !refusal.empty()) {
    last_refusal_ = std::move(refusal);
    env_.metrics().add_counter("latency_profile_refusals_total", 1);
    return;
  }
  last_refusal_.clear();
  applied_ = settings;
  ++applications_;
  env_.metrics().add_counter("latency_profile_applications_total", 1);
  if (config_.on_applied) config_.on_applied(*applied_);
}

}  // namespace mycelium::ram
