// Fuzz target for the dirty-rate trace parser (sim/workload/trace_csv.hpp). Beyond "no crash": a
// refused trace says why, at "file:line: "; an accepted one is a schedule a guest can run
// (validate() finds nothing wrong with it), held at its last row, with times from 0 up, strictly
// increasing, and rates within [0, kMaxWriteRatePagesPerS].

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <sim/workload/trace_csv.hpp>
#include <sim/workload/workload_spec.hpp>

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_trace_csv: %s\n", what);
  std::abort();
}

// "fuzz.csv:" then a line number >= 1 then ": " and a reason.
bool located(std::string_view error) {
  constexpr std::string_view kSource = "fuzz.csv:";
  if (!error.starts_with(kSource)) return false;
  std::size_t i = kSource.size();
  const std::size_t digits_from = i;
  while (i < error.size() && std::isdigit(static_cast<unsigned char>(error[i])) != 0)
    ++i;
  if (i == digits_from || error[digits_from] == '0') return false;
  return error.substr(i).starts_with(": ") && error.size() > i + 2;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mycelium::sim;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const TraceLoad load = parse_trace_csv(text, "fuzz.csv");
  if (!load.ok()) {
    if (!located(load.error)) fail("refused without \"fuzz.csv:LINE: reason\"");
    return 0;
  }
  const RateSchedule& schedule = load.schedule;
  if (schedule.phases.empty()) fail("accepted a trace without rows");
  if (schedule.repeat != PhaseRepeat::hold_last) fail("a trace does not hold its last row");
  for (const Phase& phase : schedule.phases) {
    if (!(phase.write_rate_pages_per_s >= 0.0 &&
          phase.write_rate_pages_per_s <= kMaxWriteRatePagesPerS))
      fail("accepted a rate outside [0, 1e9]");
    if ((phase.kind == PhaseKind::idle) != (phase.write_rate_pages_per_s == 0.0))
      fail("a phase's kind disagrees with its rate");
  }
  WorkloadSpec spec;
  spec.memory_bytes = 64ULL << 20;
  spec.working_set_bytes = 64ULL << 20;
  spec.schedule = schedule;
  if (!validate(spec).empty()) fail("accepted a trace a guest cannot run");
  return 0;
}
