#include <bit>
#include <set>

#include <core/manifest/manifest.hpp>
#include <core/manifest/parsers.hpp>
#include <core/manifest/yaml_reader.hpp>
#include <sim/files/bounded_file.hpp>
#include <sim/scenario/loader_support.hpp>
#include <sim/scenario/scenario_loader.hpp>
#include <sim/workload/trace_csv.hpp>

namespace mycelium::sim {

namespace {

using namespace manifest;

using loader::check_unique;
using loader::for_each_item;
using loader::kMaxRuns;
using loader::kProfileNames;
using loader::ProfileName;
constexpr double kBytesPerMbit = 1e6 / 8.0;

constexpr EnumNames<PopularityKind, 3> kPopularityNames{{{
    {PopularityKind::uniform, "uniform"},
    {PopularityKind::zipf, "zipf"},
    {PopularityKind::hot_cold, "hot-cold"},
}}};
constexpr EnumNames<PhaseKind, 3> kPhaseKindNames{{{
    {PhaseKind::idle, "idle"},
    {PhaseKind::steady, "steady"},
    {PhaseKind::burst, "burst"},
}}};

void parse_network(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                   const std::string& path, NetworkSpec& out) {
  MappingReader network(
      reader, node, path, where,
      {"name", "profile", "oneWayLatency", "bandwidthMbitPerS", "nicBandwidthMbitPerS"});
  if (!network.valid()) return;
  network.required("name", out.name, NameField{reader});
  ProfileName profile = ProfileName::kLan;
  network.required("profile", profile, EnumField{reader, kProfileNames});
  out.link = profile == ProfileName::kLan ? kLanProfile : kWanProfile;
  out.nic_bandwidth_bytes_per_s = kLanProfile.bandwidth_bytes_per_s;
  Duration latency{};
  if (network.optional("oneWayLatency", latency,
                       DurationField{reader, Duration::zero(), std::chrono::seconds(10)})) {
    out.link.latency_s = to_seconds(latency);
  }
  const NumberField mbit{reader, 0.0, 1e7, false, true};
  double link_mbit = 0.0;
  if (network.optional("bandwidthMbitPerS", link_mbit, mbit)) {
    out.link.bandwidth_bytes_per_s = link_mbit * kBytesPerMbit;
  }
  double nic_mbit = 0.0;
  if (network.optional("nicBandwidthMbitPerS", nic_mbit, mbit)) {
    out.nic_bandwidth_bytes_per_s = nic_mbit * kBytesPerMbit;
  }
}

void parse_candidate_site(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                          const std::string& path, CandidateSite& out) {
  MappingReader site(reader, node, path, where,
                     {"zone", "count", "oneWayLatency", "bandwidthMbitPerS", "load", "freeMemory"});
  if (!site.valid()) return;
  site.required("zone", out.zone, NameField{reader});
  site.optional("count", out.count, IntegerField<std::uint32_t>{reader, 1, 64});
  Duration latency{};
  if (site.optional("oneWayLatency", latency,
                    DurationField{reader, Duration::zero(), std::chrono::seconds(10)})) {
    out.latency_s = to_seconds(latency);
  }
  double mbit = 0.0;
  if (site.optional("bandwidthMbitPerS", mbit, NumberField{reader, 0.0, 1e7, false, true})) {
    out.bandwidth_bytes_per_s = mbit * kBytesPerMbit;
  }
  site.optional("load", out.load, NumberField{reader, 0.0, 1.0});
  site.optional("freeMemory", out.free_memory_bytes, ByteQuantityField{reader, 1});
}

void parse_popularity(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                      const std::string& path, Popularity& out) {
  const EnumField kind{reader, kPopularityNames};
  if (node.IsScalar()) {
    if (const auto parsed = kind(node, where, path)) out.kind = *parsed;
    return;
  }
  MappingReader popularity(reader, node, path, where,
                           {"type", "exponent", "hotFraction", "hotWriteShare"});
  if (!popularity.valid()) return;
  popularity.required("type", out.kind, kind);
  popularity.optional("exponent", out.zipf_exponent, NumberField{reader, 0.0, 10.0, false, true});
  popularity.optional("hotFraction", out.hot_fraction, NumberField{reader, 0.0, 1.0, false, false});
  popularity.optional("hotWriteShare", out.hot_write_share, NumberField{reader, 0.0, 1.0});
}

void parse_workload(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                    const std::string& path, const std::filesystem::path& base_dir,
                    NamedWorkload& out) {
  MappingReader workload(reader, node, path, where,
                         {"name", "memorySize", "workingSet", "popularity", "writeRate", "phases",
                          "trace", "pageGroup"});
  if (!workload.valid()) return;
  workload.required("name", out.name, NameField{reader});
  WorkloadSpec& spec = out.spec;
  workload.required("memorySize", spec.memory_bytes, ByteQuantityField{reader, 1ULL << 20});
  spec.working_set_bytes = spec.memory_bytes;
  workload.optional("workingSet", spec.working_set_bytes, ByteQuantityField{reader, 4096});
  if (workload.optional("pageGroup", spec.page_group,
                        IntegerField<std::uint32_t>{reader, 1, kMaxPageGroup}) &&
      !std::has_single_bit(spec.page_group)) {
    reader.error(workload.find("pageGroup")->second, workload.child_path("pageGroup"),
                 "expected a power of two (1, 2, 4 ... " + std::to_string(kMaxPageGroup) +
                     "), got " + std::to_string(spec.page_group));
    spec.page_group = 1;  // reported once, here, not again by validate()
  }
  if (const auto popularity = workload.find("popularity")) {
    parse_popularity(reader, popularity->first, popularity->second,
                     workload.child_path("popularity"), spec.popularity);
  }
  const NumberField rate{reader, 0.0, 1e9};
  const int sources = static_cast<int>(workload.has("writeRate")) +
                      static_cast<int>(workload.has("phases")) +
                      static_cast<int>(workload.has("trace"));
  if (sources != 1) {
    reader.error(workload.where(), path,
                 "expected exactly one of writeRate (pages/s), phases or trace, got " +
                     std::to_string(sources));
    return;
  }
  double constant_rate = 0.0;
  if (workload.optional("writeRate", constant_rate, rate)) {
    spec.schedule = RateSchedule::constant(constant_rate);
  }
  if (const auto phases = workload.find("phases")) {
    spec.schedule.phases.clear();
    spec.schedule.repeat = PhaseRepeat::cycle;
    for_each_item(
        reader, workload, "phases", true,
        [&](const YAML::Node& item, const SourceLocation& at, const std::string& at_path) {
          MappingReader phase(reader, item, at_path, at, {"kind", "duration", "writeRate"});
          if (!phase.valid()) return;
          Phase parsed;
          phase.required("kind", parsed.kind, EnumField{reader, kPhaseKindNames});
          phase.required("duration", parsed.duration,
                         DurationField{reader, std::chrono::milliseconds(1)});
          phase.required("writeRate", parsed.write_rate_pages_per_s, rate);
          spec.schedule.phases.push_back(parsed);
        });
  }
  if (const auto trace = workload.find("trace")) {
    std::string file;
    if (workload.optional("trace", file, StringField{reader})) {
      const TraceLoad load = load_trace_csv((base_dir / file).string());
      if (load.ok()) {
        spec.schedule = load.schedule;
      } else {
        reader.error(trace->second, workload.child_path("trace"), load.error);
      }
    }
  }
}

// A configuration starts from the scenario's replicationDefaults and overrides what it names.
// The one EndophyteVM of a manifest file, its errors reported where they are (that file's lines).
std::optional<manifest::EndophyteVM> load_endophyte(Reader& reader, const std::string& file,
                                                    const SourceLocation& at,
                                                    const std::string& path,
                                                    const std::filesystem::path& base_dir) {
  constexpr std::size_t kMaxManifestBytes = 4U << 20;
  const std::string resolved = (base_dir / file).lexically_normal().string();
  const BoundedFile read = read_bounded_file(resolved, kMaxManifestBytes);
  if (read.problem == FileProblem::kUnreadable) {
    reader.error(at, path, "cannot read " + resolved + ": no such file or not readable");
    return std::nullopt;
  }
  if (read.problem != FileProblem::kNone) {
    reader.error(at, path, "cannot read " + resolved + ": not a regular file of at most 4 MiB");
    return std::nullopt;
  }
  const manifest::LoadResult load = manifest::load_manifests(read.text, resolved);
  for (const manifest::Diagnostic& diagnostic : load.diagnostics.kept()) {
    reader.error(diagnostic.where, diagnostic.field_path, diagnostic.message);
  }
  if (!load.ok()) return std::nullopt;
  std::vector<manifest::EndophyteVM> vms;
  for (const manifest::LoadedObject& object : load.objects) {
    if (const auto* vm = std::get_if<manifest::EndophyteVM>(&object.object)) vms.push_back(*vm);
  }
  if (vms.size() != 1) {
    reader.error(at, path,
                 "expected a file with exactly one EndophyteVM, " + resolved + " has " +
                     std::to_string(vms.size()));
    return std::nullopt;
  }
  return vms.front();
}

// A configuration starts from an EndophyteVM manifest (`endophyte: FILE`) or else from the
// scenario's replicationDefaults, and overrides what it names.
void parse_configuration(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                         const std::string& path, const std::filesystem::path& base_dir,
                         const std::optional<manifest::DistributedRamConfig>& defaults,
                         std::uint32_t default_connections, std::uint32_t default_backups,
                         ReplicationConfiguration& out) {
  MappingReader configuration(reader, node, path, where,
                              {"name", "endophyte", "distributedRAM", "rhizomorphConnections",
                               "backupStrategy", "latencyProfile"});
  if (!configuration.valid()) return;
  out.backup_strategy.node_count = default_backups;
  out.rhizomorph.target_count = default_connections;
  bool have_base = defaults.has_value();
  if (defaults) out.ram = *defaults;
  if (const auto endophyte = configuration.find("endophyte")) {
    std::string file;
    if (configuration.optional("endophyte", file, StringField{reader})) {
      const auto vm = load_endophyte(reader, file, endophyte->second,
                                     configuration.child_path("endophyte"), base_dir);
      if (vm) {
        out.name = vm->metadata.name;
        out.ram = vm->distributed_ram;
        out.rhizomorph = vm->rhizomorph_connections;
        out.backup_strategy = vm->backup_strategy;
      }
    }
    have_base = true;
    configuration.optional("name", out.name, NameField{reader});
  } else {
    configuration.required("name", out.name, NameField{reader});
  }
  if (const auto ram = configuration.find("distributedRAM")) {
    detail::parse_distributed_ram(reader, ram->first, ram->second,
                                  configuration.child_path("distributedRAM"), out.ram, !have_base);
  } else if (!have_base) {
    configuration.report_missing("distributedRAM", "a mapping as in an EndophyteVM");
  }
  if (const auto strategy = configuration.find("backupStrategy")) {
    MappingReader backups(reader, strategy->first, configuration.child_path("backupStrategy"),
                          strategy->second, {"nodeCount", "selectionCriteria"});
    if (backups.valid()) {
      backups.optional("nodeCount", out.backup_strategy.node_count,
                       IntegerField<std::uint32_t>{reader, 1, 16});
      backups.optional("selectionCriteria", out.backup_strategy.selection_criteria,
                       EnumField{reader, manifest::kBackupSelectionNames});
    }
  }
  // The same key and values as an EndophyteVM's spec.latencyProfile.
  manifest::LatencyProfileMode profile = manifest::LatencyProfileMode::kOff;
  if (configuration.optional("latencyProfile", profile,
                             EnumField{reader, manifest::kLatencyProfileModeNames})) {
    out.auto_latency_profile = profile == manifest::LatencyProfileMode::kAuto;
  }
  if (const auto rhizo = configuration.find("rhizomorphConnections")) {
    MappingReader connections(reader, rhizo->first,
                              configuration.child_path("rhizomorphConnections"), rhizo->second,
                              {"targetCount", "loadBalancing"});
    if (connections.valid()) {
      connections.optional("targetCount", out.rhizomorph.target_count,
                           IntegerField<std::uint32_t>{reader, 1, 64});
      connections.optional("loadBalancing", out.rhizomorph.load_balancing,
                           EnumField{reader, manifest::kLoadBalancingNames});
    }
  }
}

// "backup-N" with N in 1..backup_count, or nullopt (and an error at `field`).
std::optional<std::uint32_t> parse_backup_name(Reader& reader, const MappingReader& fault,
                                               std::string_view field, std::uint32_t backup_count) {
  std::string name;
  if (!fault.required(field, name, StringField{reader})) return std::nullopt;
  const std::string prefix = "backup-";
  std::uint32_t index = 0;
  bool valid =
      name.rfind(prefix, 0) == 0 && name.size() > prefix.size() && name.size() <= prefix.size() + 2;
  for (std::size_t i = prefix.size(); valid && i < name.size(); ++i) {
    valid = name[i] >= '0' && name[i] <= '9';
    index = index * 10 + static_cast<std::uint32_t>(name[i] - '0');
  }
  if (!valid || index < 1 || index > backup_count) {
    reader.error(fault.find(field)->second, fault.child_path(field),
                 "expected " + std::string(field == "crash" ? "primary or " : "") +
                     "backup-1 .. backup-" + std::to_string(backup_count) + ", got " + name);
    return std::nullopt;
  }
  return index;
}

// One of: {at, crash: primary | backup-N}, {at, migrate: backup-N, convergenceTimeout},
// {at, linkDown: ZONE, for: DURATION} (the link between the primary's site and ZONE),
// {at, linkLatency: ZONE, latency: DURATION} (that link's new one-way latency).
void parse_fault(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                 const std::string& path, std::uint32_t backup_count, FaultSpec& out) {
  MappingReader fault(reader, node, path, where,
                      {"at", "crash", "migrate", "convergenceTimeout", "linkDown", "for",
                       "linkLatency", "latency"});
  if (!fault.valid()) return;
  fault.required("at", out.at, DurationField{reader});
  const int kinds = static_cast<int>(fault.has("crash")) + static_cast<int>(fault.has("migrate")) +
                    static_cast<int>(fault.has("linkDown")) +
                    static_cast<int>(fault.has("linkLatency"));
  if (kinds != 1) {
    reader.error(where, path,
                 "expected exactly one of crash: primary|backup-N, migrate: backup-N, "
                 "linkDown: ZONE or linkLatency: ZONE");
    return;
  }
  const auto only_for = [&](std::string_view key, std::string_view kind) {
    if (const auto entry = fault.find(key)) {
      reader.error(entry->second, fault.child_path(key), "applies only to " + std::string(kind));
    }
  };
  if (!fault.has("linkLatency")) only_for("latency", "linkLatency");
  if (fault.has("crash")) {
    only_for("convergenceTimeout", "migrate");
    only_for("for", "linkDown");
    std::string target;
    if (fault.optional("crash", target, StringField{reader}) && target == "primary") {
      out.kind = FaultKind::kCrashPrimary;
      return;
    }
    out.kind = FaultKind::kCrashBackup;
    if (const auto index = parse_backup_name(reader, fault, "crash", backup_count)) {
      out.target_backup = *index;
    }
    return;
  }
  if (fault.has("linkDown")) {
    only_for("convergenceTimeout", "migrate");
    out.kind = FaultKind::kLinkDown;
    fault.required("linkDown", out.zone, NameField{reader});
    fault.required("for", out.down_for,
                   DurationField{reader, std::chrono::milliseconds(1), std::chrono::hours(24)});
    return;
  }
  if (fault.has("linkLatency")) {
    only_for("convergenceTimeout", "migrate");
    only_for("for", "linkDown");
    out.kind = FaultKind::kLinkLatency;
    fault.required("linkLatency", out.zone, NameField{reader});
    fault.required("latency", out.latency,
                   DurationField{reader, Duration::zero(), std::chrono::seconds(10)});
    return;
  }
  only_for("for", "linkDown");
  out.kind = FaultKind::kMigrate;
  if (const auto index = parse_backup_name(reader, fault, "migrate", backup_count)) {
    out.target_backup = *index;
  }
  fault.optional("convergenceTimeout", out.convergence_timeout,
                 DurationField{reader, std::chrono::milliseconds(1), std::chrono::hours(1)});
}

void parse_spec(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                const std::filesystem::path& base_dir, Scenario& out) {
  MappingReader spec(
      reader, node, "spec", where,
      {"duration", "sampleInterval", "seeds", "backups", "connectionsPerBackup", "failureTimeout",
       "electionWindow", "profileProbePeriod", "replicationDefaults", "candidates", "networks",
       "workloads", "configurations", "faults"});
  if (!spec.valid()) return;
  spec.required("duration", out.duration,
                DurationField{reader, std::chrono::milliseconds(1), std::chrono::hours(24 * 30)});
  spec.optional("sampleInterval", out.sample_interval,
                DurationField{reader, std::chrono::milliseconds(1), std::chrono::hours(1)});
  spec.required("seeds", out.seeds, ListField<IntegerField<std::uint64_t>>{{reader, 0, INT64_MAX}});
  spec.optional("backups", out.backup_count, IntegerField<std::uint32_t>{reader, 1, 16});
  spec.optional("connectionsPerBackup", out.connections_per_backup,
                IntegerField<std::uint32_t>{reader, 1, 64});
  spec.optional("failureTimeout", out.failure_timeout,
                DurationField{reader, std::chrono::milliseconds(1), std::chrono::minutes(10)});

  spec.optional("electionWindow", out.election_window,
                DurationField{reader, std::chrono::milliseconds(1), std::chrono::minutes(10)});
  spec.optional("profileProbePeriod", out.profile_probe_period,
                DurationField{reader, std::chrono::milliseconds(100), std::chrono::hours(1)});

  std::set<std::string> zones;
  for_each_item(reader, spec, "candidates", false,
                [&](const YAML::Node& item, const SourceLocation& at, const std::string& path) {
                  CandidateSite site;
                  parse_candidate_site(reader, item, at, path, site);
                  if (site.zone == "site-a") {
                    reader.error(at, path + ".zone", "site-a is the primary's zone");
                  } else if (!site.zone.empty() && !zones.insert(site.zone).second) {
                    reader.error(at, path + ".zone", "duplicate zone " + site.zone);
                  }
                  out.candidates.push_back(site);
                });

  std::optional<manifest::DistributedRamConfig> defaults;
  if (const auto entry = spec.find("replicationDefaults")) {
    defaults.emplace();
    detail::parse_distributed_ram(reader, entry->first, entry->second,
                                  spec.child_path("replicationDefaults"), *defaults);
  }

  std::set<std::string> names;
  for_each_item(reader, spec, "networks", true,
                [&](const YAML::Node& item, const SourceLocation& at, const std::string& path) {
                  NetworkSpec network;
                  parse_network(reader, item, at, path, network);
                  check_unique(reader, names, network.name, at, path);
                  out.networks.push_back(network);
                });
  names.clear();
  for_each_item(reader, spec, "workloads", true,
                [&](const YAML::Node& item, const SourceLocation& at, const std::string& path) {
                  NamedWorkload workload;
                  parse_workload(reader, item, at, path, base_dir, workload);
                  check_unique(reader, names, workload.name, at, path);
                  for (const std::string& problem : validate(workload.spec)) {
                    reader.error(at, path, problem);
                  }
                  out.workloads.push_back(std::move(workload));
                });
  names.clear();
  for_each_item(reader, spec, "configurations", true,
                [&](const YAML::Node& item, const SourceLocation& at, const std::string& path) {
                  ReplicationConfiguration configuration;
                  parse_configuration(reader, item, at, path, base_dir, defaults,
                                      out.connections_per_backup, out.backup_count, configuration);
                  check_unique(reader, names, configuration.name, at, path);
                  out.configurations.push_back(std::move(configuration));
                });
  for_each_item(
      reader, spec, "faults", false,
      [&](const YAML::Node& item, const SourceLocation& at, const std::string& path) {
        FaultSpec fault;
        parse_fault(reader, item, at, path, out.backup_count, fault);
        const bool known_zone = out.candidates.empty()
                                    ? fault.zone == "site-b"
                                    : std::any_of(out.candidates.begin(), out.candidates.end(),
                                                  [&fault](const CandidateSite& site) {
                                                    return site.zone == fault.zone;
                                                  });
        const bool link_fault =
            fault.kind == FaultKind::kLinkDown || fault.kind == FaultKind::kLinkLatency;
        if (link_fault && !fault.zone.empty() && !known_zone) {
          reader.error(at,
                       path + (fault.kind == FaultKind::kLinkDown ? ".linkDown" : ".linkLatency"),
                       "no zone " + fault.zone +
                           (out.candidates.empty() ? " (without candidates the backups' "
                                                     "zone is site-b)"
                                                   : " among the candidates"));
        }
        if (fault.at >= out.duration) {
          reader.error(at, path + ".at", "expected a time before the end of the run");
        }
        out.faults.push_back(fault);
      });
  const std::size_t runs =
      out.networks.size() * out.workloads.size() * out.configurations.size() * out.seeds.size();
  if (runs > kMaxRuns) {
    reader.error(where, "spec",
                 "the sweep has " + std::to_string(runs) + " runs, more than " +
                     std::to_string(kMaxRuns) + ": split it into several scenarios");
  }
}

}  // namespace

ScenarioLoad parse_scenario(std::string_view text, std::string_view file_name,
                            const std::filesystem::path& base_dir) {
  ScenarioLoad result;
  Reader reader(file_name, result.diagnostics);
  const std::optional<loader::Envelope> envelope =
      loader::read_envelope(reader, result.diagnostics, text, file_name, "Scenario");
  if (!envelope) return result;
  Scenario scenario;
  scenario.name = envelope->name;
  if (envelope->spec) {
    parse_spec(reader, envelope->spec->first, envelope->spec->second, base_dir, scenario);
  }
  if (result.diagnostics.empty()) result.scenario = std::move(scenario);
  return result;
}

}  // namespace mycelium::sim
