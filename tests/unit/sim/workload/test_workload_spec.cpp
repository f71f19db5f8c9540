// WorkloadSpec validation: every documented constraint is reported in words.

#include <catch2/catch.hpp>

#include <sim/workload/workload_spec.hpp>
#include <tests/unit/sim/workload/guest_test_support.hpp>

using namespace mycelium;
using namespace mycelium::sim;
using mycelium::sim::testing::constant_rate_spec;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;

namespace {

// The single problem `spec` has.
std::string only_problem(const WorkloadSpec& spec) {
  const std::vector<std::string> problems = validate(spec);
  REQUIRE(problems.size() == 1);
  return problems.front();
}

}  // namespace

TEST_CASE("A well-formed workload spec has no problem", "[workload]") {
  CHECK(validate(constant_rate_spec(1000)).empty());
  CHECK(validate(constant_rate_spec(1000, Popularity::zipf(0.99))).empty());
  CHECK(validate(constant_rate_spec(1000, Popularity::hot_cold(0.1, 0.9))).empty());
}

TEST_CASE("Workload spec problems are reported in words", "[workload]") {
  WorkloadSpec spec = constant_rate_spec(1000);
  spec.working_set_bytes = spec.memory_bytes + 4096;
  CHECK_THAT(only_problem(spec), Contains("must not exceed memory_bytes"));

  spec = constant_rate_spec(1000);
  spec.memory_bytes += 1;
  spec.working_set_bytes = 4096;
  CHECK_THAT(only_problem(spec), Contains("memory_bytes must be a positive multiple"));

  spec = constant_rate_spec(1000, Popularity::zipf(0.0));
  CHECK_THAT(only_problem(spec), Contains("zipf_exponent"));

  spec = constant_rate_spec(1000, Popularity::hot_cold(1.0, 0.9));
  CHECK_THAT(only_problem(spec), Contains("hot_fraction"));

  spec = constant_rate_spec(-1);
  CHECK_THAT(only_problem(spec), Contains("write_rate_pages_per_s must be in [0, 1e9], got -1"));

  spec = constant_rate_spec(0);
  spec.schedule.phases = {Phase{1s, PhaseKind::idle, 5.0}};
  CHECK_THAT(only_problem(spec), Contains("an idle phase must have write_rate_pages_per_s 0"));

  spec.schedule.phases = {Phase{Duration::zero(), PhaseKind::steady, 5.0}};
  spec.schedule.repeat = PhaseRepeat::cycle;  // a cycle of zero length would never advance
  CHECK_THAT(only_problem(spec), Contains("duration must be > 0"));

  spec.schedule.phases.clear();
  CHECK_THAT(only_problem(spec), Contains("at least one phase"));
}

TEST_CASE("A page group is a power of two that divides the memory and the working set",
          "[workload]") {
  WorkloadSpec spec = constant_rate_spec(1000);
  spec.page_group = 16;
  CHECK(validate(spec).empty());
  CHECK(spec.tracked_page_bytes() == 65536);
  CHECK(spec.tracked_working_set_pages() == 1024);  // 64 MiB in 64 KiB groups

  for (const std::uint32_t bad : {0U, 12U, kMaxPageGroup * 2}) {
    CAPTURE(bad);
    spec.page_group = bad;
    CHECK_THAT(only_problem(spec), Contains("page_group must be a power of two from 1 to 4096"));
  }

  spec = constant_rate_spec(1000);
  spec.working_set_bytes = 40 * 4096;  // 2.5 groups of 16 pages
  spec.page_group = 16;
  CHECK_THAT(only_problem(spec), Contains("working_set_bytes must be a positive multiple of the "
                                          "tracked page size (page_size_bytes 4096 x page_group "
                                          "16 = 65536), got 163840"));
}
