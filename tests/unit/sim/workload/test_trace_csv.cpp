// Dirty-rate traces: a good file loads as a step function the guest follows; bad files give an
// error naming the file and line and saying what was expected; no input crashes the parser.

#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>
#include <unistd.h>

#include <sim/workload/simulated_guest.hpp>
#include <sim/workload/trace_csv.hpp>
#include <tests/unit/sim/workload/guest_test_support.hpp>

using namespace mycelium;
using namespace mycelium::sim;
using mycelium::sim::testing::constant_rate_spec;
using mycelium::sim::testing::HandClock;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

// A trace file in a fresh temporary directory, removed with the object.
class TempTrace {
 public:
  TempTrace(const std::string& name, const std::string& contents)
      : directory_(std::filesystem::temp_directory_path() /
                   // The pid too: ctest runs test cases of this binary in parallel processes.
                   ("mycelium-trace-test-" + std::to_string(getpid()) + "-" +
                    std::to_string(counter()++))),
        path_((directory_ / name).string()) {
    std::filesystem::create_directories(directory_);
    std::ofstream(path_, std::ios::binary) << contents;
  }
  ~TempTrace() {
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }
  TempTrace(const TempTrace&) = delete;
  TempTrace& operator=(const TempTrace&) = delete;

  const std::string& path() const { return path_; }

 private:
  static int& counter() {
    static int next = 0;
    return next;
  }
  std::filesystem::path directory_;
  std::string path_;
};

// The error a file with these contents gives, which must start with "path:line: ".
std::string error_for(const std::string& contents, int line) {
  const TempTrace trace("trace.csv", contents);
  const TraceLoad load = load_trace_csv(trace.path());
  CHECK_FALSE(load.ok());
  CHECK_THAT(load.error, StartsWith(trace.path() + ":" + std::to_string(line) + ": expected"));
  return load.error;
}

}  // namespace

TEST_CASE("A trace file loads as a step function the guest follows", "[workload]") {
  const TempTrace trace("trace.csv",
                        "time_s,dirty_pages_per_s\n"
                        "1,1000\n"
                        "\n"
                        " 2.5 , 50000 \r\n"
                        "4,0\n");
  const TraceLoad load = load_trace_csv(trace.path());
  REQUIRE(load.ok());
  const RateSchedule& schedule = load.schedule;
  CHECK(schedule.repeat == PhaseRepeat::hold_last);
  REQUIRE(schedule.phases.size() == 4);  // an idle lead-in before the first row
  CHECK(schedule.phases[0].kind == PhaseKind::idle);
  CHECK(schedule.phases[0].duration == 1s);
  CHECK(schedule.phases[1].duration == 1500ms);
  CHECK(schedule.phases[1].write_rate_pages_per_s == 1000.0);
  CHECK(schedule.phases[2].duration == 1500ms);
  CHECK(schedule.phases[2].write_rate_pages_per_s == 50000.0);
  CHECK(schedule.phases[3].kind == PhaseKind::idle);

  WorkloadSpec spec = constant_rate_spec(0);
  spec.schedule = schedule;
  REQUIRE(validate(spec).empty());
  HandClock clock;
  SimulatedGuest guest(spec, RandomStream(1), clock.reader());
  clock.now = kTimeZero + 1s;
  CHECK(guest.writes_total() == 0);
  clock.now = kTimeZero + 2s;
  CHECK(guest.writes_total() == 1000);
  clock.now = kTimeZero + 3s;  // 0.5 s at 1000, then 0.5 s at 50000
  CHECK(guest.writes_total() == 1500 + 25000);
  clock.now = kTimeZero + 100s;  // the last row (rate 0) holds
  CHECK(guest.writes_total() == 1500 + 75000);
}

TEST_CASE("Bad trace files give errors naming file, line and what was expected", "[workload]") {
  CHECK_THAT(error_for("0,100\n1,200\n", 1), Contains("expected the header"));
  CHECK_THAT(error_for("", 1), Contains("got an empty file"));
  CHECK_THAT(error_for("time_s,dirty_pages_per_s\n0,abc\n", 2),
             Contains("expected a finite number for dirty_pages_per_s, got 'abc'"));
  CHECK_THAT(error_for("time_s,dirty_pages_per_s\n0,100\nsoon,100\n", 3),
             Contains("expected a finite number for time_s, got 'soon'"));
  CHECK_THAT(error_for("time_s,dirty_pages_per_s\n0,nan\n", 2), Contains("finite number"));
  CHECK_THAT(error_for("time_s,dirty_pages_per_s\n0,-5\n", 2),
             Contains("expected dirty_pages_per_s in [0, 1e9], got '-5'"));
  CHECK_THAT(error_for("time_s,dirty_pages_per_s\n-1,5\n", 2), Contains("expected time_s in"));
  CHECK_THAT(error_for("time_s,dirty_pages_per_s\n0,1\n3,2\n2,3\n", 4),
             Contains("after the previous row's '3' (line 3)"));
  CHECK_THAT(error_for("time_s,dirty_pages_per_s\n0,1\n0,2\n", 3), Contains("strictly increase"));
  CHECK_THAT(error_for("time_s,dirty_pages_per_s\n0,1,2\n", 2), Contains("expected 2 fields"));
  CHECK_THAT(error_for("time_s,dirty_pages_per_s\n0\n", 2), Contains("expected 2 fields"));
  CHECK_THAT(error_for("time_s,dirty_pages_per_s\n\n", 3), Contains("at least one data row"));
  CHECK_THAT(error_for("time_s,dirty_pages_per_s\n0,1e300\n", 2), Contains("[0, 1e9]"));

  const TraceLoad missing = load_trace_csv("/nonexistent/mycelium/trace.csv");
  CHECK_FALSE(missing.ok());
  CHECK_THAT(missing.error, StartsWith("/nonexistent/mycelium/trace.csv: "));
}

TEST_CASE("A UTF-8 byte order mark before the header is accepted", "[workload]") {
  const TraceLoad load = parse_trace_csv("\xEF\xBB\xBFtime_s,dirty_pages_per_s\n0,7\n", "bom.csv");
  REQUIRE(load.ok());
  REQUIRE(load.schedule.phases.size() == 1);
  CHECK(load.schedule.phases[0].write_rate_pages_per_s == 7.0);
}

TEST_CASE("Random garbage never crashes the trace parser", "[workload]") {
  // Fixed seed: a mix of the characters a CSV parser cares about, in random order.
  constexpr std::string_view kAlphabet = "0123456789.,-+e\n\r \tnaix\xEF\xBB\xBF";
  RandomStream random(3);
  int accepted = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text = round % 2 == 0 ? "time_s,dirty_pages_per_s\n" : "";
    const std::uint64_t length = random.uniform_int(0, 60);
    for (std::uint64_t i = 0; i < length; ++i)
      text += kAlphabet[random.uniform_int(0, kAlphabet.size() - 1)];
    const TraceLoad load = parse_trace_csv(text, "fuzz.csv");
    if (load.ok()) {
      ++accepted;
      WorkloadSpec spec = constant_rate_spec(0);
      spec.schedule = load.schedule;
      CHECK(validate(spec).empty());  // whatever parses is runnable
    } else {
      CHECK_THAT(load.error, StartsWith("fuzz.csv:"));
    }
  }
  CHECK(accepted > 0);
}
