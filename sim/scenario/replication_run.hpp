#pragma once
// One run of a replication scenario in SimGrid: a primary with a simulated guest on one site,
// its backups on another, the scenario's network between them, faults at their times. Returns
// the time series and the summary the results file stores (docs/results.md, docs/scenarios.md).
//
// Call it in a fresh process for bit-for-bit results (SimGrid keeps one clock per process; see
// sim/env/simulation.hpp): `mycelium run` forks one child per run.

#include <analysis/results/results.hpp>
#include <sim/scenario/scenario.hpp>

namespace mycelium::sim {

// Throws std::runtime_error with a clear message when the configuration cannot run (e.g. a
// buffer smaller than a page of this guest).
analysis::RunResult run_replication(const Scenario& scenario, const RunSpec& run);

}  // namespace mycelium::sim
