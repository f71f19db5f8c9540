#pragma once
// The digest that tells the shards of one sweep from those of another: `mycelium sweep` stores
// it in every shard file (ShardInfo::scenario_digest) and `mycelium merge` refuses shards whose
// digests differ.
//
// It hashes bytes, not the resolved Scenario: a hash over the resolved structures would have to
// list every field and would silently stop covering one the day a field is added, while the
// bytes of the scenario and of the files it names are everything the sweep is built from. The
// price: a scenario edited only in a comment is another scenario.

#include <string>
#include <vector>

#include <apps/mycelium/scenario_references.hpp>

namespace mycelium::cli {

// "fnv1a64:" and 16 lowercase hex digits: 64-bit FNV-1a over the scenario's text, then each
// reference's path as written (lexically normal) and bytes, each piece preceded by its length so
// that no two different inputs concatenate to the same stream. Independent of where the
// scenario file is, so a copy in a cluster digests the same.
std::string scenario_digest(const std::string& scenario_text,
                            const std::vector<ScenarioReference>& references);

}  // namespace mycelium::cli
