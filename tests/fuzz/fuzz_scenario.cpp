// Fuzz target for the scenario parsers, every kind: every input goes through the replication
// Scenario loader, the SporeScenario loader, the SsiBaselineScenario loader and the
// DistributionScenario loader. Beyond "no crash": a refused scenario always says why, at a
// location in the file; an accepted one expands to a sweep whose run names are unique.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string_view>
#include <vector>

#include <sim/scenario/distribution_scenario_loader.hpp>
#include <sim/scenario/scenario_loader.hpp>
#include <sim/scenario/spore_scenario_loader.hpp>
#include <sim/scenario/ssi_scenario_loader.hpp>

namespace {

template <typename Load>
void check(const Load& load, const char* kind) {
  if (!load.scenario) {
    if (load.diagnostics.empty()) {
      std::fprintf(stderr, "fuzz_scenario: %s refused without a diagnostic\n", kind);
      std::abort();
    }
    return;
  }
  std::set<std::string> names;
  for (const auto& run : mycelium::sim::expand_sweep(*load.scenario)) {
    if (!names.insert(run.name).second) {
      std::fprintf(stderr, "fuzz_scenario: %s: duplicate run name %s\n", kind, run.name.c_str());
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mycelium;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Relative trace and manifest paths resolve in a folder that does not exist.
  check(sim::parse_scenario(text, "fuzz.yaml", "/nonexistent-fuzz-dir"), "Scenario");
  check(sim::parse_spore_scenario(text, "fuzz.yaml"), "SporeScenario");
  check(sim::parse_ssi_scenario(text, "fuzz.yaml"), "SsiBaselineScenario");
  check(sim::parse_distribution_scenario(text, "fuzz.yaml"), "DistributionScenario");
  return 0;
}
