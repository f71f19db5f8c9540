#include <cmath>
#include <set>
#include <sstream>
#include <string>

#include <core/manifest/yaml_reader.hpp>
#include <sim/env/partition_plan.hpp>
#include <sim/scenario/loader_support.hpp>
#include <sim/scenario/spore_scenario_loader.hpp>

namespace mycelium::sim {

namespace {

using namespace manifest;
using loader::for_each_item;

// The largest network the simulator is sized for (with partial views: docs/spore.md).
constexpr std::int64_t kMaxMembers = 1'000'000;
constexpr std::int64_t kMinViewMembers = 8;
constexpr std::int64_t kMaxViewMembers = 1024;
// Partitions, one thread each (partition_plan.hpp).
constexpr std::int64_t kMaxThreads = PartitionPlan::kMaxPartitions;

constexpr EnumNames<NetworkModel, 2> kNetworkModelNames{{{
    {NetworkModel::kDatagram, "datagram"},
    {NetworkModel::kFlow, "flow"},
}}};
constexpr std::int64_t kMaxSeedMembers = 64;
// Churn: events per second of each kind, and the joiners a run may add (each is a platform node
// from the start).
constexpr double kMaxChurnPerSecond = 1000.0;
constexpr double kMaxExpectedJoins = 100'000.0;
constexpr Duration kMaxDuration = std::chrono::hours(24);

// A time at which something happens in the run: before its end.
void check_before_end(Reader& reader, const MappingReader& mapping, std::string_view key,
                      Duration at, Duration duration) {
  if (duration > Duration::zero() && at >= duration && mapping.has(key)) {
    reader.error(mapping.find(key)->second, mapping.child_path(key),
                 "expected a time before the end of the run (duration)");
  }
}

void parse_partition(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                     const std::string& path, Duration duration, SporePartition& out) {
  MappingReader partition(reader, node, path, where, {"at", "for"});
  if (!partition.valid()) return;
  partition.required("at", out.at, DurationField{reader});
  partition.required("for", out.down_for, DurationField{reader, std::chrono::milliseconds(1)});
  check_before_end(reader, partition, "at", out.at, duration);
}

void parse_churn(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                 const std::string& path, Duration duration, SporeChurn& out) {
  MappingReader churn(reader, node, path, where,
                      {"crashesPerSecond", "joinsPerSecond", "leavesPerSecond", "from", "until"});
  if (!churn.valid()) return;
  const NumberField rate{reader, 0.0, kMaxChurnPerSecond, true, true};
  churn.optional("crashesPerSecond", out.crashes_per_second, rate);
  churn.optional("joinsPerSecond", out.joins_per_second, rate);
  churn.optional("leavesPerSecond", out.leaves_per_second, rate);
  if (!churn.has("crashesPerSecond") && !churn.has("joinsPerSecond") &&
      !churn.has("leavesPerSecond")) {
    churn.report_missing("crashesPerSecond",
                         "at least one of crashesPerSecond, joinsPerSecond and leavesPerSecond");
  } else if (out.crashes_per_second + out.joins_per_second + out.leaves_per_second <= 0.0) {
    reader.error(where, path,
                 "expected a rate above 0 in crashesPerSecond, joinsPerSecond or "
                 "leavesPerSecond (all are 0: no churn, leave churn out)");
  }
  churn.optional("from", out.from, DurationField{reader});
  check_before_end(reader, churn, "from", out.from, duration);
  Duration until{};
  if (churn.optional("until", until, DurationField{reader})) {
    out.until = until;
    if (until <= out.from || until > duration) {
      reader.error(churn.find("until")->second, churn.child_path("until"),
                   "expected a time after from and at most the duration");
    }
  }
  // Joiners are members of the platform from the start (spore_run.cpp): bound how many.
  const double window_s = to_seconds(out.until.value_or(duration) - out.from);
  if (out.joins_per_second * window_s > kMaxExpectedJoins) {
    std::ostringstream message;
    message << "expected at most " << kMaxExpectedJoins << " joins over the churn window, got "
            << out.joins_per_second << "/s for " << window_s << " s";
    reader.error(churn.find("joinsPerSecond")->second, churn.child_path("joinsPerSecond"),
                 message.str());
  }
}

void parse_events(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                  SporeScenario& out) {
  MappingReader events(reader, node, "spec.events", where,
                       {"registerAt", "leaveAt", "crashAt", "partition", "churn"});
  if (!events.valid()) return;
  const DurationField at{reader};
  events.required("registerAt", out.register_at, at);
  events.required("leaveAt", out.leave_at, at);
  events.required("crashAt", out.crash_at, at);
  check_before_end(reader, events, "registerAt", out.register_at, out.duration);
  check_before_end(reader, events, "leaveAt", out.leave_at, out.duration);
  check_before_end(reader, events, "crashAt", out.crash_at, out.duration);
  if (const auto partition = events.find("partition")) {
    out.partition.emplace();
    parse_partition(reader, partition->first, partition->second, events.child_path("partition"),
                    out.duration, *out.partition);
  }
  if (const auto churn = events.find("churn")) {
    out.churn.emplace();
    parse_churn(reader, churn->first, churn->second, events.child_path("churn"), out.duration,
                *out.churn);
  }
}

// The members sweep: each N must hold the seeds and the three members the events use, and fill
// its zones evenly (uniform_platform).
void parse_members(Reader& reader, const MappingReader& spec, SporeScenario& out) {
  const IntegerField<std::uint32_t> count{reader, 4, kMaxMembers};
  std::set<std::uint32_t> seen;
  for_each_item(
      reader, spec, "members", true,
      [&](const YAML::Node& item, const SourceLocation& at, const std::string& path) {
        const auto members = count(item, at, path);
        if (!members) return;
        if (!seen.insert(*members).second) {
          reader.error(at, path, "duplicate value " + std::to_string(*members));
        } else if (*members < out.seed_members + 3) {
          reader.error(
              at, path,
              "expected at least join.seedMembers + 3 = " + std::to_string(out.seed_members + 3) +
                  " members (the seeds, the registering, leaving and "
                  "crashing members), got " +
                  std::to_string(*members));
        } else if (*members > out.members_per_zone && *members % out.members_per_zone != 0) {
          reader.error(at, path,
                       "expected at most membersPerZone (" + std::to_string(out.members_per_zone) +
                           ") or a multiple of it, got " + std::to_string(*members));
        } else if (out.partition && *members <= out.members_per_zone) {
          reader.error(at, path,
                       "expected more than membersPerZone (" +
                           std::to_string(out.members_per_zone) +
                           ") members: events.partition cuts zones apart and " +
                           std::to_string(*members) + " members make one zone");
        }
        out.members.push_back(*members);
      });
}

void parse_losses(Reader& reader, const MappingReader& spec, SporeScenario& out) {
  const NumberField probability{reader, 0.0, 1.0, true, false};
  std::set<double> seen;
  for_each_item(reader, spec, "packetLoss", true,
                [&](const YAML::Node& item, const SourceLocation& at, const std::string& path) {
                  const auto loss = probability(item, at, path);
                  if (!loss) return;
                  if (!seen.insert(*loss).second) {
                    reader.error(at, path, "duplicate value " + format_loss(*loss));
                  }
                  out.packet_loss.push_back(*loss);
                });
}

void parse_spec(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                SporeScenario& out) {
  MappingReader spec(reader, node, "spec", where,
                     {"duration", "sampleInterval", "seeds", "members", "packetLoss", "profile",
                      "membersPerZone", "viewMembers", "scopedSuspicions", "suspicionWitnessAfter",
                      "networkModel", "threads", "slowMembers", "join", "events"});
  if (!spec.valid()) return;
  spec.required("duration", out.duration,
                DurationField{reader, std::chrono::seconds(1), kMaxDuration});
  spec.optional("sampleInterval", out.sample_interval,
                DurationField{reader, std::chrono::milliseconds(1), std::chrono::hours(1)});
  loader::parse_seeds(reader, spec, out.seeds);
  loader::ProfileName profile = loader::ProfileName::kLan;
  if (spec.optional("profile", profile, EnumField{reader, loader::kProfileNames})) {
    out.profile = profile == loader::ProfileName::kLan ? SporeProfile::kLan : SporeProfile::kWan;
  }
  spec.optional("membersPerZone", out.members_per_zone,
                IntegerField<std::uint32_t>{reader, 1, kMaxMembers});
  std::uint32_t view_members = 0;
  if (spec.optional("viewMembers", view_members,
                    IntegerField<std::uint32_t>{reader, 0, kMaxViewMembers})) {
    if (view_members > 0 && view_members < kMinViewMembers) {
      reader.error(spec.find("viewMembers")->second, "spec.viewMembers",
                   "expected 0 (full member tables) or " + std::to_string(kMinViewMembers) +
                       " .. " + std::to_string(kMaxViewMembers) + ", got " +
                       std::to_string(view_members));
    }
    out.view_members = view_members;
  }
  spec.optional("networkModel", out.network_model, EnumField{reader, kNetworkModelNames});
  if (spec.optional("threads", out.threads, IntegerField<std::uint32_t>{reader, 1, kMaxThreads}) &&
      out.threads > 1 && out.network_model != NetworkModel::kDatagram) {
    reader.error(spec.find("threads")->second, "spec.threads",
                 "expected 1 with networkModel flow (partitions need the datagram model), got " +
                     std::to_string(out.threads));
  }
  spec.optional("scopedSuspicions", out.scoped_suspicions, BoolField{reader});
  spec.optional(
      "suspicionWitnessAfter", out.suspicion_witness_after,
      NumberField{reader, 0.0, spore::MembershipConfig{}.suspicion_max_multiplier, true, true});
  if (const auto slow = spec.find("slowMembers")) {
    MappingReader slowness(reader, slow->first, "spec.slowMembers", slow->second,
                           {"fraction", "delay"});
    if (slowness.valid()) {
      SporeSlowMembers parsed;
      slowness.required("fraction", parsed.fraction, NumberField{reader, 0.0, 1.0, false, false});
      slowness.required(
          "delay", parsed.delay,
          DurationField{reader, std::chrono::milliseconds(1), std::chrono::minutes(1)});
      out.slow_members = parsed;
    }
  }
  if (const auto join = spec.find("join")) {
    MappingReader joining(reader, join->first, "spec.join", join->second,
                          {"seedMembers", "settled"});
    if (joining.valid()) {
      joining.optional("seedMembers", out.seed_members,
                       IntegerField<std::uint32_t>{reader, 1, kMaxSeedMembers});
      joining.optional("settled", out.settled_start, BoolField{reader});
    }
  }
  if (const auto events = spec.find("events")) {
    parse_events(reader, events->first, events->second, out);
  } else {
    spec.report_missing("events", "a mapping with registerAt, leaveAt and crashAt");
  }
  // After join and events: each N is checked against the seeds and the partition.
  parse_members(reader, spec, out);
  parse_losses(reader, spec, out);
  const std::size_t runs = out.members.size() * out.packet_loss.size() * out.seeds.size();
  if (runs > loader::kMaxRuns) {
    reader.error(where, "spec",
                 "the sweep has " + std::to_string(runs) + " runs, more than " +
                     std::to_string(loader::kMaxRuns) + ": split it into several scenarios");
  }
}

}  // namespace

SporeScenarioLoad parse_spore_scenario(std::string_view text, std::string_view file_name) {
  SporeScenarioLoad result;
  Reader reader(file_name, result.diagnostics);
  const std::optional<loader::Envelope> envelope =
      loader::read_envelope(reader, result.diagnostics, text, file_name, "SporeScenario");
  if (!envelope) return result;
  SporeScenario scenario;
  scenario.name = envelope->name;
  if (envelope->spec) parse_spec(reader, envelope->spec->first, envelope->spec->second, scenario);
  if (result.diagnostics.empty()) result.scenario = std::move(scenario);
  return result;
}

bool declares_spore_scenario(std::string_view text) {
  return loader::declares_kind(text, "SporeScenario");
}

}  // namespace mycelium::sim
