#include <sim/scenario/scenario.hpp>

namespace mycelium::sim {

std::vector<RunSpec> expand_sweep(const Scenario& scenario) {
  std::vector<RunSpec> runs;
  runs.reserve(scenario.networks.size() * scenario.workloads.size() *
               scenario.configurations.size() * scenario.seeds.size());
  for (const NetworkSpec& network : scenario.networks) {
    for (const NamedWorkload& workload : scenario.workloads) {
      for (const ReplicationConfiguration& configuration : scenario.configurations) {
        for (std::uint64_t seed : scenario.seeds) {
          runs.push_back(RunSpec{network.name + "/" + workload.name + "/" + configuration.name +
                                     "/seed-" + std::to_string(seed),
                                 &network, &workload, &configuration, seed});
        }
      }
    }
  }
  return runs;
}

}  // namespace mycelium::sim
