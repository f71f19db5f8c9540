// What scan-and-diff dirty tracking costs (real/memory/scan_diff_tracker.hpp): one scan of
// 256 MiB of guest memory with no page changed and with 1 % of the pages changed, against the
// same memory merely read (summed) in the same run: the ratio says how close hashing comes to
// memory bandwidth. bytes_per_second of a scan is the GiB a core can track per second; its
// inverse the CPU seconds one epoch costs per GiB of guest memory (docs/real-runtime.md).
//
//   build/release/bench/bench_scan_diff

#include <cstdint>
#include <vector>

#include <benchmark/benchmark.h>

#include <core/env/random_stream.hpp>
#include <real/memory/scan_diff_tracker.hpp>

namespace {

constexpr std::uint64_t kPage = 4096;
constexpr std::uint64_t kMemoryBytes = 256ULL << 20;

std::vector<std::uint8_t>& memory() {
  static std::vector<std::uint8_t> bytes = [] {
    std::vector<std::uint8_t> filled(kMemoryBytes);
    mycelium::RandomStream random(3);
    for (std::size_t i = 0; i < filled.size(); i += 8) {
      const std::uint64_t word = random.next_u64();
      for (int b = 0; b < 8; ++b)
        filled[i + static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(word >> (8 * b));
    }
    return filled;
  }();
  return bytes;
}

void BM_ReadMemoryBaseline(benchmark::State& state) {
  const std::vector<std::uint8_t>& bytes = memory();
  for (auto _ : state) {
    std::uint64_t sum = 0;
    const auto* words = reinterpret_cast<const std::uint64_t*>(bytes.data());
    for (std::size_t i = 0; i < bytes.size() / 8; ++i)
      sum += words[i];
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kMemoryBytes));
}

void BM_ScanDiff(benchmark::State& state) {
  std::vector<std::uint8_t>& bytes = memory();
  const auto changed_per_mille = static_cast<std::uint64_t>(state.range(0));
  mycelium::real::ScanDiffTracker tracker(bytes, kPage);
  mycelium::RandomStream random(5);
  std::uint64_t reported = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const std::uint64_t pages = kMemoryBytes / kPage;
    for (std::uint64_t i = 0; i < pages * changed_per_mille / 1000; ++i)
      ++bytes[random.uniform_int(0, pages - 1) * kPage];
    state.ResumeTiming();
    reported += tracker.scan().size();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kMemoryBytes));
  state.counters["pages_reported_per_scan"] =
      static_cast<double>(reported) / static_cast<double>(state.iterations());
}

}  // namespace

BENCHMARK(BM_ReadMemoryBaseline)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ScanDiff)->Arg(0)->Arg(10)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
