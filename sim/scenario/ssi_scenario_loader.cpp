#include <algorithm>
#include <set>
#include <string>

#include <core/manifest/quantity.hpp>
#include <core/manifest/yaml_reader.hpp>
#include <sim/scenario/loader_support.hpp>
#include <sim/scenario/ssi_scenario_loader.hpp>

namespace mycelium::sim {

namespace {

using namespace manifest;
using loader::for_each_item;

constexpr std::int64_t kMaxReplicas = 99;
constexpr std::int64_t kMaxWorkers = 1024;
constexpr std::int64_t kMaxClients = 64;
constexpr std::int64_t kMaxChunks = 1'000'000;
constexpr std::int64_t kMaxCopies = 64;
constexpr std::uint64_t kMaxStateBytes = 1ULL << 40;
constexpr Duration kMinRtt = std::chrono::microseconds(2);
constexpr Duration kMaxRtt = std::chrono::seconds(10);

constexpr EnumNames<ssi::ChunkConsistency, 2> kConsistencyNames{{{
    {ssi::ChunkConsistency::kFirstResult, "first-result"},
    {ssi::ChunkConsistency::kMajority, "majority"},
}}};

// A list of round-trip times, each once.
void parse_rtts(Reader& reader, const MappingReader& parent, std::vector<Duration>& out) {
  const DurationField rtt{reader, kMinRtt, kMaxRtt};
  std::set<Duration> seen;
  for_each_item(reader, parent, "rtt", true,
                [&](const YAML::Node& item, const SourceLocation& at, const std::string& path) {
                  const auto value = rtt(item, at, path);
                  if (!value) return;
                  if (!seen.insert(*value).second)
                    reader.error(at, path, "duplicate value " + format_rtt(*value));
                  out.push_back(*value);
                });
}

// A list of node counts in [1, max], each once.
void parse_counts(Reader& reader, const MappingReader& parent, std::string_view key,
                  std::int64_t max, std::vector<std::uint32_t>& out) {
  const IntegerField<std::uint32_t> count{reader, 1, max};
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

void parse_lockstep(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                    SsiLockstepSweep& out) {
  MappingReader lockstep(reader, node, "spec.lockstep", where,
                         {"duration", "rtt", "replicas", "applyTime", "clients"});
  if (!lockstep.valid()) return;
  lockstep.optional("duration", out.duration,
                    DurationField{reader, std::chrono::milliseconds(100), std::chrono::hours(1)});
  parse_rtts(reader, lockstep, out.rtts);
  parse_counts(reader, lockstep, "replicas", kMaxReplicas, out.replicas);
  lockstep.optional("applyTime", out.apply_time,
                    DurationField{reader, Duration::zero(), std::chrono::seconds(10)});
  lockstep.optional("clients", out.clients, IntegerField<std::uint32_t>{reader, 1, kMaxClients});
}

void parse_faults(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                  SsiChunkedSweep& out) {
  MappingReader faults(reader, node, "spec.chunked.faults", where,
                       {"stragglerSpeed", "crashAt", "wrongResults"});
  if (!faults.valid()) return;
  double speed = 0;
  if (faults.optional("stragglerSpeed", speed, NumberField{reader, 0.0, 1.0, false, false}))
    out.straggler_speed = speed;
  Duration crash_at{};
  if (faults.optional("crashAt", crash_at, DurationField{reader})) out.crash_at = crash_at;
  double wrong = 0;
  if (faults.optional("wrongResults", wrong, NumberField{reader, 0.0, 1.0, false, true}))
    out.wrong_results = wrong;
}

void parse_chunked(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                   SsiChunkedSweep& out) {
  MappingReader chunked(reader, node, "spec.chunked", where,
                        {"rtt", "workers", "chunks", "chunkWork", "stateSize", "inFlightPerWorker",
                         "copyTimeout", "maxCopies", "models", "faults"});
  if (!chunked.valid()) return;
  parse_rtts(reader, chunked, out.rtts);
  parse_counts(reader, chunked, "workers", kMaxWorkers, out.workers);
  chunked.optional("chunks", out.chunks, IntegerField<std::uint64_t>{reader, 1, kMaxChunks});
  chunked.optional("chunkWork", out.chunk_work,
                   DurationField{reader, std::chrono::microseconds(1), std::chrono::hours(1)});
  if (chunked.has("stateSize")) {
    out.state_sizes.clear();
    const ByteQuantityField bytes{reader, 0};
    std::set<std::uint64_t> seen;
    for_each_item(reader, chunked, "stateSize", true,
                  [&](const YAML::Node& item, const SourceLocation& at, const std::string& path) {
                    const auto value = bytes(item, at, path);
                    if (!value) return;
                    if (*value > kMaxStateBytes) {
                      reader.error(at, path,
                                   "expected at most 1Ti, got " + format_byte_quantity(*value));
                      return;
                    }
                    if (!seen.insert(*value).second)
                      reader.error(at, path, "duplicate value " + format_byte_quantity(*value));
                    out.state_sizes.push_back(*value);
                  });
  }
  chunked.optional("inFlightPerWorker", out.in_flight_per_worker,
                   IntegerField<std::uint32_t>{reader, 1, 64});
  chunked.optional("copyTimeout", out.copy_timeout,
                   DurationField{reader, std::chrono::milliseconds(1), std::chrono::hours(1)});
  chunked.optional("maxCopies", out.max_copies, IntegerField<std::uint32_t>{reader, 1, kMaxCopies});
  const std::uint32_t fewest_workers =
      out.workers.empty() ? 0 : *std::min_element(out.workers.begin(), out.workers.end());
  std::set<std::string> names;
  for_each_item(
      reader, chunked, "models", true,
      [&](const YAML::Node& item, const SourceLocation& at, const std::string& path) {
        MappingReader model(reader, item, path, at, {"consistency", "redundancy"});
        if (!model.valid()) return;
        SsiChunkedModel parsed;
        model.required("consistency", parsed.consistency, EnumField{reader, kConsistencyNames});
        if (!model.required("redundancy", parsed.redundancy,
                            IntegerField<std::uint32_t>{reader, 1, kMaxCopies})) {
          return;
        }
        const auto redundancy_at = model.find("redundancy")->second;
        if (fewest_workers > 0 && parsed.redundancy > fewest_workers) {
          reader.error(redundancy_at, model.child_path("redundancy"),
                       "expected at most the smallest of workers (" +
                           std::to_string(fewest_workers) + "): copies go to distinct workers");
        } else if (parsed.redundancy > out.max_copies) {
          reader.error(redundancy_at, model.child_path("redundancy"),
                       "expected at most maxCopies (" + std::to_string(out.max_copies) + ")");
        }
        loader::check_unique(reader, names, ssi_model_name(parsed), at, path);
        out.models.push_back(parsed);
      });
  if (const auto faults = chunked.find("faults"))
    parse_faults(reader, faults->first, faults->second, out);
}

void parse_spec(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                SsiScenario& out) {
  MappingReader spec(reader, node, "spec", where, {"seeds", "lockstep", "chunked"});
  if (!spec.valid()) return;
  loader::parse_seeds(reader, spec, out.seeds);
  if (const auto lockstep = spec.find("lockstep")) {
    out.lockstep.emplace();
    parse_lockstep(reader, lockstep->first, lockstep->second, *out.lockstep);
  }
  if (const auto chunked = spec.find("chunked")) {
    out.chunked.emplace();
    parse_chunked(reader, chunked->first, chunked->second, *out.chunked);
  }
  if (!out.lockstep && !out.chunked) {
    spec.report_missing("lockstep", "lockstep, chunked or both (the sweeps to run)");
    return;
  }
  const std::size_t runs = expand_sweep(out).size();
  if (runs > loader::kMaxRuns) {
    reader.error(where, "spec",
                 "the sweep has " + std::to_string(runs) + " runs, more than " +
                     std::to_string(loader::kMaxRuns) + ": split it into several scenarios");
  }
}

}  // namespace

SsiScenarioLoad parse_ssi_scenario(std::string_view text, std::string_view file_name) {
  SsiScenarioLoad result;
  Reader reader(file_name, result.diagnostics);
  const std::optional<loader::Envelope> envelope =
      loader::read_envelope(reader, result.diagnostics, text, file_name, "SsiBaselineScenario");
  if (!envelope) return result;
  SsiScenario scenario;
  scenario.name = envelope->name;
  if (envelope->spec) parse_spec(reader, envelope->spec->first, envelope->spec->second, scenario);
  if (result.diagnostics.empty()) result.scenario = std::move(scenario);
  return result;
}

bool declares_ssi_scenario(std::string_view text) {
  return loader::declares_kind(text, "SsiBaselineScenario");
}

}  // namespace mycelium::sim
