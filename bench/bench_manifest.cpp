// Cost of validating a manifest against the cost of merely parsing its YAML (the baseline): the
// ratio is what our checks add. Reported as the counter "ratio_to_yaml_parse" on the validation
// benchmarks.

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include <benchmark/benchmark.h>
#include <yaml-cpp/yaml.h>

#include <core/manifest/emit.hpp>
#include <core/manifest/manifest.hpp>

namespace {

std::string read(const std::string& relative) {
  std::ifstream stream(std::string(MYCELIUM_SOURCE_DIR) + "/" + relative);
  std::ostringstream contents;
  contents << stream.rdbuf();
  return contents.str();
}

const std::string& sample() {
  static const std::string text = read("scenarios/examples/blockchain-node.yaml") + "---\n" +
                                  read("scenarios/examples/distributed-db.yaml") + "---\n" +
                                  read("scenarios/examples/legacy-app-vm.yaml") + "---\n" +
                                  read("scenarios/examples/game-server-vm.yaml");
  return text;
}

// Seconds per iteration of yaml-cpp alone, measured once, for the ratio counters.
double yaml_parse_seconds() {
  static const double seconds = [] {
    constexpr int kRounds = 2000;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kRounds; ++i)
      benchmark::DoNotOptimize(YAML::LoadAll(sample()));
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
           kRounds;
  }();
  return seconds;
}

void BM_yaml_parse_only(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(YAML::LoadAll(sample()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * sample().size()));
}
BENCHMARK(BM_yaml_parse_only);

void BM_load_and_validate(benchmark::State& state) {
  const double baseline = yaml_parse_seconds();
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    auto result = mycelium::manifest::load_manifests(sample(), "sample.yaml");
    if (!result.ok()) state.SkipWithError("sample manifests do not validate");
    benchmark::DoNotOptimize(result);
  }
  const double per_iteration =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
      static_cast<double>(state.iterations());
  state.counters["ratio_to_yaml_parse"] = per_iteration / baseline;
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * sample().size()));
}
BENCHMARK(BM_load_and_validate);

void BM_emit_canonical(benchmark::State& state) {
  const auto loaded = mycelium::manifest::load_manifests(sample(), "sample.yaml");
  for (auto _ : state) {
    for (const auto& object : loaded.objects) {
      benchmark::DoNotOptimize(mycelium::manifest::to_yaml(object.object));
    }
  }
}
BENCHMARK(BM_emit_canonical);

}  // namespace

BENCHMARK_MAIN();
