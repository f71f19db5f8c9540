#pragma once
// What the scenario loaders share (scenario_loader.cpp for kind Scenario, spore_scenario_loader.cpp
// for kind SporeScenario): the file's envelope (size, UTF-8, one YAML document, apiVersion, kind,
// metadata.name) and list helpers, so both report errors with the same words and locations.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <core/manifest/envelope.hpp>
#include <core/manifest/yaml_reader.hpp>

namespace mycelium::sim::loader {

inline constexpr std::size_t kMaxScenarioBytes = manifest::kMaxEnvelopeFileBytes;
inline constexpr std::size_t kMaxListItems = 64;
inline constexpr std::size_t kMaxRuns = 100000;

enum class ProfileName { kLan, kWan };
inline constexpr manifest::EnumNames<ProfileName, 2> kProfileNames{{{
    {ProfileName::kLan, "lan"},
    {ProfileName::kWan, "wan"},
}}};

// The parts of a scenario file every kind has (core/manifest/envelope.hpp).
using manifest::Envelope;
inline std::optional<Envelope> read_envelope(manifest::Reader& reader,
                                             manifest::Diagnostics& diagnostics,
                                             std::string_view text, std::string_view file_name,
                                             std::string_view kind) {
  return manifest::read_envelope(reader, diagnostics, text, file_name, kind, "scenario");
}

// Calls `each(item, where, path)` for every item of the list at `key` (1..kMaxListItems).
template <typename Each>
void for_each_item(manifest::Reader& reader, const manifest::MappingReader& parent,
                   std::string_view key, bool required, Each each) {
  const auto entry = parent.find(key);
  if (!entry) {
    if (required) parent.report_missing(key, "a list of 1 to " + std::to_string(kMaxListItems));
    return;
  }
  const std::string path = parent.child_path(key);
  const YAML::Node& list = entry->first;
  if (!list.IsSequence() || list.size() == 0 || list.size() > kMaxListItems) {
    reader.error(entry->second, path,
                 "expected a list of 1 to " + std::to_string(kMaxListItems) + " items, got " +
                     manifest::describe_node(list));
    return;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    each(item, reader.location(item, entry->second), path + "[" + std::to_string(i) + "]");
  }
}

// True when `text` has a top-level line `kind: KIND` (spaces or tabs around KIND, a comment
// after it, CRLF allowed): which loader a file goes to. The loader checks the kind properly.
bool declares_kind(std::string_view text, std::string_view kind);

// spec.seeds: a list of unique integers 0 .. 2^63-1, at least one (every run is a point x a seed).
void parse_seeds(manifest::Reader& reader, const manifest::MappingReader& spec,
                 std::vector<std::uint64_t>& out);

// Names of list items are unique within their list.
void check_unique(manifest::Reader& reader, std::set<std::string>& seen, const std::string& name,
                  const manifest::SourceLocation& where, const std::string& path);

}  // namespace mycelium::sim::loader
