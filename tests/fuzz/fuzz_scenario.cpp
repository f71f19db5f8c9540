// Fuzz target for the scenario parser. Beyond "no crash": a refused scenario always says why, at
// a location in the file; an accepted one expands to a sweep whose run names are unique.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string_view>

#include <sim/scenario/scenario_loader.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mycelium;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Relative trace and manifest paths resolve in a folder that does not exist.
  const sim::ScenarioLoad load = sim::parse_scenario(text, "fuzz.yaml", "/nonexistent-fuzz-dir");
  if (!load.scenario) {
    if (load.diagnostics.empty()) {
      std::fprintf(stderr, "fuzz_scenario: refused without a diagnostic\n");
      std::abort();
    }
    return 0;
  }
  const std::vector<sim::RunSpec> runs = sim::expand_sweep(*load.scenario);
  std::set<std::string> names;
  for (const sim::RunSpec& run : runs) {
    if (!names.insert(run.name).second) {
      std::fprintf(stderr, "fuzz_scenario: duplicate run name %s\n", run.name.c_str());
      std::abort();
    }
  }
  return 0;
}
