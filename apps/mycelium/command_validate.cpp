#include <filesystem>
#include <iostream>
#include <regex>

#include <apps/mycelium/commands.hpp>
#include <apps/mycelium/file_io.hpp>
#include <core/manifest/manifest.hpp>
#include <sim/scenario/distribution_scenario_loader.hpp>
#include <sim/scenario/scenario_loader.hpp>
#include <sim/scenario/spore_scenario_loader.hpp>
#include <sim/scenario/ssi_scenario_loader.hpp>

namespace mycelium::cli {

namespace {

// Scenario files (docs/scenarios.md) are one document of kind Scenario (or SporeScenario): they
// go to their scenario parser, manifests to the manifest parser.
bool is_scenario(const std::string& text) {
  static const std::regex kind_line(R"((^|\n)kind:[ \t]*Scenario[ \t]*(#[^\n]*)?\r?(\n|$))");
  return std::regex_search(text, kind_line);
}

}  // namespace

int run_validate(const ValidateOptions& options) {
  manifest::Diagnostics diagnostics;
  std::vector<manifest::LoadedObject> all_objects;
  std::size_t unreadable = 0;
  std::size_t scenarios = 0;
  for (const std::string& file : options.files) {
    std::string text;
    try {
      text = read_text_file(file, kMaxInputBytes);
    } catch (const UserError& error) {
      std::cerr << "mycelium validate: " << error.what() << '\n';
      ++unreadable;
      continue;
    }
    // Either kind of scenario: its errors, or one line with its number of runs.
    const auto report_scenario = [&](const char* kind, const auto& load) {
      diagnostics.append(load.diagnostics);
      if (!load.scenario) return;
      ++scenarios;
      if (!options.quiet) {
        std::cout << file << ": " << kind << "/" << load.scenario->name << " valid ("
                  << sim::expand_sweep(*load.scenario).size() << " runs)\n";
      }
    };
    if (sim::declares_distribution_scenario(text)) {
      report_scenario("DistributionScenario", sim::parse_distribution_scenario(text, file));
      continue;
    }
    if (sim::declares_ssi_scenario(text)) {
      report_scenario("SsiBaselineScenario", sim::parse_ssi_scenario(text, file));
      continue;
    }
    if (sim::declares_spore_scenario(text)) {
      report_scenario("SporeScenario", sim::parse_spore_scenario(text, file));
      continue;
    }
    if (is_scenario(text)) {
      report_scenario("Scenario",
                      sim::parse_scenario(text, file, std::filesystem::path(file).parent_path()));
      continue;
    }
    manifest::LoadResult result = manifest::load_manifests(text, file);
    diagnostics.append(result.diagnostics);
    if (!options.quiet && result.ok()) {
      for (const manifest::LoadedObject& loaded : result.objects) {
        std::cout << file << ": " << manifest::kind_of(loaded.object) << '/'
                  << manifest::metadata_of(loaded.object).name << " valid\n";
      }
    }
    for (manifest::LoadedObject& loaded : result.objects)
      all_objects.push_back(std::move(loaded));
  }
  // Names must be unique across all files given together, as they would be deployed together.
  manifest::Diagnostics cross_file;
  std::vector<manifest::LoadedObject> kept;
  manifest::check_unique_names(all_objects, cross_file);
  // Duplicates inside one file were already reported by load_manifests; report only new ones.
  for (const manifest::Diagnostic& diagnostic : cross_file.kept()) {
    bool already = false;
    for (const manifest::Diagnostic& earlier : diagnostics.kept()) {
      already =
          already || (earlier.where == diagnostic.where && earlier.message == diagnostic.message);
    }
    if (!already) diagnostics.error(diagnostic.where, diagnostic.field_path, diagnostic.message);
  }

  std::cerr << diagnostics.format();
  if (!diagnostics.empty() || unreadable > 0) {
    std::cerr << "mycelium validate: " << diagnostics.count() << " error"
              << (diagnostics.count() == 1 ? "" : "s") << " in " << options.files.size() << " file"
              << (options.files.size() == 1 ? "" : "s");
    if (unreadable > 0) std::cerr << " (" << unreadable << " unreadable)";
    std::cerr << '\n';
    return kExitUserError;
  }
  if (!options.quiet) {
    const std::size_t objects = all_objects.size() + scenarios;
    std::cout << objects << " object" << (objects == 1 ? "" : "s") << " in " << options.files.size()
              << " file" << (options.files.size() == 1 ? "" : "s") << " valid\n";
  }
  return kExitOk;
}

}  // namespace mycelium::cli
