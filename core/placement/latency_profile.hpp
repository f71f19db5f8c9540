#pragma once
// Latency profiles (DESIGN: "LAN (short intervals, small buffer, lower threshold, emergency pause
// on) vs WAN (longer intervals, larger buffer, higher threshold, more aggressive curve, best
// effort, compression on); detected from measured RTT and applied automatically").
//
// Classes, on the round-trip time between the primary and its backups:
//   LAN     RTT <  2ms   (one switched data-centre fabric: tens to hundreds of microseconds)
//   medium  2ms .. 30ms  (campus, metro, nearby regions)
//   WAN     RTT > 30ms   (cross-country and intercontinental links)
// The detector smooths samples (EWMA) and has hysteresis: it leaves a class only when the
// smoothed RTT is beyond the boundary by a relative margin (25% by default: LAN -> medium at
// 2.5ms, medium -> LAN below 1.5ms, medium -> WAN above 37.5ms, WAN -> medium below 22.5ms) on
// a number of consecutive samples (3 by default) on which the raw sample is also beyond the
// margin in the same direction, so a single spike never switches the profile. docs/placement.md
// explains every value.
//
// apply_profile() returns a full recommended configuration for the fields the profile governs
// (replication interval, buffer size, threshold, curve, emergency pause) plus a compression flag;
// DistributedRamConfig has no "explicitly set" markers, so it cannot tell a user's value from a
// default: callers that want to keep user-set fields take only the fields they want.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <core/env/time.hpp>
#include <core/manifest/endophyte_vm.hpp>

namespace mycelium::placement {

// Declared in order of increasing RTT (the detector relies on it).
enum class LatencyProfile { kLan, kMedium, kWan };

std::string_view to_string(LatencyProfile profile);  // "lan", "medium", "wan"

// Class boundaries on RTT: LAN below kLanMaxRtt, WAN above kWanMinRtt, medium in between
// (both boundaries inclusive to medium).
inline constexpr Duration kLanMaxRtt = std::chrono::milliseconds(2);
inline constexpr Duration kWanMinRtt = std::chrono::milliseconds(30);

// Stateless classification of one RTT, without hysteresis.
LatencyProfile classify_rtt(Duration rtt);

// What a profile sets. The buffer is sized so it holds what a busy guest dirties while one epoch
// accumulates and the previous one is in flight:
//   buffer = reference dirty rate x (interval + design RTT) x headroom, rounded up to 16Mi.
struct ProfileParameters {
  Duration replication_interval{};
  Duration design_rtt{};  // the RTT the interval and buffer are sized for
  std::uint64_t buffer_bytes = 0;
  double throttle_threshold = 0.0;
  manifest::CurveType curve_type = manifest::CurveType::kExponential;
  double curve_exponent = 1.0;  // exponential curves only
  bool emergency_pause_enabled = true;
  bool compression = false;
};

inline constexpr std::uint64_t kReferenceDirtyRateBytesPerSecond = 512ull << 20;  // 512Mi/s
inline constexpr std::uint64_t kBufferHeadroom = 2;
inline constexpr std::uint64_t kBufferGranularityBytes = 16ull << 20;  // 16Mi

// reference dirty rate x window x headroom, rounded up to kBufferGranularityBytes.
std::uint64_t buffer_for_window(Duration window);

// A guest's dirty rate measured over a window (libvirt's page sampling: distinct pages changed
// over `window`): in place of the reference rate, for that guest. Pages dirtied within a span
// shorter than the window are at most rate x window (a working set rewritten over and over), so
// the buffer takes rate x max(span, window).
struct MeasuredDirtyRate {
  double bytes_per_s = 0.0;
  Duration window{};
};

// measured rate x max(window, measured.window) x headroom, rounded up to kBufferGranularityBytes.
std::uint64_t buffer_for_window(Duration window, const MeasuredDirtyRate& measured);

ProfileParameters profile_parameters(LatencyProfile profile);

struct ProfileSettings {
  LatencyProfile profile = LatencyProfile::kMedium;
  manifest::DistributedRamConfig ram;  // base with the profile's fields overridden
  bool compression = false;            // compress pages on the rhizomorph connections
  std::vector<std::string> rationale;  // one human-readable line per overridden field
};

// The base configuration with the profile's fields set: replication_interval, buffer_bytes,
// throttle_threshold, throttling_curve.type (+ exponent), emergency_pause_enabled. Every other
// field (max_intensity, resume_level, commit_policy, other curve parameters) is kept from base.
ProfileSettings apply_profile(LatencyProfile profile, const manifest::DistributedRamConfig& base);

// Same, with the buffer capped to the guest's memory rounded down to a page (the manifest
// requires bufferSize <= memorySize); a guest_memory_bytes of 0 means no cap.
ProfileSettings apply_profile(LatencyProfile profile, const manifest::DistributedRamConfig& base,
                              std::uint64_t guest_memory_bytes);

// What is known of the guest and of the backend that runs it.
struct GuestFacts {
  std::uint64_t memory_bytes = 0;  // caps the buffer; 0 = no cap
  // Sizes the buffer for this guest instead of the reference rate.
  std::optional<MeasuredDirtyRate> dirty_rate;
  // The shortest interval the backend can keep: a real primary reads the guest's memory every
  // interval (scan-and-diff of a 128Mi TCG guest takes ~25ms here), so LAN's 10ms may be out of
  // reach. The interval is raised to it and the buffer sized for the raised interval.
  Duration min_replication_interval{};
};

// Same, for everything GuestFacts says.
ProfileSettings apply_profile(LatencyProfile profile, const manifest::DistributedRamConfig& base,
                              const GuestFacts& guest);

struct DetectorConfig {
  double ewma_weight = 0.125;         // weight of the newest sample (RFC 6298's SRTT alpha)
  double margin = 0.25;               // relative distance beyond a boundary to leave a class
  std::uint32_t confirm_samples = 3;  // consecutive samples that must agree on the new class
};

struct ProfileUpdate {
  LatencyProfile profile = LatencyProfile::kMedium;  // the current profile after this sample
  bool changed = false;  // true when this sample changed it (and on the very first sample)
  Duration smoothed_rtt{};
};

// Feeds on RTT samples; reports the current profile and whether it changed. Deterministic: the
// same samples give the same answers.
class LatencyProfileDetector {
 public:
  explicit LatencyProfileDetector(DetectorConfig config = {});

  ProfileUpdate observe(Duration rtt);

  std::optional<LatencyProfile> current() const { return current_; }
  std::optional<Duration> smoothed_rtt() const;
  void reset();

 private:
  // The class the smoothed RTT indicates, leaving `current_` only beyond the margin.
  LatencyProfile hysteretic_class(double smoothed_ns) const;

  DetectorConfig config_;
  std::optional<double> smoothed_ns_;
  std::optional<LatencyProfile> current_;
  int pending_direction_ = 0;  // +1 towards WAN, -1 towards LAN, 0 none
  std::uint32_t pending_count_ = 0;
};

}  // namespace mycelium::placement
