// A DistributionScenario's lease run: master selection by lease (master-slave) in SimGrid over
// two zones, the smaller (nodes / 2 members) cut off for a while, the master of one moment
// crashed. Sampled every sample_every: how many masters there are (never two, the lease's
// promise), of which terms (never two holders of one), how long the cluster goes without one.
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include <core/distribution/lease_election.hpp>
#include <sim/env/simulation.hpp>
#include <sim/scenario/distribution_runs.hpp>
#include <sim/scenario/units.hpp>

namespace mycelium::sim {

namespace {

constexpr double kNicBytesPerS = 1.25e9;
constexpr const char* kLargeZone = "zone-a";
constexpr const char* kSmallZone = "zone-b";

// Nodes 0 .. n - n/2 - 1 in the larger zone, the rest (n / 2) in the smaller; one-way latency
// rtt / 2 within a zone and 5 rtt between them (so a round trip across is 10 rtt).
PlatformSpec lease_platform(std::uint32_t nodes, Duration rtt) {
  PlatformSpec platform = uniform_platform(1, nodes, kNicBytesPerS);
  const std::uint32_t large = nodes - nodes / 2;
  for (std::uint32_t i = 0; i < nodes; ++i)
    platform.nodes[i].zone = i < large ? kLargeZone : kSmallZone;
  const double one_way_s = to_seconds(rtt) / 2;
  platform.intra_zone = LinkProfile{one_way_s, kNicBytesPerS};
  platform.inter_zone = LinkProfile{8 * one_way_s, kNicBytesPerS};
  return platform;
}

}  // namespace

void run_lease(const LeaseSweep& sweep, const DistributionRunSpec& run,
               analysis::RunResult& result) {
  const std::uint32_t n = run.nodes;
  const std::uint32_t large = n - n / 2;
  Simulation simulation(lease_platform(n, sweep.rtt), run.seed, NetworkModel::kDatagram);
  simulation.set_message_loss(run.loss);
  distribution::LeaseConfig config;
  for (std::uint32_t i = 0; i < n; ++i)
    config.members.push_back(NodeId{i});
  config.lease_duration = sweep.lease_duration;
  // The margin and the renewals scale with the lease, as its defaults do (2 s: 100 ms, 500 ms).
  config.safety_margin = sweep.lease_duration / 20;
  config.renew_interval = sweep.lease_duration / 4;
  config.election_timeout = sweep.lease_duration / 2;
  // Sealed as a deployment's are, under a fixed key: what the seal costs (38 bytes a message)
  // is simulated too. One Authenticator serves every node: the run is single-threaded.
  constexpr std::string_view kKey = "mycelium-lease-scenario";
  config.authenticator = std::make_shared<const spore::Authenticator>(spore::key_bytes(kKey));
  config.network_id = spore::network_id_from_name(kKey);
  std::vector<std::unique_ptr<distribution::LeaseElection>> nodes;
  for (std::uint32_t i = 0; i < n; ++i)
    nodes.push_back(
        std::make_unique<distribution::LeaseElection>(simulation.node(NodeId{i}), config));

  std::vector<double> masters_series;
  std::vector<double> master_series;
  std::vector<double> term_series;
  std::map<std::uint64_t, std::set<std::uint32_t>> holders_of_term;
  std::size_t most_masters = 0;
  std::size_t samples = 0;
  std::size_t samples_with_master = 0;
  std::optional<TimePoint> crashed_at;
  double failover_s = kNotApplicable;
  double cut_to_large_zone_master_s = kNotApplicable;
  std::size_t small_zone_master_samples_in_cut = 0;  // after its lease ran out: should be none
  const TimePoint end(sweep.duration);
  const auto in_cut = [&](TimePoint at) {
    return sweep.cut_at && at >= TimePoint(*sweep.cut_at) && at < TimePoint(*sweep.heal_at);
  };
  bool cut = false;
  // Bounded: duration / sample_every samples (the loader keeps both in range).
  for (TimePoint at(sweep.sample_every); at <= end; at += sweep.sample_every) {
    if (in_cut(at) != cut) {  // the cut starts or heals at the first sample at or after it
      cut = !cut;
      simulation.set_zone_link_up(kLargeZone, kSmallZone, !cut);
      result.events.emplace_back(cut ? "zones_cut" : "zones_healed", to_seconds(at));
    }
    simulation.run_until(at);
    std::size_t masters = 0;
    std::optional<std::uint32_t> master;
    std::uint64_t term = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
      if (!nodes[i] || !nodes[i]->is_master()) continue;
      ++masters;
      master = i;
      term = nodes[i]->term();
      holders_of_term[term].insert(i);
    }
    ++samples;
    if (masters == 1) ++samples_with_master;
    most_masters = std::max(most_masters, masters);
    if (crashed_at && std::isnan(failover_s) && master) failover_s = to_seconds(at - *crashed_at);
    if (cut && master && *master < large && std::isnan(cut_to_large_zone_master_s))
      cut_to_large_zone_master_s = to_seconds(at - TimePoint(*sweep.cut_at));
    if (cut && master && *master >= large && at >= TimePoint(*sweep.cut_at + sweep.lease_duration))
      ++small_zone_master_samples_in_cut;
    masters_series.push_back(static_cast<double>(masters));
    master_series.push_back(master ? static_cast<double>(*master) : -1.0);
    term_series.push_back(static_cast<double>(term));
    result.time_s.push_back(to_seconds(at));
    if (sweep.crash_master_at && !crashed_at && at >= TimePoint(*sweep.crash_master_at) && master) {
      nodes[*master].reset();
      simulation.crash_node(NodeId{*master});
      crashed_at = at;
      result.events.emplace_back("master_crash", to_seconds(at));
    }
  }
  std::size_t shared_terms = 0;
  for (const auto& [term, holders] : holders_of_term)
    if (holders.size() > 1) ++shared_terms;
  result.series.push_back({"masters", "1", std::move(masters_series)});
  result.series.push_back({"master_node", "1", std::move(master_series)});
  result.series.push_back({"master_term", "1", std::move(term_series)});
  result.summary = {
      {"nodes", static_cast<double>(n)},
      {"loss", run.loss},
      {"most_masters_at_once", static_cast<double>(most_masters)},
      {"terms_with_two_masters", static_cast<double>(shared_terms)},
      {"terms", static_cast<double>(holders_of_term.size())},
      {"time_with_master_fraction",
       static_cast<double>(samples_with_master) / static_cast<double>(samples)},
      {"failover_s", failover_s},
      {"cut_to_large_zone_master_s", cut_to_large_zone_master_s},
      {"small_zone_master_after_lease_samples",
       static_cast<double>(small_zone_master_samples_in_cut)},
  };
}

}  // namespace mycelium::sim
