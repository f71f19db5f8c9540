#pragma once
// One run of a SporeScenario in SimGrid: N Spore members joining at t = 0 through the seed
// members, datagrams lost with the run's probability, then the scenario's events (member 1
// registers an instance, member N-1 leaves, member N-2 crashes; optionally a partition and
// churn). Returns the series and summary the results file stores (docs/scenarios.md,
// docs/results.md).
//
// Call it in a fresh process for bit-for-bit results (SimGrid keeps one clock per process; see
// sim/env/simulation.hpp): `mycelium run` forks one child per run.

#include <cstdint>
#include <functional>
#include <vector>

#include <analysis/results/results.hpp>
#include <sim/scenario/spore_scenario.hpp>

namespace mycelium::sim {

// The members' shared key: the bytes of "mycelium-spore-scenario/" followed by the scenario's
// name. Fixed and public, which is fine in a simulation: it only has to be the same for every
// member (docs/scenarios.md).
std::vector<std::uint8_t> spore_scenario_key(const SporeScenario& scenario);

// Told after every sample the fraction of the run's simulated time done, in (0, 1]: a run of a
// million members takes most of an hour, and `mycelium run` shows how far each one got.
using RunProgress = std::function<void(double fraction_done)>;

analysis::RunResult run_spore(const SporeScenario& scenario, const SporeRunSpec& run,
                              const RunProgress& progress = {});

}  // namespace mycelium::sim
