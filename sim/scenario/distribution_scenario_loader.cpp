#include <algorithm>
#include <set>
#include <string>

#include <core/manifest/quantity.hpp>
#include <core/manifest/yaml_reader.hpp>
#include <sim/scenario/distribution_scenario_loader.hpp>
#include <sim/scenario/loader_support.hpp>
#include <sim/scenario/spore_scenario.hpp>

namespace mycelium::sim {

namespace {

using namespace manifest;
using loader::for_each_item;

constexpr std::int64_t kMaxShardingNodes = 100'000;
constexpr std::int64_t kMaxShards = 16'777'216;
constexpr std::int64_t kMaxRingPoints = 4096;
constexpr std::int64_t kMaxMovesPerStep = 1'000'000;
constexpr std::int64_t kMaxLeaseNodes = 99;
constexpr std::int64_t kMaxDhtNodes = 4096;
constexpr std::int64_t kMaxEventLogNodes = 64;  // owners, producers, subscribers
constexpr double kMaxFraction = 0.9;            // datagram loss, crashed DHT nodes
constexpr Duration kMinRtt = std::chrono::microseconds(2);
constexpr Duration kMaxRtt = std::chrono::seconds(1);

constexpr EnumNames<distribution::ShardPlacementKind, 2> kPlacementNames{{{
    {distribution::ShardPlacementKind::kRing, "ring"},
    {distribution::ShardPlacementKind::kJump, "jump"},
}}};

// A list of node counts in [min, max], each once.
void parse_counts(Reader& reader, const MappingReader& parent, std::string_view key,
                  std::int64_t min, std::int64_t max, std::vector<std::uint32_t>& out) {
  const IntegerField<std::uint32_t> count{reader, min, max};
  std::set<std::uint32_t> seen;
  for_each_item(reader, parent, key, true,
                [&](const YAML::Node& item, const SourceLocation& at, const std::string& path) {
                  const auto value = count(item, at, path);
                  if (!value) return;
                  if (!seen.insert(*value).second)
                    reader.error(at, path, "duplicate value " + std::to_string(*value));
                  out.push_back(*value);
                });
}

// An optional list of fractions in [0, 0.9], each once: replaces the default ([0]) when present.
void parse_fractions(Reader& reader, const MappingReader& parent, std::string_view key,
                     std::vector<double>& out) {
  if (!parent.has(key)) return;
  out.clear();
  const NumberField fraction{reader, 0.0, kMaxFraction, true, true};
  std::set<double> seen;
  for_each_item(reader, parent, key, true,
                [&](const YAML::Node& item, const SourceLocation& at, const std::string& path) {
                  const auto value = fraction(item, at, path);
                  if (!value) return;
                  if (!seen.insert(*value).second)
                    reader.error(at, path, "duplicate value " + format_loss(*value));
                  out.push_back(*value);
                });
}

// Parses `key` as a duration in [min, max] into `out`; true when absent (the default stands) or
// valid, so later checks against it are meaningful.
bool optional_duration(Reader& reader, const MappingReader& mapping, std::string_view key,
                       Duration min, Duration max, Duration& out) {
  return !mapping.has(key) || mapping.optional(key, out, DurationField{reader, min, max});
}

void report_at(Reader& reader, const MappingReader& mapping, std::string_view key,
               std::string message) {
  reader.error(mapping.find(key)->second, mapping.child_path(key), std::move(message));
}

void parse_sharding(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                    ShardingSweep& out) {
  MappingReader sharding(reader, node, "spec.sharding", where,
                         {"nodes", "shards", "methods", "movesPerStep", "stepInterval"});
  if (!sharding.valid()) return;
  parse_counts(reader, sharding, "nodes", 1, kMaxShardingNodes, out.nodes);
  sharding.optional("shards", out.shards, IntegerField<std::uint32_t>{reader, 1, kMaxShards});
  std::set<std::string> names;
  for_each_item(
      reader, sharding, "methods", true,
      [&](const YAML::Node& item, const SourceLocation& at, const std::string& path) {
        MappingReader method(reader, item, path, at, {"placement", "points"});
        if (!method.valid()) return;
        ShardingMethod parsed;
        if (!method.required("placement", parsed.kind, EnumField{reader, kPlacementNames})) return;
        if (parsed.kind == distribution::ShardPlacementKind::kJump) {
          if (method.has("points")) {
            report_at(reader, method, "points",
                      "expected no points with placement jump (points are the ring's virtual "
                      "nodes)");
            return;
          }
        } else if (method.has("points") &&
                   !method.optional("points", parsed.points,
                                    IntegerField<std::uint32_t>{reader, 1, kMaxRingPoints})) {
          return;
        }
        const std::string name = sharding_method_name(parsed);
        if (!names.insert(name).second) {
          reader.error(at, path, "duplicate method " + name);
          return;
        }
        out.methods.push_back(parsed);
      });
  sharding.optional("movesPerStep", out.moves_per_step,
                    IntegerField<std::uint32_t>{reader, 1, kMaxMovesPerStep});
  sharding.optional("stepInterval", out.step_interval,
                    DurationField{reader, std::chrono::milliseconds(1), std::chrono::hours(1)});
}

void parse_lease(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                 LeaseSweep& out) {
  MappingReader lease(reader, node, "spec.lease", where,
                      {"nodes", "duration", "rtt", "loss", "cutAt", "healAt", "crashMasterAt",
                       "leaseDuration", "sampleEvery"});
  if (!lease.valid()) return;
  parse_counts(reader, lease, "nodes", 2, kMaxLeaseNodes, out.nodes);
  const bool duration_ok = optional_duration(reader, lease, "duration", std::chrono::seconds(1),
                                             std::chrono::hours(1), out.duration);
  lease.optional("rtt", out.rtt, DurationField{reader, kMinRtt, kMaxRtt});
  parse_fractions(reader, lease, "loss", out.losses);
  // The cut: both ends or neither, cutAt < healAt <= duration.
  Duration cut_at{};
  Duration heal_at{};
  const bool cut_ok = lease.optional("cutAt", cut_at, DurationField{reader});
  const bool heal_ok = lease.optional("healAt", heal_at, DurationField{reader});
  if (lease.has("cutAt") && !lease.has("healAt")) {
    lease.report_missing("healAt",
                         "a duration after cutAt, when the cut heals: cutAt and healAt come "
                         "together");
  } else if (lease.has("healAt") && !lease.has("cutAt")) {
    lease.report_missing("cutAt",
                         "a duration before healAt, when the cut starts: cutAt and healAt come "
                         "together");
  } else if (cut_ok && heal_ok) {
    if (heal_at <= cut_at) {
      report_at(reader, lease, "healAt",
                "expected a time after cutAt (" + manifest::format_duration(cut_at) + "), got " +
                    manifest::format_duration(heal_at));
    } else if (duration_ok && heal_at > out.duration) {
      report_at(reader, lease, "healAt",
                "expected a time at most the duration (" + manifest::format_duration(out.duration) +
                    "), got " + manifest::format_duration(heal_at));
    } else {
      out.cut_at = cut_at;
      out.heal_at = heal_at;
    }
  }
  Duration crash_at{};
  if (lease.optional("crashMasterAt", crash_at, DurationField{reader})) {
    if (duration_ok && crash_at >= out.duration) {
      report_at(reader, lease, "crashMasterAt",
                "expected a time before the end of the run (duration " +
                    manifest::format_duration(out.duration) + "), got " +
                    manifest::format_duration(crash_at));
    } else {
      out.crash_master_at = crash_at;
    }
  }
  lease.optional("leaseDuration", out.lease_duration,
                 DurationField{reader, std::chrono::milliseconds(200), std::chrono::seconds(60)});
  lease.optional("sampleEvery", out.sample_every,
                 DurationField{reader, std::chrono::milliseconds(1), std::chrono::seconds(1)});
}

void parse_dht(Reader& reader, const YAML::Node& node, const SourceLocation& where, DhtSweep& out) {
  MappingReader dht(
      reader, node, "spec.dht", where,
      {"nodes", "bucketSize", "parallelism", "bootstrap", "lookups", "crashed", "rtt"});
  if (!dht.valid()) return;
  parse_counts(reader, dht, "nodes", 2, kMaxDhtNodes, out.nodes);
  dht.optional("bucketSize", out.bucket_size, IntegerField<std::uint32_t>{reader, 1, 32});
  dht.optional("parallelism", out.parallelism, IntegerField<std::uint32_t>{reader, 1, 16});
  const bool bootstrap_ok =
      !dht.has("bootstrap") ||
      dht.optional("bootstrap", out.bootstrap, IntegerField<std::uint32_t>{reader, 1, 64});
  dht.optional("lookups", out.lookups, IntegerField<std::uint32_t>{reader, 1, 100'000});
  parse_fractions(reader, dht, "crashed", out.crashed_fractions);
  dht.optional("rtt", out.rtt, DurationField{reader, kMinRtt, kMaxRtt});
  // Every node starts from `bootstrap` other nodes.
  if (bootstrap_ok && !out.nodes.empty()) {
    const std::uint32_t fewest = *std::min_element(out.nodes.begin(), out.nodes.end());
    if (out.bootstrap >= fewest) {
      const SourceLocation at = dht.has("bootstrap") ? dht.find("bootstrap")->second : dht.where();
      reader.error(at, dht.child_path("bootstrap"),
                   "expected fewer than the smallest of nodes (" + std::to_string(fewest) +
                       "): each node starts from that many others, got " +
                       std::to_string(out.bootstrap));
    }
  }
}

void parse_event_log(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                     EventLogSweep& out) {
  MappingReader log(
      reader, node, "spec.eventLog", where,
      {"owners", "producers", "subscribers", "partitions", "partitioning", "aggregates",
       "timeWindow", "eventsPerProducer", "appendEvery", "loss", "rtt", "drain"});
  if (!log.valid()) return;
  const IntegerField<std::uint32_t> nodes{reader, 1, kMaxEventLogNodes};
  log.optional("owners", out.owners, nodes);
  log.optional("producers", out.producers, nodes);
  log.optional("subscribers", out.subscribers, nodes);
  log.optional("partitions", out.partitions, IntegerField<std::uint32_t>{reader, 1, 1024});
  log.optional("partitioning", out.partitioning, EnumField{reader, kLogPartitioningNames});
  log.optional("aggregates", out.aggregates, IntegerField<std::uint32_t>{reader, 1, 1'000'000});
  log.optional("timeWindow", out.time_window,
               DurationField{reader, std::chrono::milliseconds(1), std::chrono::hours(1)});
  log.optional("eventsPerProducer", out.events_per_producer,
               IntegerField<std::uint32_t>{reader, 1, 1'000'000});
  log.optional("appendEvery", out.append_every,
               DurationField{reader, std::chrono::microseconds(1), std::chrono::seconds(10)});
  parse_fractions(reader, log, "loss", out.losses);
  log.optional("rtt", out.rtt, DurationField{reader, kMinRtt, kMaxRtt});
  log.optional("drain", out.drain,
               DurationField{reader, std::chrono::seconds(1), std::chrono::hours(1)});
}

// The runs expand_sweep gives (distribution_scenario.hpp), counted without building them.
std::size_t count_runs(const DistributionScenario& scenario) {
  std::size_t points = 0;
  if (scenario.sharding)
    points += scenario.sharding->nodes.size() * scenario.sharding->methods.size();
  if (scenario.lease) points += scenario.lease->nodes.size() * scenario.lease->losses.size();
  if (scenario.dht) points += scenario.dht->nodes.size() * scenario.dht->crashed_fractions.size();
  if (scenario.event_log) points += scenario.event_log->losses.size();
  return points * scenario.seeds.size();
}

void parse_spec(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                DistributionScenario& out) {
  MappingReader spec(reader, node, "spec", where,
                     {"seeds", "sharding", "lease", "dht", "eventLog"});
  if (!spec.valid()) return;
  loader::parse_seeds(reader, spec, out.seeds);
  if (const auto sharding = spec.find("sharding")) {
    out.sharding.emplace();
    parse_sharding(reader, sharding->first, sharding->second, *out.sharding);
  }
  if (const auto lease = spec.find("lease")) {
    out.lease.emplace();
    parse_lease(reader, lease->first, lease->second, *out.lease);
  }
  if (const auto dht = spec.find("dht")) {
    out.dht.emplace();
    parse_dht(reader, dht->first, dht->second, *out.dht);
  }
  if (const auto event_log = spec.find("eventLog")) {
    out.event_log.emplace();
    parse_event_log(reader, event_log->first, event_log->second, *out.event_log);
  }
  if (!out.sharding && !out.lease && !out.dht && !out.event_log) {
    spec.report_missing("sharding",
                        "at least one of sharding, lease, dht and eventLog (the sweeps to run)");
    return;
  }
  const std::size_t runs = count_runs(out);
  if (runs > loader::kMaxRuns) {
    reader.error(where, "spec",
                 "the sweep has " + std::to_string(runs) + " runs, more than " +
                     std::to_string(loader::kMaxRuns) + ": split it into several scenarios");
  }
}

}  // namespace

DistributionScenarioLoad parse_distribution_scenario(std::string_view text,
                                                     std::string_view file_name) {
  DistributionScenarioLoad result;
  Reader reader(file_name, result.diagnostics);
  const std::optional<loader::Envelope> envelope =
      loader::read_envelope(reader, result.diagnostics, text, file_name, "DistributionScenario");
  if (!envelope) return result;
  DistributionScenario scenario;
  scenario.name = envelope->name;
  if (envelope->spec) parse_spec(reader, envelope->spec->first, envelope->spec->second, scenario);
  if (result.diagnostics.empty()) result.scenario = std::move(scenario);
  return result;
}

bool declares_distribution_scenario(std::string_view text) {
  return loader::declares_kind(text, "DistributionScenario");
}

}  // namespace mycelium::sim
