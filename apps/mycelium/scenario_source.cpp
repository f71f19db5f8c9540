#include <iostream>
#include <utility>

#include <apps/mycelium/file_io.hpp>
#include <apps/mycelium/scenario_source.hpp>
#include <sim/scenario/loader_support.hpp>
#include <sim/scenario/scenario_loader.hpp>

namespace mycelium::cli {

std::optional<ScenarioSource> load_scenario(const std::string& file) {
  return resolve_scenario(file, read_text_file(file, sim::loader::kMaxScenarioBytes));
}

std::optional<ScenarioSource> resolve_scenario(const std::string& file, std::string text) {
  ScenarioSource source;
  source.file = file;
  source.text = std::move(text);
  source.base_dir = std::filesystem::path(file).parent_path();
  sim::ScenarioLoad load = sim::parse_scenario(source.text, file, source.base_dir);
  if (!load.scenario) {
    std::cerr << load.diagnostics.format();
    return std::nullopt;
  }
  source.scenario = std::move(*load.scenario);
  return source;
}

}  // namespace mycelium::cli
