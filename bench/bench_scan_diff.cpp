// What dirty tracking costs: one scan of 256 MiB of guest memory with no page changed and with
// 1 % of the pages changed, by scan-and-diff (real/memory/scan_diff_tracker.hpp) and by
// userfaultfd write protection (uffd_write_tracker.hpp), against the same memory merely read
// (summed) in the same run: the ratio says how close hashing comes to memory bandwidth.
// bytes_per_second of a scan is the GiB a core can track per second; its inverse the CPU seconds
// one epoch costs per GiB of guest memory (docs/real-runtime.md).
//
//   build/release/bench/bench_scan_diff

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <sys/mman.h>

#include <core/env/random_stream.hpp>
#include <real/memory/scan_diff_tracker.hpp>
#include <real/memory/uffd_write_tracker.hpp>

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

// The same memory size, mapped (userfaultfd needs whole pages of a mapping) and touched.
std::span<std::uint8_t> mapped_memory() {
  static std::span<std::uint8_t> bytes = [] {
    void* region =
        ::mmap(nullptr, kMemoryBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (region == MAP_FAILED) std::abort();
    std::memcpy(region, memory().data(), kMemoryBytes);
    return std::span<std::uint8_t>(static_cast<std::uint8_t*>(region), kMemoryBytes);
  }();
  return bytes;
}

// userfaultfd write protection (real/memory/uffd_write_tracker.hpp), for a writer in this
// process. Timed: the scan, and (Arg 10) the writes too, since the first write to a page in each
// epoch takes a minor fault in the writer: that is where this tracker's cost goes.
void BM_UffdScan(benchmark::State& state) {
  if (const std::string reason = mycelium::real::UffdWriteTracker::unsupported_reason();
      !reason.empty()) {
    state.SkipWithError(reason.c_str());
    return;
  }
  const std::span<std::uint8_t> bytes = mapped_memory();
  const auto changed_per_mille = static_cast<std::uint64_t>(state.range(0));
  mycelium::real::UffdWriteTracker tracker(bytes, kPage);
  mycelium::RandomStream random(5);
  std::uint64_t reported = 0;
  for (auto _ : state) {
    const std::uint64_t pages = kMemoryBytes / kPage;
    for (std::uint64_t i = 0; i < pages * changed_per_mille / 1000; ++i)
      ++bytes[random.uniform_int(0, pages - 1) * kPage];
    reported += tracker.scan().size();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kMemoryBytes));
  state.counters["pages_reported_per_scan"] =
      static_cast<double>(reported) / static_cast<double>(state.iterations());
}

// The writes of Arg 10 alone on unprotected memory: subtracted from BM_UffdScan/10, what is left
// is the tracker's (faults and scan).
void BM_WritesAlone(benchmark::State& state) {
  const std::span<std::uint8_t> bytes = mapped_memory();
  const auto changed_per_mille = static_cast<std::uint64_t>(state.range(0));
  mycelium::RandomStream random(5);
  for (auto _ : state) {
    const std::uint64_t pages = kMemoryBytes / kPage;
    for (std::uint64_t i = 0; i < pages * changed_per_mille / 1000; ++i)
      ++bytes[random.uniform_int(0, pages - 1) * kPage];
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kMemoryBytes));
}

}  // namespace

BENCHMARK(BM_ReadMemoryBaseline)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ScanDiff)->Arg(0)->Arg(10)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_UffdScan)->Arg(0)->Arg(10)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WritesAlone)->Arg(10)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
