#include <charconv>

#include <sim/scenario/spore_scenario.hpp>

namespace mycelium::sim {

std::string format_loss(double probability) {
  char text[32];
  const auto written = std::to_chars(text, text + sizeof text, probability);
  return std::string(text, written.ptr);
}

std::vector<SporeRunSpec> expand_sweep(const SporeScenario& scenario) {
  std::vector<SporeRunSpec> runs;
  runs.reserve(scenario.members.size() * scenario.packet_loss.size() * scenario.seeds.size());
  for (std::uint32_t members : scenario.members) {
    for (double loss : scenario.packet_loss) {
      for (std::uint64_t seed : scenario.seeds) {
        runs.push_back(SporeRunSpec{"members-" + std::to_string(members) + "/loss-" +
                                        format_loss(loss) + "/seed-" + std::to_string(seed),
                                    members, loss, seed});
      }
    }
  }
  return runs;
}

}  // namespace mycelium::sim
