#pragma once
// A simulation: one SimGrid engine, the platform of a PlatformSpec, one SimgridEnvironment per
// node (node i is NodeId{i}) and the single driver actor that runs them all (event_loop.hpp).
//
//   Simulation simulation(uniform_platform(2, 4, 1.25e9), /*scenario_seed=*/42);
//   Heartbeat heartbeat(simulation.node(NodeId{0}), NodeId{5}, 100ms);  // any core component
//   simulation.run_until(TimePoint(10s));
//   simulation.metrics(NodeId{0}).counter("heartbeat_replies_total");
//
// Declare components after the Simulation they use, so they are destroyed first.
//
// Network model (network_model.hpp), chosen at construction:
//  * kFlow (the default): every message is a SimGrid communication. The engine runs SimGrid's
//    CM02 model with cross-traffic off and no TCP window bound (network/model:CM02,
//    network/crosstraffic:0, network/TCP-gamma:0): a lone message of B bytes takes exactly route
//    latency + B / bottleneck bandwidth (platform_spec.hpp), with no TCP latency or bandwidth
//    factors, so tests and scenarios can predict times from the spec. Flows sharing a link split
//    it max-min fairly, weighted by the inverse of their route latency (CM02's RTT unfairness):
//    flows of equal latency share equally.
//  * kDatagram: every message arrives at send time + route latency + B / route bottleneck, the
//    time CM02 gives it alone (the same to the nanosecond: tested), whatever else is in flight.
//    No SimGrid host or link per node, an O(log n) arrival queue instead of comms. The accuracy
//    trade-off: no bandwidth sharing, so right for small datagrams far below link capacity
//    (Service Spores), wrong for bulk transfers (replication, migration: keep kFlow).
//    Everything else (order at one instant, loss draws, crash and link-fault losses, faults,
//    slicing) is the same in both models. Measured with bench/bench_network_model (each node
//    sends a 100-byte request to a random node every second, answered by a 100-byte reply; both
//    models deliver the same messages): 10 000 nodes x 10 s take 46 s under kFlow and 0.05 to
//    0.08 s under kDatagram; 1 000 000 nodes x 10 s take 0.7 s to build and 44 s to run under
//    kDatagram, 489 MiB at peak, where kFlow's platform alone takes 97 s and 3.2 GiB to build
//    (docs/architecture.md, "Network model", has the table).
//
// One engine per process at a time. SimGrid 3.32 allows sequential engines in one process (the
// s4u::Engine destructor resets the singleton) with two catches, both handled here:
//  * the clock does not restart: a new engine starts where the previous one stopped. Each
//    simulation measures its epoch at creation and its TimePoints count from there; times then
//    agree with a fresh process up to floating-point rounding (below a nanosecond). For bit-for-
//    bit comparisons run each simulation in a fresh process (the runner does; the tests fork).
//    kDatagram never reads the engine's clock for its times: its runs do not depend on the epoch.
//  * the configuration is frozen by the first engine of the process (later --cfg arguments are
//    ignored; changing the network model later is fatal). The constructor checks that the model
//    in force is the one above and throws std::runtime_error otherwise (an engine created
//    elsewhere in the process first, with other settings).
// SimGrid's logging is silenced (root.thres:critical).

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string_view>

#include <simgrid/forward.h>

#include <core/env/environment.hpp>
#include <sim/env/event_loop.hpp>
#include <sim/env/health_model.hpp>
#include <sim/env/memory_metrics.hpp>
#include <sim/env/network_model.hpp>
#include <sim/env/platform.hpp>
#include <sim/env/platform_spec.hpp>
#include <sim/env/simgrid_environment.hpp>

namespace mycelium::sim {

class Simulation {
 public:
  // Throws std::invalid_argument for an invalid spec, std::logic_error if another Simulation (or
  // SimGrid engine) is alive, std::runtime_error if SimGrid is configured otherwise (see above).
  // `partitions` > 1 (kDatagram only) runs the nodes in that many partitions of whole zones, one
  // thread each (event_loop.hpp, "Partitions"): deterministic for a given count, and callbacks
  // must touch only their own node. std::invalid_argument if the platform cannot be cut so
  // (partition_plan.hpp) or the model is kFlow.
  Simulation(PlatformSpec spec, std::uint64_t scenario_seed,
             NetworkModel model = NetworkModel::kFlow, std::uint32_t partitions = 1);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  std::size_t node_count() const { return nodes_.size(); }
  SimgridEnvironment& node(NodeId id);
  const PlatformSpec& spec() const { return spec_; }
  std::uint64_t scenario_seed() const { return scenario_seed_; }
  NetworkModel network_model() const { return platform_->network_model(); }
  TimePoint now() const { return loop_->now(); }
  // The partitions the nodes run in, and each node's (its metrics' names are that partition's).
  std::uint32_t partition_count() const { return loop_->partitions().count(); }
  std::uint32_t partition_of(NodeId node) const { return loop_->partitions().of(node); }
  // Between runs: work(p) for each partition p on its own thread (EventLoop::run_in_partitions:
  // read any node, act only for partition p's).
  void run_in_partitions(const std::function<void(std::uint32_t partition)>& work) {
    loop_->run_in_partitions(work);
  }

  // Runs every event due at or before `until` (>= now()); now() is `until` afterwards. Rethrows
  // an exception that escaped a callback; the simulation cannot continue after that.
  void run_until(TimePoint until);
  void run_for(Duration duration) { run_until(now() + duration); }
  std::size_t messages_in_flight() const { return loop_->messages_in_flight(); }

  // --- faults: callable between runs (they take effect at now()) or from callbacks ---
  // Runs `action` at `at` (>= now()), ordered with the timers due then by scheduling order.
  void schedule_fault(TimePoint at, std::function<void()> action);
  // The node stops: its timers never fire, its ports are unbound, messages to and from it are
  // lost (in flight too). Idempotent.
  void crash_node(NodeId node);
  // The node runs again, with no timer and no port bound (SimgridEnvironment::crash).
  void restart_node(NodeId node);
  bool is_crashed(NodeId node) const;
  // Each message sent from now on is lost with `probability` in [0, 1], independently (seeded
  // from the scenario seed): datagram loss, for protocols that must live with it (spores).
  void set_message_loss(double probability);
  // Turns the link between two zones (zone_a == zone_b: that zone's backbone) off or on. Messages
  // crossing it when it goes off, or sent over it while off, are lost (route_faults.hpp).
  // std::invalid_argument if there is no such zone.
  void set_zone_link_up(std::string_view zone_a, std::string_view zone_b, bool up);
  // The node's NIC, both directions: off isolates the node without crashing it.
  void set_nic_up(NodeId node, bool up);
  // A new one-way latency for the link between two zones (zone_a == zone_b: that zone's
  // backbone), both directions: a route that changed. SimGrid adds the difference to messages
  // still crossing it. The flow network model only (the datagram model's routes are fixed);
  // std::invalid_argument otherwise, or if there is no such zone.
  void set_zone_link_latency(std::string_view zone_a, std::string_view zone_b,
                             Duration one_way_latency);

  // --- guests and results ---
  // Gives `node` a guest: its vm() returns it from now on (null by default).
  void attach_vm(NodeId node, std::unique_ptr<VmActuator> vm);
  MemoryMetrics& metrics(NodeId node) { return node_at(node).memory_metrics(); }
  // What the nodes' health checks answer (every instance healthy unless set otherwise).
  HealthModel& health_model() { return health_; }

 private:
  SimgridEnvironment& node_at(NodeId node);
  const SimgridEnvironment& node_at(NodeId node) const;

  PlatformSpec spec_;
  std::uint64_t scenario_seed_;
  std::unique_ptr<simgrid::s4u::Engine> engine_;
  std::unique_ptr<Platform> platform_;
  HealthModel health_;  // before nodes_: they keep a reference
  // Likewise: the names of the metrics (each stored once, memory_metrics.hpp), one table per
  // partition so that partitions never share one (interning is not thread-safe).
  std::deque<MetricNames> metric_names_;
  std::deque<SimgridEnvironment> nodes_;  // a deque: environments never move once created
  std::unique_ptr<EventLoop> loop_;
};

}  // namespace mycelium::sim
