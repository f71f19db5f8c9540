#pragma once
// Reads a DistributionScenario file (docs/scenarios.md) with the manifest machinery: every error
// located by file, line and field, all of them reported in one pass.

#include <optional>
#include <string_view>

#include <core/manifest/diagnostics.hpp>
#include <sim/scenario/distribution_scenario.hpp>

namespace mycelium::sim {

struct DistributionScenarioLoad {
  std::optional<DistributionScenario> scenario;  // set only when there were no errors
  manifest::Diagnostics diagnostics;
};

DistributionScenarioLoad parse_distribution_scenario(std::string_view text,
                                                     std::string_view file_name);

// True when `text` declares `kind: DistributionScenario` on a top-level line (which loader a file
// goes to); the loader checks the kind properly.
bool declares_distribution_scenario(std::string_view text);

}  // namespace mycelium::sim
