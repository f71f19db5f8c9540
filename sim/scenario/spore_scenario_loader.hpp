#pragma once
// Reads a SporeScenario file (docs/scenarios.md) with the manifest machinery: every error located
// by file, line and field, all of them reported in one pass.

#include <optional>
#include <string_view>

#include <core/manifest/diagnostics.hpp>
#include <sim/scenario/spore_scenario.hpp>

namespace mycelium::sim {

struct SporeScenarioLoad {
  std::optional<SporeScenario> scenario;  // set only when there were no errors
  manifest::Diagnostics diagnostics;
};

SporeScenarioLoad parse_spore_scenario(std::string_view text, std::string_view file_name);

// True when `text` declares `kind: SporeScenario` on a top-level line: which loader a scenario
// file goes to (`mycelium run`, `mycelium validate`). The loader checks the kind properly.
bool declares_spore_scenario(std::string_view text);

}  // namespace mycelium::sim
