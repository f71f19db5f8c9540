#include <iostream>

#include <apps/mycelium/file_io.hpp>
#include <apps/mycelium/scenario_source.hpp>
#include <sim/scenario/scenario_loader.hpp>

namespace mycelium::cli {

namespace {

constexpr std::size_t kMaxScenarioBytes = 1U << 20;

}  // namespace

std::optional<ScenarioSource> load_scenario(const std::string& file) {
  ScenarioSource source;
  source.file = file;
  source.text = read_text_file(file, kMaxScenarioBytes);
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
