#include <charconv>
#include <cmath>
#include <vector>

#include <sim/files/bounded_file.hpp>
#include <sim/workload/trace_csv.hpp>

namespace mycelium::sim {

namespace {

constexpr std::string_view kHeader = "time_s,dirty_pages_per_s";
constexpr double kMaxTimeS = 1e9;  // ~31 years; keeps nanoseconds far inside int64

std::string_view trim(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!text.empty() && is_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_space(text.back()))
    text.remove_suffix(1);
  return text;
}

// Quoted for the message, cut short so a garbage line cannot make a megabyte error.
std::string shown(std::string_view text) {
  constexpr std::size_t kMaxShown = 40;
  std::string visible(text.substr(0, kMaxShown));
  for (char& c : visible) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return "'" + visible + (text.size() > kMaxShown ? "...'" : "'");
}

struct Row {
  double time_s = 0.0;
  double rate = 0.0;
  std::int64_t time_nanos = 0;
  std::size_t line = 0;
};

class Parser {
 public:
  explicit Parser(std::string_view source_name) : source_(source_name) {}

  TraceLoad parse(std::string_view text) {
    std::vector<Row> rows;
    std::size_t line_number = 0;
    bool header_seen = false;
    // Each pass consumes one line, so the loop ends after at most size + 1 passes.
    for (std::size_t start = 0; start <= text.size();) {
      const std::size_t end = std::min(text.find('\n', start), text.size());
      std::string_view line = text.substr(start, end - start);
      start = end + 1;
      ++line_number;
      if (!header_seen) {
        if (line_number == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // BOM
        if (!check_header(line, line_number, text.empty())) return failure();
        header_seen = true;
        continue;
      }
      if (trim(line).empty()) continue;
      Row row;
      if (!parse_row(line, line_number, row)) return failure();
      if (!rows.empty() && row.time_nanos <= rows.back().time_nanos) {
        error_ = at(line_number) + "expected time_s after the previous row's " +
                 shown(previous_time_text_) + " (line " + std::to_string(rows.back().line) +
                 "): times must strictly increase";
        return failure();
      }
      previous_time_text_ = current_time_text_;
      rows.push_back(row);
    }
    if (rows.empty()) {
      error_ = at(line_number) + "expected at least one data row after the header";
      return failure();
    }
    return TraceLoad{to_schedule(rows), {}};
  }

 private:
  std::string at(std::size_t line) const {
    return std::string(source_) + ":" + std::to_string(line) + ": ";
  }

  TraceLoad failure() const { return TraceLoad{{}, error_}; }

  bool check_header(std::string_view line, std::size_t line_number, bool file_empty) {
    const std::size_t comma = line.find(',');
    const bool matches = comma != std::string_view::npos &&
                         trim(line.substr(0, comma)) == kHeader.substr(0, 6) &&
                         trim(line.substr(comma + 1)) == kHeader.substr(7);
    if (matches) return true;
    error_ = at(line_number) + "expected the header '" + std::string(kHeader) + "', got " +
             (file_empty ? std::string("an empty file") : shown(line));
    return false;
  }

  bool parse_number(std::string_view field, std::string_view name, std::size_t line_number,
                    double& value) {
    const std::string_view text = trim(field);
    const char* const first = text.data();
    const char* const last = text.data() + text.size();
    const auto [end, status] = std::from_chars(first, last, value);
    if (text.empty() || status != std::errc() || end != last || !std::isfinite(value)) {
      error_ = at(line_number) + "expected a finite number for " + std::string(name) + ", got " +
               shown(text);
      return false;
    }
    return true;
  }

  bool parse_row(std::string_view line, std::size_t line_number, Row& row) {
    const std::size_t comma = line.find(',');
    if (comma == std::string_view::npos || line.find(',', comma + 1) != std::string_view::npos) {
      error_ = at(line_number) + "expected 2 fields 'time_s,dirty_pages_per_s', got " +
               shown(trim(line));
      return false;
    }
    const std::string_view time_field = line.substr(0, comma);
    const std::string_view rate_field = line.substr(comma + 1);
    if (!parse_number(time_field, "time_s", line_number, row.time_s)) return false;
    if (!parse_number(rate_field, "dirty_pages_per_s", line_number, row.rate)) return false;
    current_time_text_ = std::string(trim(time_field));
    if (row.time_s < 0.0 || row.time_s >= kMaxTimeS) {
      error_ = at(line_number) + "expected time_s in [0, 1e9), got " + shown(current_time_text_);
      return false;
    }
    if (row.rate < 0.0 || row.rate > kMaxWriteRatePagesPerS) {
      error_ = at(line_number) + "expected dirty_pages_per_s in [0, 1e9], got " +
               shown(trim(rate_field));
      return false;
    }
    row.time_nanos = std::llround(row.time_s * 1e9);
    row.line = line_number;
    return true;
  }

  static RateSchedule to_schedule(const std::vector<Row>& rows) {
    RateSchedule schedule;
    schedule.repeat = PhaseRepeat::hold_last;
    if (rows.front().time_nanos > 0) {
      schedule.phases.push_back(Phase{Duration(rows.front().time_nanos), PhaseKind::idle, 0.0});
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const bool last = i + 1 == rows.size();
      const Duration duration(last ? 0 : rows[i + 1].time_nanos - rows[i].time_nanos);
      const PhaseKind kind = rows[i].rate == 0.0 ? PhaseKind::idle : PhaseKind::steady;
      schedule.phases.push_back(Phase{duration, kind, rows[i].rate});
    }
    return schedule;
  }

  std::string_view source_;
  std::string error_;
  std::string current_time_text_;
  std::string previous_time_text_;
};

}  // namespace

TraceLoad parse_trace_csv(std::string_view text, std::string_view source_name) {
  return Parser(source_name).parse(text);
}

TraceLoad load_trace_csv(const std::string& path) {
  constexpr std::uintmax_t kMaxTraceBytes = 64U << 20;
  const BoundedFile file = read_bounded_file(path, kMaxTraceBytes);
  switch (file.problem) {
    case FileProblem::kNone:
      return parse_trace_csv(file.text, path);
    case FileProblem::kDirectory:
      return TraceLoad{{}, path + ": expected a file, got a directory"};
    case FileProblem::kNotRegular:
      return TraceLoad{{}, path + ": expected a regular file"};
    case FileProblem::kTooLarge:
      return TraceLoad{
          {}, path + ": larger than 64 MiB (" + std::to_string(file.size_bytes) + " bytes)"};
    case FileProblem::kMissing:
    case FileProblem::kUnreadable:
      break;
  }
  return TraceLoad{{}, path + ": cannot open the file for reading"};
}

}  // namespace mycelium::sim
