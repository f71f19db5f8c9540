#include <cmath>
#include <limits>

#include <sim/workload/workload_spec.hpp>

namespace mycelium::sim {

namespace {

std::string number(double value) {
  std::string text = std::to_string(value);
  // to_string prints six decimals; drop the trailing zeros so messages show what was written.
  while (text.size() > 1 && text.back() == '0')
    text.pop_back();
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

void check_sizes(const WorkloadSpec& spec, std::vector<std::string>& problems) {
  if (spec.page_size_bytes == 0) {
    problems.push_back("page_size_bytes must be > 0");
    return;  // every other size check divides by it
  }
  if (spec.page_group == 0 || spec.page_group > kMaxPageGroup ||
      (spec.page_group & (spec.page_group - 1)) != 0) {
    problems.push_back("page_group must be a power of two from 1 to " +
                       std::to_string(kMaxPageGroup) + ", got " + std::to_string(spec.page_group));
    return;  // the multiples below divide by it
  }
  const std::uint64_t unit = spec.tracked_page_bytes();
  const std::string page = spec.page_group == 1
                               ? " (page_size_bytes " + std::to_string(spec.page_size_bytes) + ")"
                               : " (page_size_bytes " + std::to_string(spec.page_size_bytes) +
                                     " x page_group " + std::to_string(spec.page_group) + " = " +
                                     std::to_string(unit) + ")";
  if (spec.memory_bytes == 0 || spec.memory_bytes % unit != 0) {
    problems.push_back("memory_bytes must be a positive multiple of the tracked page size" + page +
                       ", got " + std::to_string(spec.memory_bytes));
  }
  if (spec.working_set_bytes == 0 || spec.working_set_bytes % unit != 0) {
    problems.push_back("working_set_bytes must be a positive multiple of the tracked page size" +
                       page + ", got " + std::to_string(spec.working_set_bytes));
  }
  if (spec.working_set_bytes > spec.memory_bytes) {
    problems.push_back("working_set_bytes (" + std::to_string(spec.working_set_bytes) +
                       ") must not exceed memory_bytes (" + std::to_string(spec.memory_bytes) +
                       ")");
  }
}

void check_popularity(const WorkloadSpec& spec, std::vector<std::string>& problems) {
  const Popularity& popularity = spec.popularity;
  switch (popularity.kind) {
    case PopularityKind::uniform:
      return;
    case PopularityKind::zipf:
      if (!std::isfinite(popularity.zipf_exponent) || popularity.zipf_exponent <= 0.0) {
        problems.push_back("zipf_exponent must be a finite number > 0, got " +
                           number(popularity.zipf_exponent));
      }
      return;
    case PopularityKind::hot_cold:
      if (!(popularity.hot_fraction > 0.0 && popularity.hot_fraction < 1.0)) {
        problems.push_back("hot_fraction must be in (0, 1), got " +
                           number(popularity.hot_fraction));
      }
      if (!(popularity.hot_write_share >= 0.0 && popularity.hot_write_share <= 1.0)) {
        problems.push_back("hot_write_share must be in [0, 1], got " +
                           number(popularity.hot_write_share));
      }
      if (spec.page_size_bytes != 0 && spec.working_set_pages() < 2) {
        problems.push_back("a hot-cold working set needs at least 2 pages (one hot, one cold)");
      }
      return;
  }
  problems.push_back("unknown popularity kind");
}

void check_schedule(const RateSchedule& schedule, std::vector<std::string>& problems) {
  if (schedule.phases.empty()) {
    problems.push_back("the schedule needs at least one phase");
    return;
  }
  constexpr std::int64_t kMaxTotalNanos = std::numeric_limits<std::int64_t>::max() / 2;
  std::int64_t total_nanos = 0;
  for (std::size_t i = 0; i < schedule.phases.size(); ++i) {
    const Phase& phase = schedule.phases[i];
    const std::string where = "phase " + std::to_string(i) + ": ";
    const double rate = phase.write_rate_pages_per_s;
    if (!(rate >= 0.0 && rate <= kMaxWriteRatePagesPerS)) {  // also refuses NaN
      problems.push_back(where + "write_rate_pages_per_s must be in [0, 1e9], got " + number(rate));
    }
    if (phase.kind == PhaseKind::idle && rate != 0.0) {
      problems.push_back(where + "an idle phase must have write_rate_pages_per_s 0, got " +
                         number(rate));
    }
    const bool held = schedule.repeat == PhaseRepeat::hold_last && i + 1 == schedule.phases.size();
    if (held) continue;  // its duration is ignored
    const std::int64_t nanos = phase.duration.count();
    if (nanos <= 0) {
      problems.push_back(where + "duration must be > 0, got " + format_duration(phase.duration));
    } else if (nanos > kMaxTotalNanos - total_nanos) {
      problems.push_back(where + "the phases add up to more than " +
                         format_duration(Duration(kMaxTotalNanos)));
      return;
    } else {
      total_nanos += nanos;
    }
  }
}

}  // namespace

std::string_view to_string(PhaseKind kind) {
  switch (kind) {
    case PhaseKind::idle:
      return "idle";
    case PhaseKind::steady:
      return "steady";
    case PhaseKind::burst:
      return "burst";
  }
  return "unknown";
}

std::vector<std::string> validate(const WorkloadSpec& spec) {
  std::vector<std::string> problems;
  check_sizes(spec, problems);
  check_popularity(spec, problems);
  check_schedule(spec.schedule, problems);
  return problems;
}

}  // namespace mycelium::sim
