#pragma once
// One run of each part of a DistributionScenario (sim/scenario/distribution_scenario.hpp); each
// fills the figures of `result` (summary, time series, events), whose name, labels, seed and
// configuration run_distribution has set. Each run that simulates builds its own Simulation: call
// it in a process of its own (SimGrid runs one engine per process), as `mycelium run` does.

#include <analysis/results/results.hpp>
#include <sim/scenario/distribution_scenario.hpp>

namespace mycelium::sim {

void run_sharding(const ShardingSweep& sweep, const DistributionRunSpec& run,
                  analysis::RunResult& result);
void run_lease(const LeaseSweep& sweep, const DistributionRunSpec& run,
               analysis::RunResult& result);
void run_dht(const DhtSweep& sweep, const DistributionRunSpec& run, analysis::RunResult& result);
void run_event_log(const EventLogSweep& sweep, const DistributionRunSpec& run,
                   analysis::RunResult& result);

}  // namespace mycelium::sim
