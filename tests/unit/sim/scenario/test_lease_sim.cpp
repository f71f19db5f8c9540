// Master selection by lease (core/distribution/lease_election.hpp) in SimGrid, in a forked child:
// five nodes in two zones (two and three), the zones cut apart at 6 s and joined again at 16 s,
// the master crashed at 25 s; sampled every 2 ms for 40 s: never two masters at once, never two
// of one term, and a master most of the time.

#include <map>
#include <memory>
#include <set>
#include <sstream>

#include <catch2/catch.hpp>

#include <core/distribution/lease_election.hpp>
#include <sim/env/simulation.hpp>
#include <tests/unit/sim/env/fork_helper.hpp>

using namespace mycelium;
using namespace mycelium::sim;
using namespace std::chrono_literals;

TEST_CASE("lease in SimGrid: partitions and a crash never give two masters at once or per term",
          "[sim][distribution][lease]") {
  const std::string text = testing::run_in_child_process([] {
    PlatformSpec platform = uniform_platform(1, 5, 1.25e9);
    for (std::size_t i = 0; i < platform.nodes.size(); ++i)
      platform.nodes[i].zone = i < 2 ? "zone-a" : "zone-b";
    platform.intra_zone = LinkProfile{0.5e-3, 1.25e9};
    platform.inter_zone = LinkProfile{5e-3, 1.25e8};
    Simulation simulation(platform, 7);
    distribution::LeaseConfig config;
    for (std::uint32_t i = 0; i < 5; ++i)
      config.members.push_back(NodeId{i});
    constexpr std::string_view kKey = "lease simulation test key, 32 B";
    config.authenticator = std::make_shared<const spore::Authenticator>(spore::key_bytes(kKey));
    config.network_id = spore::network_id_from_name("lease-sim-test");
    std::vector<std::unique_ptr<distribution::LeaseElection>> nodes;
    for (std::uint32_t i = 0; i < 5; ++i)
      nodes.push_back(
          std::make_unique<distribution::LeaseElection>(simulation.node(NodeId{i}), config));
    int max_masters = 0;
    std::map<std::uint64_t, std::set<std::uint32_t>> masters_of_term;
    std::int64_t samples_with_master = 0;
    std::int64_t samples = 0;
    std::optional<std::uint32_t> master_before_cut;
    std::optional<std::uint32_t> master_in_cut;
    for (int step = 1; step <= 20000; ++step) {  // 40 s in 2 ms steps
      simulation.run_until(TimePoint(step * 2ms));
      if (step * 2ms == 6s) simulation.set_zone_link_up("zone-a", "zone-b", false);
      if (step * 2ms == 16s) simulation.set_zone_link_up("zone-a", "zone-b", true);
      int masters = 0;
      std::optional<std::uint32_t> master;
      for (std::uint32_t i = 0; i < 5; ++i) {
        if (!nodes[i] || !nodes[i]->is_master()) continue;
        ++masters;
        master = i;
        masters_of_term[nodes[i]->term()].insert(i);
      }
      if (step * 2ms == 5990ms) master_before_cut = master;
      if (step * 2ms == 15990ms) master_in_cut = master;
      if (step * 2ms == 25s && master) {
        nodes[*master].reset();
        simulation.crash_node(NodeId{*master});
      }
      max_masters = std::max(max_masters, masters);
      ++samples;
      if (masters == 1) ++samples_with_master;
    }
    std::size_t shared_terms = 0;
    for (const auto& [term, holders] : masters_of_term)
      if (holders.size() > 1) ++shared_terms;
    std::ostringstream out;
    out << max_masters << ' ' << shared_terms << ' ' << masters_of_term.size() << ' '
        << static_cast<double>(samples_with_master) / static_cast<double>(samples) << ' '
        << (master_before_cut ? static_cast<int>(*master_before_cut) : -1) << ' '
        << (master_in_cut ? static_cast<int>(*master_in_cut) : -1);
    return out.str();
  });
  std::istringstream in(text);
  int max_masters = 0;
  std::size_t shared_terms = 0;
  std::size_t terms = 0;
  double with_master = 0;
  int before_cut = -1;
  int in_cut = -1;
  in >> max_masters >> shared_terms >> terms >> with_master >> before_cut >> in_cut;
  REQUIRE(in);
  INFO("terms " << terms << ", time with a master " << with_master << ", master before the cut "
                << before_cut << ", during it " << in_cut);
  CHECK(max_masters == 1);
  CHECK(shared_terms == 0);
  CHECK(before_cut >= 0);
  CHECK(in_cut >= 2);         // during the cut only the three-node zone has a majority
  CHECK(terms >= 2);          // the crash (and perhaps the cut) made a new term
  CHECK(with_master > 0.75);  // elections and lease run-outs take the rest
}
