#pragma once
// Dirty-rate traces: a CSV file with the header `time_s,dirty_pages_per_s` and one row per rate
// change. The rate is a step function: each row's rate holds from its time until the next row's,
// and the last row's holds forever (PhaseRepeat::hold_last). Before the first row the rate is 0.
//
//   time_s,dirty_pages_per_s
//   0,1000
//   2.5,50000
//   10,0
//
// reads as 1000 pages/s for 2.5 s, then 50000 pages/s until t = 10 s, then idle. Blank lines,
// spaces around fields and CRLF line ends are accepted; comments are not.
// Times must be >= 0, below 1e9 s and strictly increasing (after rounding to the nanosecond);
// rates in [0, 1e9]. Any other input gives an error "file:line: what was expected, got what",
// never a crash.

#include <string>
#include <string_view>

#include <sim/workload/workload_spec.hpp>

namespace mycelium::sim {

struct TraceLoad {
  RateSchedule schedule;  // valid only when ok()
  std::string error;      // empty on success

  bool ok() const { return error.empty(); }
};

// Parses trace text; `source_name` (the file name) starts every error message.
TraceLoad parse_trace_csv(std::string_view text, std::string_view source_name);

// Reads and parses the file at `path`.
TraceLoad load_trace_csv(const std::string& path);

}  // namespace mycelium::sim
