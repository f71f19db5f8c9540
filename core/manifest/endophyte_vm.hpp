#pragma once
// kind: EndophyteVM — an unmodified VM made fault tolerant by distributed RAM replication
// (seed: EndophyteDeployment, DistributedRAMConfig, RhizomorphConnectionConfig).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <core/manifest/enum_names.hpp>
#include <core/manifest/object_meta.hpp>

namespace mycelium::manifest {

// The first three map buffer level to intensity (DESIGN: linear, exponential, custom); the last
// two are policies with memory, for comparison: a QEMU-auto-converge-like stepper and a PI
// feedback controller on the buffer level.
enum class CurveType { kLinear, kExponential, kCustom, kAutoConverge, kFeedback };
inline constexpr EnumNames<CurveType, 5> kCurveTypeNames{{{
    {CurveType::kLinear, "linear"},
    {CurveType::kExponential, "exponential"},
    {CurveType::kCustom, "custom"},
    {CurveType::kAutoConverge, "auto-converge"},
    {CurveType::kFeedback, "feedback"},
}}};

enum class CommitPolicy { kAll, kQuorum };
inline constexpr EnumNames<CommitPolicy, 2> kCommitPolicyNames{{{
    {CommitPolicy::kAll, "all"},
    {CommitPolicy::kQuorum, "quorum"},
}}};

enum class LoadBalancing {
  kAdaptiveBandwidth,
  kLatencyOptimized,
  kWeightedRoundRobin,
  kLeastConnections
};
inline constexpr EnumNames<LoadBalancing, 4> kLoadBalancingNames{{{
    {LoadBalancing::kAdaptiveBandwidth, "adaptive-bandwidth"},
    {LoadBalancing::kLatencyOptimized, "latency-optimized"},
    {LoadBalancing::kWeightedRoundRobin, "weighted-round-robin"},
    {LoadBalancing::kLeastConnections, "least-connections"},
}}};

enum class BackupSelection { kLatencyOptimized, kBandwidthOptimized, kZoneDiverse, kLeastLoaded };
inline constexpr EnumNames<BackupSelection, 4> kBackupSelectionNames{{{
    {BackupSelection::kLatencyOptimized, "latency-optimized"},
    {BackupSelection::kBandwidthOptimized, "bandwidth-optimized"},
    {BackupSelection::kZoneDiverse, "zone-diverse"},
    {BackupSelection::kLeastLoaded, "least-loaded"},
}}};

// spec.latencyProfile: `auto` detects the profile (LAN, medium, WAN) from the measured round trip
// to the backups and applies its settings over distributedRAM's, re-applying when the profile
// changes (core/ram/profile_autopilot.hpp); `off` keeps distributedRAM as written.
enum class LatencyProfileMode { kOff, kAuto };
inline constexpr EnumNames<LatencyProfileMode, 2> kLatencyProfileModeNames{{{
    {LatencyProfileMode::kOff, "off"},
    {LatencyProfileMode::kAuto, "auto"},
}}};

struct OsConfig {
  std::string type;           // e.g. ubuntu-20.04
  std::string customization;  // optional; empty when not set

  bool operator==(const OsConfig&) const = default;
};

struct VirtualMachineSpec {
  std::uint32_t cpu_cores = 1;
  std::uint64_t memory_bytes = 0;
  std::uint64_t disk_bytes = 0;
  OsConfig os_config;

  bool operator==(const VirtualMachineSpec&) const = default;
};

// One control point of a custom curve: at normalised level x, intensity i.
struct CurvePoint {
  double x = 0.0;
  double intensity = 0.0;

  bool operator==(const CurvePoint&) const = default;
};

struct ThrottlingCurve {
  CurveType type = CurveType::kExponential;
  double exponent = 2.0;           // exponential only
  std::vector<CurvePoint> points;  // custom only: x strictly increasing from 0 to 1, monotone
  // auto-converge only: first step, step per round that did not converge, and QEMU's tail-slow
  // (a step no larger than what would balance dirtying against sending).
  double initial = 0.2;
  double increment = 0.1;
  bool tail_slow = true;
  // feedback only: PI on (buffer level - setpoint); the setpoint defaults to the threshold.
  std::optional<double> setpoint;
  double proportional_gain = 2.0;    // intensity per unit of level error
  double integral_gain_per_s = 1.0;  // intensity per unit of level error per second

  bool operator==(const ThrottlingCurve&) const = default;
};

struct DistributedRamConfig {
  std::uint64_t buffer_bytes = 0;
  double throttle_threshold = 0.7;  // buffer level above which throttling starts, in (0, 1)
  ThrottlingCurve throttling_curve;
  double max_intensity = 0.9;  // cap on the fraction of guest CPU removed, in (0, 1]
  bool emergency_pause_enabled = true;
  double resume_level = 0.8;  // buffer level at which a paused guest resumes, in (0, 1)
  std::chrono::nanoseconds replication_interval = std::chrono::milliseconds(100);
  CommitPolicy commit_policy = CommitPolicy::kAll;

  bool operator==(const DistributedRamConfig&) const = default;
};

struct RhizomorphConfig {
  std::uint32_t target_count = 2;
  LoadBalancing load_balancing = LoadBalancing::kAdaptiveBandwidth;

  bool operator==(const RhizomorphConfig&) const = default;
};

struct BackupStrategy {
  std::uint32_t node_count = 2;
  BackupSelection selection_criteria = BackupSelection::kLatencyOptimized;

  bool operator==(const BackupStrategy&) const = default;
};

struct PerformanceConfig {
  bool cpu_pinning = false;
  bool huge_pages = false;
  bool sriov_networking = false;

  bool operator==(const PerformanceConfig&) const = default;
};

struct EndophyteVM {
  ObjectMeta metadata;
  VirtualMachineSpec vm_spec;
  DistributedRamConfig distributed_ram;
  RhizomorphConfig rhizomorph_connections;
  BackupStrategy backup_strategy;
  PerformanceConfig performance_config;
  LatencyProfileMode latency_profile = LatencyProfileMode::kOff;

  bool operator==(const EndophyteVM&) const = default;
};

}  // namespace mycelium::manifest
