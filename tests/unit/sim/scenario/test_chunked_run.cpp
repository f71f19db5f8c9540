// The asynchronous chunked prototype in SimGrid (sim/scenario/chunked_run.hpp), each job in a
// forked child: without faults it finishes near the ideal makespan and wastes nothing; a crash, a
// straggler and a faulty worker each cost what they should, and majority voting keeps every chunk
// right where first-result does not.

#include <sstream>

#include <catch2/catch.hpp>

#include <sim/scenario/chunked_run.hpp>
#include <tests/unit/sim/env/fork_helper.hpp>

using namespace mycelium;
using namespace mycelium::sim;
using namespace std::chrono_literals;

namespace {

ChunkedRunResult run_in_child(const ChunkedRunSpec& spec) {
  const std::string text = testing::run_in_child_process([spec] {
    const ChunkedRunResult r = run_chunked(spec);
    std::ostringstream out;
    out.precision(17);
    out << r.finished << ' ' << r.makespan_s << ' ' << r.ideal_makespan_s << ' ' << r.chunks_settled
        << ' ' << r.chunks_wrong << ' ' << r.chunks_undecided << ' ' << r.copies_started << ' '
        << r.copies_timed_out << ' ' << r.busy_s << ' ' << r.used_s << ' ' << r.wasted_s;
    return out.str();
  });
  std::istringstream in(text);
  ChunkedRunResult r;
  in >> r.finished >> r.makespan_s >> r.ideal_makespan_s >> r.chunks_settled >> r.chunks_wrong >>
      r.chunks_undecided >> r.copies_started >> r.copies_timed_out >> r.busy_s >> r.used_s >>
      r.wasted_s;
  REQUIRE(in);
  return r;
}

ChunkedRunSpec spec_of(std::uint32_t redundancy, ssi::ChunkConsistency consistency) {
  ChunkedRunSpec spec;
  spec.workers = 8;
  spec.chunks = 200;
  spec.chunk_work = 100ms;
  spec.redundancy = redundancy;
  spec.consistency = consistency;
  return spec;
}

}  // namespace

TEST_CASE("chunked run: without faults one copy per chunk ends near the ideal, wasting nothing",
          "[sim][ssi][chunked]") {
  const ChunkedRunResult r = run_in_child(spec_of(1, ssi::ChunkConsistency::kFirstResult));
  REQUIRE(r.finished);
  CHECK(r.ideal_makespan_s == Approx(2.5));
  // 25 rounds of 100 ms compute plus 2 ms of messages each.
  CHECK(r.makespan_s == Approx(25 * 0.102).epsilon(0.001));
  CHECK(r.chunks_settled == 200);
  CHECK(r.chunks_wrong == 0);
  CHECK(r.wasted_s == Approx(0.0).margin(1e-9));
  CHECK(r.used_s == Approx(20.0));
}

TEST_CASE("chunked run: a worker that crashes mid-job costs one timeout, and nothing is wrong",
          "[sim][ssi][chunked]") {
  ChunkedRunSpec spec = spec_of(1, ssi::ChunkConsistency::kFirstResult);
  spec.faults = {{0, 1.0, 0.0, 1050ms}};
  const ChunkedRunResult r = run_in_child(spec);
  REQUIRE(r.finished);
  CHECK(r.copies_timed_out == 1);
  CHECK(r.chunks_settled == 200);
  CHECK(r.chunks_wrong == 0);
  // Seven workers for the rest of the job: later than without the crash, earlier than the ideal
  // of seven workers plus the timeout.
  CHECK(r.makespan_s > 25 * 0.102);
  CHECK(r.makespan_s < 200 * 0.1 / 7 + 1.0 + 0.5);
}

TEST_CASE(
    "chunked run: majority voting over three copies keeps every chunk right against a "
    "faulty worker; first-result does not",
    "[sim][ssi][chunked]") {
  ChunkedRunSpec voting = spec_of(3, ssi::ChunkConsistency::kMajority);
  voting.faults = {{0, 1.0, 1.0, std::nullopt}};
  const ChunkedRunResult voted = run_in_child(voting);
  REQUIRE(voted.finished);
  CHECK(voted.chunks_wrong == 0);
  CHECK(voted.chunks_undecided == 0);
  CHECK(voted.wasted_s > voted.used_s);  // three copies (and some extra) for each chunk used
  ChunkedRunSpec trusting = spec_of(1, ssi::ChunkConsistency::kFirstResult);
  trusting.faults = voting.faults;
  const ChunkedRunResult trusted = run_in_child(trusting);
  REQUIRE(trusted.finished);
  CHECK(trusted.chunks_wrong > 10);  // about an eighth of 200
}

TEST_CASE("chunked run: the same seed gives the same job", "[sim][ssi][chunked]") {
  ChunkedRunSpec spec = spec_of(2, ssi::ChunkConsistency::kFirstResult);
  spec.faults = {{1, 0.2, 0.3, std::nullopt}, {2, 1.0, 0.0, 500ms}};
  const ChunkedRunResult a = run_in_child(spec);
  const ChunkedRunResult b = run_in_child(spec);
  CHECK(a.makespan_s == b.makespan_s);
  CHECK(a.chunks_wrong == b.chunks_wrong);
  CHECK(a.busy_s == b.busy_s);
}
