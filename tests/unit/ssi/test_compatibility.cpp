// SSI verdicts from imports: each concern is recognised by its symbols or libraries, decides the
// verdict it should for each model, and the report says which import decided.

#include <catch2/catch.hpp>

#include <core/ssi/compatibility.hpp>

using namespace mycelium::ssi;

namespace {

ElfImports importing(std::vector<std::string> symbols, std::vector<std::string> needed = {}) {
  ElfImports imports;
  imports.dynamic = true;
  std::sort(symbols.begin(), symbols.end());
  imports.symbols = std::move(symbols);
  imports.needed = std::move(needed);
  return imports;
}

}  // namespace

TEST_CASE("a binary that only computes and writes is suitable for both models") {
  const CompatibilityReport report = analyze(importing({"malloc", "memcpy", "write", "read"}));
  CHECK(report.findings.empty());
  CHECK(report.lock_step.verdict == Verdict::kSuitable);
  CHECK(report.asynchronous_chunked.verdict == Verdict::kSuitable);
  CHECK(report.lock_step.reasons.empty());
}

TEST_CASE("each concern gives each model the verdict its reason explains") {
  struct Case {
    std::string symbol;
    std::string_view concern;
    Verdict lock_step;
    Verdict chunked;
  };
  const Case cases[] = {
      {"pthread_create", "threads", Verdict::kNotSuitable, Verdict::kCostly},
      {"shm_open", "shared-memory", Verdict::kNotSuitable, Verdict::kNotSuitable},
      {"fork", "process-creation", Verdict::kNotSuitable, Verdict::kCostly},
      {"clock_gettime", "wall-clock", Verdict::kCostly, Verdict::kCostly},
      {"getrandom", "randomness", Verdict::kCostly, Verdict::kCostly},
      {"ioctl", "ioctl", Verdict::kCostly, Verdict::kCostly},
      {"sigaction", "signals", Verdict::kCostly, Verdict::kSuitable},
      {"accept", "network", Verdict::kCostly, Verdict::kCostly},
  };
  for (const Case& c : cases) {
    INFO(c.symbol);
    const CompatibilityReport report = analyze(importing({c.symbol, "write"}));
    REQUIRE(report.findings.size() == 1);
    CHECK(to_string(report.findings[0].concern) == c.concern);
    CHECK(report.findings[0].evidence == std::vector<std::string>{c.symbol});
    CHECK(report.lock_step.verdict == c.lock_step);
    CHECK(report.asynchronous_chunked.verdict == c.chunked);
    if (c.lock_step != Verdict::kSuitable) {
      REQUIRE(report.lock_step.reasons.size() == 1);
      CHECK(
          report.lock_step.reasons[0].starts_with(std::string(c.concern) + " (" + c.symbol + ")"));
    }
  }
}

TEST_CASE("a device library rules out both models") {
  const CompatibilityReport report = analyze(importing({"write"}, {"libudev.so.1", "libc.so.6"}));
  REQUIRE(report.findings.size() == 1);
  CHECK(report.findings[0].concern == Concern::kDevices);
  CHECK(report.findings[0].evidence == std::vector<std::string>{"libudev.so.1"});
  CHECK(report.lock_step.verdict == Verdict::kNotSuitable);
  CHECK(report.asynchronous_chunked.verdict == Verdict::kNotSuitable);
}

TEST_CASE("what the libraries import counts, named by library, and the worst reason comes first") {
  std::vector<ImportSource> process{
      {"", importing({"clock_gettime", "write"}, {"libworker.so.2"})},
      {"libworker.so.2", importing({"pthread_create", "clock_gettime"})},
  };
  const CompatibilityReport report = analyze(process);
  REQUIRE(report.findings.size() == 2);
  CHECK(report.findings[0].concern == Concern::kThreads);  // in Concern order
  CHECK(report.findings[0].evidence ==
        std::vector<std::string>{"pthread_create in libworker.so.2"});
  // The binary's own import first, then the library's.
  CHECK(report.findings[1].evidence ==
        std::vector<std::string>{"clock_gettime", "clock_gettime in libworker.so.2"});
  CHECK(report.lock_step.verdict == Verdict::kNotSuitable);
  REQUIRE(report.lock_step.reasons.size() == 2);
  CHECK(report.lock_step.reasons[0].starts_with("threads (pthread_create in libworker.so.2)"));
  CHECK(report.lock_step.reasons[1].starts_with("wall-clock (clock_gettime, +1)"));
}

TEST_CASE("an Application's hints count: ports are network, natively distributed needs no SSI") {
  mycelium::manifest::Application application;
  application.metadata.name = "kv";
  application.ports = {7000, 7001};
  application.cpu_cores = 8;  // sizing, not a hint of threads

  CompatibilityReport report = analyze(std::vector<ImportSource>{}, &application);
  REQUIRE(report.findings.size() == 1);
  CHECK(report.findings[0].concern == Concern::kNetwork);
  CHECK(report.findings[0].evidence ==
        std::vector<std::string>{"ports 7000/7001 in Application kv"});
  CHECK(report.lock_step.verdict == Verdict::kCostly);

  application.architecture = mycelium::manifest::Architecture::kNativelyDistributed;
  report = analyze(std::vector<ImportSource>{{"", importing({"accept"})}}, &application);
  REQUIRE(report.findings.size() == 2);
  CHECK(report.findings[0].evidence ==
        std::vector<std::string>{"accept", "ports 7000/7001 in Application kv"});
  CHECK(report.findings[1].concern == Concern::kNativelyDistributed);
  CHECK(report.lock_step.verdict == Verdict::kNotSuitable);
  CHECK(report.asynchronous_chunked.verdict == Verdict::kNotSuitable);
  CHECK(report.lock_step.reasons[0].starts_with(
      "natively-distributed (architecture natively-distributed in Application kv)"));
}
