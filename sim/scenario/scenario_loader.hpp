#pragma once
// Reads a scenario file (docs/scenarios.md) with the manifest machinery: every error located by
// file, line and field, all of them reported in one pass. Workload traces are read relative to
// the scenario file's folder.

#include <filesystem>
#include <optional>
#include <string_view>

#include <core/manifest/diagnostics.hpp>
#include <sim/scenario/scenario.hpp>

namespace mycelium::sim {

struct ScenarioLoad {
  std::optional<Scenario> scenario;  // set only when there were no errors
  manifest::Diagnostics diagnostics;
};

ScenarioLoad parse_scenario(std::string_view text, std::string_view file_name,
                            const std::filesystem::path& base_dir);

}  // namespace mycelium::sim
