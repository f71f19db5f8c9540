#pragma once
// What a simulated guest does with its memory, as plain data: how big it is, which pages it
// writes (the popularity over its working set) and how fast (a schedule of phases, or a trace
// loaded by trace_csv.hpp). SimulatedGuest (simulated_guest.hpp) runs it.
//
//   WorkloadSpec spec;
//   spec.memory_bytes = 8ULL << 30;
//   spec.working_set_bytes = 1ULL << 30;  // pages 0 .. 262143
//   spec.popularity = Popularity::zipf(0.99);
//   spec.schedule = RateSchedule::constant(200'000);

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <core/env/time.hpp>

namespace mycelium::sim {

enum class PopularityKind { uniform, zipf, hot_cold };

// Which working-set page each write lands on. Pages are numbered 0 .. W-1 (W = working-set
// pages); the popular ones are the lowest, so tests and plots can name them.
struct Popularity {
  PopularityKind kind = PopularityKind::uniform;
  // zipf: page p (rank p + 1) is written with probability proportional to (p + 1)^-exponent.
  double zipf_exponent = 0.99;
  // hot_cold: the first round(hot_fraction * W) pages (at least 1, at most W - 1) receive
  // hot_write_share of the writes, uniformly; the other pages share the rest uniformly.
  double hot_fraction = 0.1;
  double hot_write_share = 0.9;

  static Popularity uniform() { return {}; }
  static Popularity zipf(double exponent) { return {PopularityKind::zipf, exponent}; }
  static Popularity hot_cold(double hot_fraction, double hot_write_share) {
    return {PopularityKind::hot_cold, 0.99, hot_fraction, hot_write_share};
  }
};

// The kind is a label for results and plots; only the rate drives writes. An idle phase must
// have rate 0.
enum class PhaseKind { idle, steady, burst };

std::string_view to_string(PhaseKind kind);

struct Phase {
  Duration duration{};
  PhaseKind kind = PhaseKind::steady;
  // Page writes per second of simulated time when the guest runs unthrottled.
  double write_rate_pages_per_s = 0.0;
};

// What happens after the last phase.
enum class PhaseRepeat {
  cycle,      // start again from the first phase (every duration must be > 0)
  hold_last,  // stay in the last phase forever (its duration is ignored; traces use this)
};

// The unthrottled write rate over simulated time since the guest started. Phases follow the
// simulated clock, not the guest's progress: a throttled guest does not stretch its phases (the
// load comes from outside; a throttled guest just gets less of it done).
struct RateSchedule {
  std::vector<Phase> phases;
  PhaseRepeat repeat = PhaseRepeat::cycle;

  static RateSchedule constant(double write_rate_pages_per_s) {
    return {{Phase{Duration::zero(), PhaseKind::steady, write_rate_pages_per_s}},
            PhaseRepeat::hold_last};
  }
};

// Rates above this are refused (about 4 TB/s of 4 KiB pages): it bounds the exact integrals.
inline constexpr double kMaxWriteRatePagesPerS = 1e9;

// The largest page group: 4096 pages of 4 KiB track memory in 16 MiB units.
inline constexpr std::uint32_t kMaxPageGroup = 4096;

struct WorkloadSpec {
  std::uint64_t memory_bytes = 0;
  std::uint64_t page_size_bytes = 4096;
  std::uint64_t working_set_bytes = 0;  // the guest writes pages 0 .. working_set_pages() - 1
  Popularity popularity;
  RateSchedule schedule;
  // Simulation granularity, a power of two: the model tracks memory in groups of this many
  // consecutive pages, each reported dirty as a whole (a "tracked page" of page_group x
  // page_size_bytes). Writes still come at the schedule's rate in pages, and the popularity
  // still ranks single pages; every page_group writes draw one page and dirty its group. For a
  // uniform popularity that keeps the expected dirtied bytes of any span the same as with
  // single pages; for the others it is an approximation, measured in docs/scenarios.md. The
  // model's cost is per tracked page, so a group of 16 makes a busy guest about 3x cheaper.
  std::uint32_t page_group = 1;

  std::uint64_t memory_pages() const { return memory_bytes / page_size_bytes; }
  std::uint64_t working_set_pages() const { return working_set_bytes / page_size_bytes; }
  // What the guest model reports and the primary replicates: groups of pages.
  std::uint64_t tracked_page_bytes() const { return page_size_bytes * page_group; }
  std::uint64_t tracked_working_set_pages() const {
    return working_set_bytes / tracked_page_bytes();
  }
};

// Every problem with `spec`, one sentence each; empty when SimulatedGuest can run it.
std::vector<std::string> validate(const WorkloadSpec& spec);

}  // namespace mycelium::sim
