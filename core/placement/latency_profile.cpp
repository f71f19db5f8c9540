#include <algorithm>
#include <cmath>
#include <limits>

#include <core/assert.hpp>
#include <core/manifest/quantity.hpp>
#include <core/placement/latency_profile.hpp>

namespace mycelium::placement {
namespace {

using namespace std::chrono_literals;
using manifest::CurveType;

constexpr std::uint64_t kPageBytes = 4096;  // the manifest's bufferSize granularity

// The per-profile choices; docs/placement.md has the same table with the reasoning in prose.
ProfileParameters make_parameters(LatencyProfile profile) {
  ProfileParameters p;
  switch (profile) {
    case LatencyProfile::kLan:
      // 10ms: at least 5x the largest LAN RTT, so an epoch's acknowledgement is back well before
      // the next epoch closes and the commit lag (~interval + RTT = 12ms) stays small. Shorter
      // intervals would cost more per-epoch overhead than they save in RPO.
      p.replication_interval = 10ms;
      p.design_rtt = kLanMaxRtt;
      // 0.6: throttle early but gently (x^2): a LAN drains a 16Mi buffer in ~13ms at 10Gb/s, so
      // short bursts pass untouched and the emergency pause is the cheap backstop.
      p.throttle_threshold = 0.6;
      p.curve_type = CurveType::kExponential;
      p.curve_exponent = 2.0;
      // Pause on: a pause lasts only as long as the drain (milliseconds), and no committed state
      // is lost. Compression off: at 10Gb/s+ it costs more CPU time than it saves on the wire.
      p.emergency_pause_enabled = true;
      p.compression = false;
      break;
    case LatencyProfile::kMedium:
      // 100ms (the manifest default): at least 3x the largest medium RTT (30ms).
      p.replication_interval = 100ms;
      p.design_rtt = kWanMinRtt;
      // Between LAN and WAN: DESIGN's default threshold with a linear curve.
      p.throttle_threshold = 0.7;
      p.curve_type = CurveType::kLinear;
      p.curve_exponent = 1.0;
      // Pause still on (a drain of the buffer takes about a second at 1Gb/s); compression on,
      // since metro links carry an order of magnitude less than a LAN and pages compress 2-4x.
      p.emergency_pause_enabled = true;
      p.compression = true;
      break;
    case LatencyProfile::kWan:
      // 500ms: ~3x a typical intercontinental RTT (150ms), fewer and larger epochs amortise the
      // per-epoch round trip and compress better; well inside the manifest's 1s maximum.
      p.replication_interval = 500ms;
      p.design_rtt = 150ms;
      // 0.8: the larger buffer absorbs ordinary bursts untouched; once above the threshold the
      // curve is concave (x^0.5, above linear at every x in (0, 1): half of the maximum
      // intensity a quarter of the way up) so throttling bites before the buffer overflows.
      p.throttle_threshold = 0.8;
      p.curve_type = CurveType::kExponential;
      p.curve_exponent = 0.5;
      // Best effort: pausing a guest for the seconds a WAN needs to drain is worse than marking
      // the backups stale; compression on: WAN bandwidth is the scarce resource.
      p.emergency_pause_enabled = false;
      p.compression = true;
      break;
  }
  p.buffer_bytes = buffer_for_window(p.replication_interval + p.design_rtt);
  return p;
}

std::string percent(double fraction) {
  return std::to_string(static_cast<int>(std::lround(fraction * 100.0))) + "%";
}

}  // namespace

std::string_view to_string(LatencyProfile profile) {
  switch (profile) {
    case LatencyProfile::kLan:
      return "lan";
    case LatencyProfile::kMedium:
      return "medium";
    case LatencyProfile::kWan:
      return "wan";
  }
  return "?";
}

LatencyProfile classify_rtt(Duration rtt) {
  if (rtt < kLanMaxRtt) return LatencyProfile::kLan;
  if (rtt > kWanMinRtt) return LatencyProfile::kWan;
  return LatencyProfile::kMedium;
}

std::uint64_t buffer_for_window(Duration window) {
  MYCELIUM_ASSERT(window >= Duration::zero());
  // Microseconds keep the product exact and far from overflow for windows up to hours.
  const auto micros = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(window).count());
  MYCELIUM_ASSERT(micros <= std::numeric_limits<std::uint64_t>::max() /
                                (kReferenceDirtyRateBytesPerSecond * kBufferHeadroom));
  const std::uint64_t bytes =
      kReferenceDirtyRateBytesPerSecond * kBufferHeadroom * micros / 1'000'000;
  const std::uint64_t granules = (bytes + kBufferGranularityBytes - 1) / kBufferGranularityBytes;
  return std::max<std::uint64_t>(granules, 1) * kBufferGranularityBytes;
}

std::uint64_t buffer_for_window(Duration window, const MeasuredDirtyRate& measured) {
  MYCELIUM_ASSERT(window >= Duration::zero() && measured.window >= Duration::zero());
  MYCELIUM_ASSERT(measured.bytes_per_s >= 0.0 && std::isfinite(measured.bytes_per_s));
  const double span_s = to_seconds(std::max(window, measured.window));
  const double bytes = measured.bytes_per_s * span_s * static_cast<double>(kBufferHeadroom);
  const double granules = std::ceil(bytes / static_cast<double>(kBufferGranularityBytes));
  MYCELIUM_ASSERT(granules < 1e12);  // a rate of petabytes per second is not a measurement
  return std::max<std::uint64_t>(static_cast<std::uint64_t>(granules), 1) * kBufferGranularityBytes;
}

ProfileParameters profile_parameters(LatencyProfile profile) {
  return make_parameters(profile);
}

ProfileSettings apply_profile(LatencyProfile profile, const manifest::DistributedRamConfig& base) {
  return apply_profile(profile, base, 0);
}

ProfileSettings apply_profile(LatencyProfile profile, const manifest::DistributedRamConfig& base,
                              std::uint64_t guest_memory_bytes) {
  return apply_profile(profile, base, GuestFacts{guest_memory_bytes, std::nullopt, {}});
}

ProfileSettings apply_profile(LatencyProfile profile, const manifest::DistributedRamConfig& base,
                              const GuestFacts& guest) {
  MYCELIUM_ASSERT(guest.min_replication_interval >= Duration::zero());
  ProfileParameters p = make_parameters(profile);
  // The manifest's ceiling on replicationInterval (1s) bounds the floor too.
  const Duration floor = std::min<Duration>(guest.min_replication_interval, 1s);
  const bool raised = floor > p.replication_interval;
  if (raised) {
    p.replication_interval = floor;
    p.buffer_bytes = buffer_for_window(p.replication_interval + p.design_rtt);
  }
  const std::uint64_t guest_memory_bytes = guest.memory_bytes;
  const std::optional<MeasuredDirtyRate>& measured = guest.dirty_rate;
  ProfileSettings out;
  out.profile = profile;
  out.ram = base;
  out.compression = p.compression;
  const std::string name(to_string(profile));

  out.ram.replication_interval = p.replication_interval;
  out.rationale.push_back(name + ": replicationInterval " +
                          manifest::format_duration(p.replication_interval) +
                          (raised ? ", raised to the shortest interval this backend keeps"
                                  : ", sized so an epoch's acknowledgement (design RTT " +
                                        manifest::format_duration(p.design_rtt) +
                                        ") returns within the next interval"));

  std::uint64_t buffer = p.buffer_bytes;
  std::string buffer_note = "reference dirty rate 512Mi/s x (interval + design RTT) x " +
                            std::to_string(kBufferHeadroom) + ", rounded up to 16Mi";
  if (measured) {
    buffer = buffer_for_window(p.replication_interval + p.design_rtt, *measured);
    buffer_note =
        "measured dirty rate " +
        manifest::format_byte_quantity(static_cast<std::uint64_t>(measured->bytes_per_s)) +
        "/s (over " + manifest::format_duration(measured->window) +
        ") x max(interval + design RTT, that window) x " + std::to_string(kBufferHeadroom) +
        ", rounded up to 16Mi";
  }
  if (guest_memory_bytes > 0) {
    const std::uint64_t cap = std::max(kPageBytes, guest_memory_bytes / kPageBytes * kPageBytes);
    if (buffer > cap) {
      buffer = cap;
      buffer_note += ", capped to the guest memory";
    }
  }
  out.ram.buffer_bytes = buffer;
  out.rationale.push_back(name + ": bufferSize " + manifest::format_byte_quantity(buffer) + ": " +
                          buffer_note);

  out.ram.throttle_threshold = p.throttle_threshold;
  out.ram.throttling_curve.type = p.curve_type;
  if (p.curve_type == CurveType::kExponential) out.ram.throttling_curve.exponent = p.curve_exponent;
  out.rationale.push_back(
      name + ": throttling from buffer level " + percent(p.throttle_threshold) + ", " +
      (p.curve_type == CurveType::kLinear
           ? std::string("linear curve")
           : "exponential curve, exponent " + std::to_string(p.curve_exponent).substr(0, 3)));

  out.ram.emergency_pause_enabled = p.emergency_pause_enabled;
  out.rationale.push_back(name + (p.emergency_pause_enabled
                                      ? ": emergency pause on (a full buffer drains quickly)"
                                      : ": best effort (pausing for a WAN drain costs more than "
                                        "stale backups)"));
  out.rationale.push_back(name + (p.compression ? ": compression on" : ": compression off"));
  return out;
}

LatencyProfileDetector::LatencyProfileDetector(DetectorConfig config) : config_(config) {
  MYCELIUM_ASSERT(config_.ewma_weight > 0.0 && config_.ewma_weight <= 1.0);
  MYCELIUM_ASSERT(config_.margin >= 0.0 && config_.margin < 1.0);
  MYCELIUM_ASSERT(config_.confirm_samples >= 1);
}

std::optional<Duration> LatencyProfileDetector::smoothed_rtt() const {
  if (!smoothed_ns_) return std::nullopt;
  return Duration(std::llround(*smoothed_ns_));
}

void LatencyProfileDetector::reset() {
  smoothed_ns_.reset();
  current_.reset();
  pending_direction_ = 0;
  pending_count_ = 0;
}

LatencyProfile LatencyProfileDetector::hysteretic_class(double smoothed_ns) const {
  const double lan = static_cast<double>(kLanMaxRtt.count());
  const double wan = static_cast<double>(kWanMinRtt.count());
  const double up = 1.0 + config_.margin;
  const double down = 1.0 - config_.margin;
  switch (*current_) {
    case LatencyProfile::kLan:
      if (smoothed_ns > wan * up) return LatencyProfile::kWan;
      if (smoothed_ns >= lan * up) return LatencyProfile::kMedium;
      return LatencyProfile::kLan;
    case LatencyProfile::kMedium:
      if (smoothed_ns < lan * down) return LatencyProfile::kLan;
      if (smoothed_ns > wan * up) return LatencyProfile::kWan;
      return LatencyProfile::kMedium;
    case LatencyProfile::kWan:
      if (smoothed_ns < lan * down) return LatencyProfile::kLan;
      if (smoothed_ns <= wan * down) return LatencyProfile::kMedium;
      return LatencyProfile::kWan;
  }
  return *current_;
}

ProfileUpdate LatencyProfileDetector::observe(Duration rtt) {
  MYCELIUM_ASSERT(rtt >= Duration::zero());
  const double sample = static_cast<double>(rtt.count());
  ProfileUpdate update;
  if (!smoothed_ns_) {
    // First sample: nothing to be hysteretic about.
    smoothed_ns_ = sample;
    current_ = classify_rtt(rtt);
    update.profile = *current_;
    update.changed = true;
    update.smoothed_rtt = rtt;
    return update;
  }
  *smoothed_ns_ += config_.ewma_weight * (sample - *smoothed_ns_);
  const LatencyProfile indicated = hysteretic_class(*smoothed_ns_);
  const LatencyProfile raw = hysteretic_class(sample);
  // A sample counts toward a change only when both the smoothed RTT and the sample itself are
  // beyond the margin, in the same direction: one spike moves the EWMA for many samples, but is
  // followed by ordinary samples that reset the count.
  const auto rank = [](LatencyProfile profile) { return static_cast<int>(profile); };
  const int direction = rank(indicated) - rank(*current_);
  const int raw_direction = rank(raw) - rank(*current_);
  const bool agrees =
      direction != 0 && (direction > 0) == (raw_direction > 0) && raw_direction != 0;
  if (!agrees) {
    pending_direction_ = 0;
    pending_count_ = 0;
  } else {
    const int sign = direction > 0 ? 1 : -1;
    if (pending_direction_ == sign) {
      ++pending_count_;
    } else {
      pending_direction_ = sign;
      pending_count_ = 1;
    }
    if (pending_count_ >= config_.confirm_samples) {
      current_ = indicated;
      pending_direction_ = 0;
      pending_count_ = 0;
      update.changed = true;
    }
  }
  update.profile = *current_;
  update.smoothed_rtt = *smoothed_rtt();
  return update;
}

}  // namespace mycelium::placement
