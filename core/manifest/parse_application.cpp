#include <array>

#include <core/manifest/parsers.hpp>

namespace mycelium::manifest::detail {

namespace {

// Fields that describe one architecture only; given to another they are a mistake worth naming.
struct ArchitectureField {
  std::string_view key;
  std::array<bool, 3> allowed;  // indexed by Architecture: natively-distributed, monolithic, legacy
};
constexpr std::array<ArchitectureField, 5> kArchitectureFields{{
    {"coordinationPattern", {true, false, false}},
    {"consensus", {true, false, false}},
    {"replicas", {true, false, false}},
    {"faultToleranceRequired", {false, true, true}},
    {"osDependencies", {false, false, true}},
}};

std::string allowed_architectures(const ArchitectureField& field) {
  std::string text;
  for (std::size_t i = 0; i < field.allowed.size(); ++i) {
    if (!field.allowed[i]) continue;
    if (!text.empty()) text += " or ";
    text += kArchitectureNames.name(static_cast<Architecture>(i));
  }
  return text;
}

struct OsDependencyListField {
  Reader& reader;
  std::string expected() const {
    return "a non-empty list of OS dependencies such as windows-server-2012";
  }
  std::optional<std::vector<std::string>> operator()(const YAML::Node& node,
                                                     const SourceLocation& where,
                                                     std::string_view path) const {
    if (!node.IsSequence() || node.size() == 0) {
      reader.error(where, path, "expected " + expected() + ", got " + describe_node(node));
      return std::nullopt;
    }
    return ListField<StringField>{{reader}}(node, where, path);
  }
};

}  // namespace

void parse_application_spec(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                            Application& out) {
  MappingReader spec(reader, node, "spec", where,
                     {"architecture", "coordinationPattern", "consensus", "replicas",
                      "faultToleranceRequired", "osDependencies", "stateSize", "cpuCores", "rpo",
                      "rto", "latencyBudget", "ports", "healthEndpoint"});
  if (!spec.valid()) return;
  if (!spec.required("architecture", out.architecture, EnumField{reader, kArchitectureNames})) {
    return;
  }
  const auto architecture_index = static_cast<std::size_t>(out.architecture);
  for (const ArchitectureField& field : kArchitectureFields) {
    const auto entry = spec.find(field.key);
    if (entry && !field.allowed[architecture_index]) {
      reader.error(entry->second, spec.child_path(field.key),
                   "applies only to architecture " + allowed_architectures(field) + ", not " +
                       std::string(kArchitectureNames.name(out.architecture)));
    }
  }

  switch (out.architecture) {
    case Architecture::kNativelyDistributed: {
      spec.required("coordinationPattern", out.coordination_pattern,
                    EnumField{reader, kCoordinationPatternNames});
      spec.optional("consensus", out.consensus, EnumField{reader, kConsensusProtocolNames});
      std::uint32_t replicas = 0;
      if (spec.optional("replicas", replicas, IntegerField<std::uint32_t>{reader, 1, 100000})) {
        out.replicas = replicas;
      }
      break;
    }
    case Architecture::kMonolithic:
      spec.optional("faultToleranceRequired", out.fault_tolerance_required, BoolField{reader});
      break;
    case Architecture::kLegacy:
      spec.optional("faultToleranceRequired", out.fault_tolerance_required, BoolField{reader});
      spec.required("osDependencies", out.os_dependencies, OsDependencyListField{reader});
      break;
  }

  spec.optional("stateSize", out.state_bytes, ByteQuantityField{reader, 1});
  spec.optional("cpuCores", out.cpu_cores, IntegerField<std::uint32_t>{reader, 1, 1024});
  const DurationField any_duration{reader};
  std::chrono::nanoseconds duration{0};
  if (spec.optional("rpo", duration, any_duration)) out.rpo = duration;
  if (spec.optional("rto", duration, any_duration)) out.rto = duration;
  if (spec.optional("latencyBudget", duration, any_duration)) out.latency_budget = duration;
  spec.optional("ports", out.ports, PortListField{reader});
  spec.optional("healthEndpoint", out.health_endpoint, HttpPathField{reader});
}

}  // namespace mycelium::manifest::detail
