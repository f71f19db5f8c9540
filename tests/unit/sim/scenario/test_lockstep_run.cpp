// The lock-step prototype in SimGrid (sim/scenario/lockstep_run.hpp), each run in a forked child:
// a step costs one round trip more than on one node, and crashes of up to f replicas, the
// sequencers among them, lose no answered input and leave every survivor with the same history.

#include <cstdio>
#include <sstream>

#include <catch2/catch.hpp>

#include <sim/scenario/lockstep_run.hpp>
#include <tests/unit/sim/env/fork_helper.hpp>

using namespace mycelium;
using namespace mycelium::sim;
using namespace std::chrono_literals;

namespace {

LockstepRunResult run_in_child(const LockstepRunSpec& spec) {
  const std::string text = testing::run_in_child_process([spec] {
    const LockstepRunResult r = run_lockstep(spec);
    std::ostringstream out;
    out.precision(17);
    out << r.answers << ' ' << r.latency_mean_ms << ' ' << r.latency_p50_ms << ' '
        << r.latency_p99_ms << ' ' << r.latency_max_ms << ' ' << r.steps_per_s << ' '
        << r.view_changes << ' ' << r.client_retries << ' ' << r.divergences << ' ' << r.hash_checks
        << ' ' << r.histories_agree << ' ' << r.lost_inputs << ' ' << r.final_step;
    return out.str();
  });
  std::istringstream in(text);
  LockstepRunResult r;
  in >> r.answers >> r.latency_mean_ms >> r.latency_p50_ms >> r.latency_p99_ms >>
      r.latency_max_ms >> r.steps_per_s >> r.view_changes >> r.client_retries >> r.divergences >>
      r.hash_checks >> r.histories_agree >> r.lost_inputs >> r.final_step;
  REQUIRE(in);
  return r;
}

LockstepRunSpec spec_of(std::uint32_t replicas, Duration one_way) {
  LockstepRunSpec spec;
  spec.replicas = replicas;
  spec.one_way_latency = one_way;
  spec.apply_duration = 1ms;
  spec.duration = 5s;
  return spec;
}

}  // namespace

TEST_CASE("lockstep run: a step on three replicas costs one round trip more than on one node",
          "[sim][ssi][lockstep]") {
  const LockstepRunResult one = run_in_child(spec_of(1, 1ms));
  const LockstepRunResult three = run_in_child(spec_of(3, 1ms));
  // One node: client -> node -> client (2 ms) plus the 1 ms step; three: plus order and ack.
  CHECK(one.latency_p50_ms == Approx(3.0).epsilon(0.01));
  CHECK(three.latency_p50_ms == Approx(5.0).epsilon(0.01));
  CHECK(three.latency_p99_ms == Approx(5.0).epsilon(0.01));
  CHECK(one.answers > 1600);
  CHECK(three.answers > 900);
  CHECK(three.histories_agree);
  CHECK(three.divergences == 0);
  CHECK(three.hash_checks >= three.answers);
  CHECK(three.lost_inputs == 0);
  CHECK(three.view_changes == 0);
}

TEST_CASE("lockstep run: five replicas survive two crashes, sequencers first, nothing lost",
          "[sim][ssi][lockstep]") {
  LockstepRunSpec spec = spec_of(5, 2ms);
  spec.clients = 3;
  spec.duration = 10s;
  spec.crashes = {{2s, 0}, {5s, 1}};  // view 0's sequencer, then view 1's
  const LockstepRunResult result = run_in_child(spec);
  CHECK(result.view_changes >= 2);
  CHECK(result.histories_agree);
  CHECK(result.divergences == 0);
  CHECK(result.lost_inputs == 0);
  CHECK(result.client_retries > 0);  // inputs in flight at the crashes were sent again
  // Still answering after the second crash: far more than 5 s worth at the fault-free rate.
  CHECK(result.answers > 3 * 5 * 1000 / 10);
  CHECK(result.final_step >= result.answers);
}

TEST_CASE("lockstep run: the same seed gives the same run", "[sim][ssi][lockstep]") {
  LockstepRunSpec spec = spec_of(3, 1ms);
  spec.clients = 2;
  spec.crashes = {{1s, 0}};
  const LockstepRunResult a = run_in_child(spec);
  const LockstepRunResult b = run_in_child(spec);
  CHECK(a.answers == b.answers);
  CHECK(a.latency_mean_ms == b.latency_mean_ms);
  CHECK(a.final_step == b.final_step);
}
