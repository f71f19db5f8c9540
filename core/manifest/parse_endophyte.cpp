#include <array>

#include <core/manifest/parsers.hpp>
#include <core/manifest/quantity.hpp>

namespace mycelium::manifest::detail {

namespace {

constexpr std::uint64_t kMinMemoryBytes = 64ULL << 20;  // below this no OS boots
constexpr std::uint64_t kPageBytes = 4096;
constexpr std::int64_t kMaxCpuCores = 1024;
constexpr std::int64_t kMaxBackupNodes = 16;
constexpr std::int64_t kMaxConnections = 64;
constexpr double kMaxExponent = 16.0;
constexpr std::size_t kMaxCurvePoints = 64;

void parse_vm_spec(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                   VirtualMachineSpec& out) {
  MappingReader vm(reader, node, "spec.vmSpec", where,
                   {"cpuCores", "memorySize", "diskSize", "osConfig"});
  if (!vm.valid()) return;
  vm.required("cpuCores", out.cpu_cores, IntegerField<std::uint32_t>{reader, 1, kMaxCpuCores});
  vm.required("memorySize", out.memory_bytes, ByteQuantityField{reader, kMinMemoryBytes});
  vm.required("diskSize", out.disk_bytes, ByteQuantityField{reader, 1});
  const auto os = vm.find("osConfig");
  if (!os) {
    vm.report_missing("osConfig", "a mapping with a type");
    return;
  }
  MappingReader os_config(reader, os->first, "spec.vmSpec.osConfig", os->second,
                          {"type", "customization"});
  if (!os_config.valid()) return;
  os_config.required("type", out.os_config.type, StringField{reader});
  os_config.optional("customization", out.os_config.customization, StringField{reader});
}

// Control points "[x, intensity]": at least two, x from exactly 0 to exactly 1 and strictly
// increasing, intensity in [0, 1] and never decreasing (a throttle that eases off as the buffer
// fills would make the controller oscillate).
void parse_curve_points(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                        const std::string& path, std::vector<CurvePoint>& out) {
  if (!node.IsSequence() || node.size() < 2 || node.size() > kMaxCurvePoints) {
    reader.error(where, path,
                 "expected a list of 2 to " + std::to_string(kMaxCurvePoints) +
                     " control points [x, intensity], got " + describe_node(node));
    return;
  }
  const NumberField unit_interval{reader, 0.0, 1.0};
  bool all_read = true;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const YAML::Node pair = node[i];
    const std::string point_path = path + "[" + std::to_string(i) + "]";
    const SourceLocation point_where = reader.location(pair, where);
    if (!pair.IsSequence() || pair.size() != 2) {
      reader.error(point_where, point_path,
                   "expected a control point [x, intensity], got " + describe_node(pair));
      all_read = false;
      continue;
    }
    const auto x =
        unit_interval(pair[0], reader.location(pair[0], point_where), point_path + "[0]");
    const auto intensity =
        unit_interval(pair[1], reader.location(pair[1], point_where), point_path + "[1]");
    if (!x || !intensity) {
      all_read = false;
      continue;
    }
    out.push_back(CurvePoint{*x, *intensity});
  }
  if (!all_read) return;
  // Each message points at the offending number itself.
  const auto at = [&](std::size_t point, std::size_t coordinate) {
    return reader.location(node[point][coordinate], reader.location(node[point], where));
  };
  if (out.front().x != 0.0) {
    reader.error(at(0, 0), path + "[0][0]",
                 "expected the first control point at x = 0, got x = " + describe_node(node[0][0]));
  }
  if (out.back().x != 1.0) {
    const std::size_t last = out.size() - 1;
    reader.error(
        at(last, 0), path + "[" + std::to_string(last) + "][0]",
        "expected the last control point at x = 1, got x = " + describe_node(node[last][0]));
  }
  for (std::size_t i = 1; i < out.size(); ++i) {
    const std::string point_path = path + "[" + std::to_string(i) + "]";
    if (out[i].x <= out[i - 1].x) {
      reader.error(at(i, 0), point_path + "[0]",
                   "expected x to increase strictly: " + describe_node(node[i][0]) + " follows " +
                       describe_node(node[i - 1][0]));
    }
    if (out[i].intensity < out[i - 1].intensity) {
      reader.error(at(i, 1), point_path + "[1]",
                   "expected a monotone curve: intensity " + describe_node(node[i][1]) +
                       " is below the previous point's " + describe_node(node[i - 1][1]));
    }
  }
}

// Which curve type each parameter belongs to, so a parameter given to another type is named.
struct CurveParameter {
  std::string_view key;
  CurveType owner;
};
constexpr std::array<CurveParameter, 8> kCurveParameters{{
    {"exponent", CurveType::kExponential},
    {"points", CurveType::kCustom},
    {"initial", CurveType::kAutoConverge},
    {"increment", CurveType::kAutoConverge},
    {"tailSlow", CurveType::kAutoConverge},
    {"setpoint", CurveType::kFeedback},
    {"proportionalGain", CurveType::kFeedback},
    {"integralGainPerSecond", CurveType::kFeedback},
}};

// Either a bare type ("exponential") or a mapping with the type and its parameters.
void parse_curve(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                 const std::string& path, ThrottlingCurve& out) {
  const EnumField curve_type{reader, kCurveTypeNames};
  if (node.IsScalar()) {
    const auto type = curve_type(node, where, path);
    if (!type) return;
    out.type = *type;
    if (out.type == CurveType::kCustom) {
      reader.error(where, path,
                   "a custom curve needs control points: write throttlingCurve: {type: custom, "
                   "points: [[0, 0], [0.5, 0.2], [1, 1]]}");
    }
    return;
  }
  std::vector<std::string_view> known{"type"};
  for (const CurveParameter& parameter : kCurveParameters)
    known.push_back(parameter.key);
  MappingReader curve(reader, node, path, where, known);
  if (!curve.valid()) return;
  if (!curve.required("type", out.type, curve_type)) return;
  bool misplaced = false;
  for (const CurveParameter& parameter : kCurveParameters) {
    const auto entry = curve.find(parameter.key);
    if (entry && parameter.owner != out.type) {
      reader.error(entry->second, curve.child_path(parameter.key),
                   "applies only to type " + std::string(kCurveTypeNames.name(parameter.owner)));
      misplaced = true;
    }
  }
  if (misplaced) return;

  const NumberField unit_interval{reader, 0.0, 1.0};
  const NumberField positive_gain{reader, 0.0, 1000.0, false, true};
  switch (out.type) {
    case CurveType::kLinear:
      break;
    case CurveType::kExponential:
      curve.optional("exponent", out.exponent, NumberField{reader, 0.0, kMaxExponent, false, true});
      break;
    case CurveType::kCustom:
      if (const auto points = curve.find("points")) {
        parse_curve_points(reader, points->first, points->second, curve.child_path("points"),
                           out.points);
      } else {
        curve.report_missing("points", "a list of control points [x, intensity]");
      }
      break;
    case CurveType::kAutoConverge:
      curve.optional("initial", out.initial, NumberField{reader, 0.0, 1.0, false, true});
      curve.optional("increment", out.increment, NumberField{reader, 0.0, 1.0, false, true});
      curve.optional("tailSlow", out.tail_slow, BoolField{reader});
      break;
    case CurveType::kFeedback: {
      double setpoint = 0.0;
      if (curve.optional("setpoint", setpoint, unit_interval)) out.setpoint = setpoint;
      curve.optional("proportionalGain", out.proportional_gain, positive_gain);
      curve.optional("integralGainPerSecond", out.integral_gain_per_s,
                     NumberField{reader, 0.0, 1000.0});
      break;
    }
  }
}

}  // namespace

std::optional<SourceLocation> parse_distributed_ram(Reader& reader, const YAML::Node& node,
                                                    const SourceLocation& where,
                                                    const std::string& path,
                                                    DistributedRamConfig& out,
                                                    bool buffer_required) {
  MappingReader ram(
      reader, node, path, where,
      {"bufferSize", "throttleThreshold", "throttlingCurve", "maxIntensity",
       "emergencyPauseEnabled", "resumeLevel", "replicationInterval", "commitPolicy"});
  if (!ram.valid()) return std::nullopt;
  const ByteQuantityField buffer_field{reader, kPageBytes};
  const bool buffer_given = buffer_required
                                ? ram.required("bufferSize", out.buffer_bytes, buffer_field)
                                : ram.optional("bufferSize", out.buffer_bytes, buffer_field);
  const NumberField open_unit_interval{reader, 0.0, 1.0, false, false};
  ram.optional("throttleThreshold", out.throttle_threshold, open_unit_interval);
  if (const auto curve = ram.find("throttlingCurve")) {
    parse_curve(reader, curve->first, curve->second, path + ".throttlingCurve",
                out.throttling_curve);
  }
  ram.optional("maxIntensity", out.max_intensity, NumberField{reader, 0.0, 1.0, false, true});
  ram.optional("emergencyPauseEnabled", out.emergency_pause_enabled, BoolField{reader});
  ram.optional("resumeLevel", out.resume_level, open_unit_interval);
  ram.optional(
      "replicationInterval", out.replication_interval,
      DurationField{reader, std::chrono::milliseconds(1), std::chrono::milliseconds(1000)});
  ram.optional("commitPolicy", out.commit_policy, EnumField{reader, kCommitPolicyNames});
  if (!buffer_given) return std::nullopt;
  return ram.find("bufferSize")->second;
}

void parse_endophyte_spec(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                          EndophyteVM& out) {
  MappingReader spec(reader, node, "spec", where,
                     {"vmSpec", "distributedRAM", "rhizomorphConnections", "backupStrategy",
                      "performanceConfig", "latencyProfile"});
  if (!spec.valid()) return;
  spec.optional("latencyProfile", out.latency_profile, EnumField{reader, kLatencyProfileModeNames});

  if (const auto vm = spec.find("vmSpec")) {
    parse_vm_spec(reader, vm->first, vm->second, out.vm_spec);
  } else {
    spec.report_missing("vmSpec", "a mapping with cpuCores, memorySize, diskSize and osConfig");
  }
  std::optional<SourceLocation> buffer_where;
  if (const auto ram = spec.find("distributedRAM")) {
    buffer_where = parse_distributed_ram(reader, ram->first, ram->second, "spec.distributedRAM",
                                         out.distributed_ram);
  } else {
    spec.report_missing("distributedRAM", "a mapping with at least bufferSize");
  }

  bool target_count_given = false;
  std::optional<SourceLocation> target_count_where;
  if (const auto rhizo = spec.find("rhizomorphConnections")) {
    MappingReader connections(reader, rhizo->first, "spec.rhizomorphConnections", rhizo->second,
                              {"targetCount", "loadBalancing"});
    if (connections.valid()) {
      target_count_given =
          connections.required("targetCount", out.rhizomorph_connections.target_count,
                               IntegerField<std::uint32_t>{reader, 1, kMaxConnections});
      if (target_count_given) target_count_where = connections.find("targetCount")->second;
      connections.optional("loadBalancing", out.rhizomorph_connections.load_balancing,
                           EnumField{reader, kLoadBalancingNames});
    }
  }
  if (const auto backup = spec.find("backupStrategy")) {
    MappingReader strategy(reader, backup->first, "spec.backupStrategy", backup->second,
                           {"nodeCount", "selectionCriteria"});
    if (strategy.valid()) {
      strategy.optional("nodeCount", out.backup_strategy.node_count,
                        IntegerField<std::uint32_t>{reader, 1, kMaxBackupNodes});
      strategy.optional("selectionCriteria", out.backup_strategy.selection_criteria,
                        EnumField{reader, kBackupSelectionNames});
    }
  }
  if (const auto performance = spec.find("performanceConfig")) {
    MappingReader config(reader, performance->first, "spec.performanceConfig", performance->second,
                         {"cpuPinning", "hugePages", "sriovNetworking"});
    if (config.valid()) {
      config.optional("cpuPinning", out.performance_config.cpu_pinning, BoolField{reader});
      config.optional("hugePages", out.performance_config.huge_pages, BoolField{reader});
      config.optional("sriovNetworking", out.performance_config.sriov_networking,
                      BoolField{reader});
    }
  }

  // Cross-field rules.
  if (!target_count_given) {
    // Default: one connection per backup node.
    out.rhizomorph_connections.target_count = out.backup_strategy.node_count;
  } else if (out.rhizomorph_connections.target_count < out.backup_strategy.node_count) {
    reader.error(*target_count_where, "spec.rhizomorphConnections.targetCount",
                 "expected at least backupStrategy.nodeCount (" +
                     std::to_string(out.backup_strategy.node_count) +
                     ") so every backup node has a connection, got " +
                     std::to_string(out.rhizomorph_connections.target_count));
  }
  const DistributedRamConfig& config = out.distributed_ram;
  if (buffer_where && out.vm_spec.memory_bytes > 0 &&
      config.buffer_bytes > out.vm_spec.memory_bytes) {
    reader.error(*buffer_where, "spec.distributedRAM.bufferSize",
                 "expected at most vmSpec.memorySize (" +
                     format_byte_quantity(out.vm_spec.memory_bytes) + "), got " +
                     format_byte_quantity(config.buffer_bytes));
  }
}

}  // namespace mycelium::manifest::detail
