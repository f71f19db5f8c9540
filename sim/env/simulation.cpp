#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <simgrid/s4u/Engine.hpp>
#include <simgrid/s4u/Link.hpp>
#include <xbt/config.hpp>
#include <xbt/log.h>

#include <core/assert.hpp>
#include <sim/env/simulation.hpp>

namespace mycelium::sim {
namespace sg4 = simgrid::s4u;

namespace {

// See simulation.hpp, "Network model".
constexpr const char* kNetworkModel = "CM02";

std::unique_ptr<sg4::Engine> make_engine() {
  if (sg4::Engine::has_instance()) {
    throw std::logic_error("a SimGrid engine is already alive: one Simulation at a time");
  }
  // Also for the first engine of the process, before it parses its arguments: nothing printed.
  xbt_log_control_set("root.thres:critical");
  std::vector<std::string> arguments = {"mycelium-sim", "--log=root.thres:critical",
                                        std::string("--cfg=network/model:") + kNetworkModel,
                                        "--cfg=network/crosstraffic:0",
                                        "--cfg=network/TCP-gamma:0"};
  std::vector<char*> argv;
  for (std::string& argument : arguments)
    argv.push_back(argument.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(arguments.size());
  auto engine = std::make_unique<sg4::Engine>(&argc, argv.data());

  // The first engine of the process fixed the configuration; make sure it is ours.
  const auto model = simgrid::config::get_value<std::string>("network/model");
  const auto crosstraffic = simgrid::config::get_value<bool>("network/crosstraffic");
  const auto tcp_gamma = simgrid::config::get_value<double>("network/TCP-gamma");
  if (model != kNetworkModel || crosstraffic || tcp_gamma != 0.0) {
    throw std::runtime_error(
        "SimGrid is configured with network/model:" + model + " (crosstraffic " +
        (crosstraffic ? "on" : "off") + ", TCP-gamma " + std::to_string(tcp_gamma) +
        "): an engine created earlier in this process fixed it; Mycelium needs CM02, "
        "crosstraffic off and TCP-gamma 0");
  }
  return engine;
}

}  // namespace

Simulation::Simulation(PlatformSpec spec, std::uint64_t scenario_seed, NetworkModel model,
                       std::uint32_t partitions)
    : spec_(std::move(spec)), scenario_seed_(scenario_seed), engine_(make_engine()) {
  if (partitions != 1 && model != NetworkModel::kDatagram) {
    throw std::invalid_argument("partitions need the datagram network model");
  }
  platform_ = std::make_unique<Platform>(spec_, model);
  PartitionPlan plan(platform_->routes(), partitions);
  metric_names_.resize(plan.count());
  loop_ = std::make_unique<EventLoop>(*platform_, nodes_, sg4::Engine::get_clock(), plan);
  for (std::size_t i = 0; i < spec_.nodes.size(); ++i) {
    const NodeId node{static_cast<std::uint32_t>(i)};
    nodes_.emplace_back(*loop_, node, scenario_seed_, health_, metric_names_[plan.of(node)]);
  }
  loop_->start(platform_->driver_host());
}

Simulation::~Simulation() {
  loop_->shut_down(*engine_);
  // Members go in reverse order: the loop, the nodes, the platform, then the engine.
}

SimgridEnvironment& Simulation::node(NodeId id) {
  return node_at(id);
}

SimgridEnvironment& Simulation::node_at(NodeId node) {
  MYCELIUM_ASSERT(node.value < nodes_.size());
  return nodes_[node.value];
}

const SimgridEnvironment& Simulation::node_at(NodeId node) const {
  MYCELIUM_ASSERT(node.value < nodes_.size());
  return nodes_[node.value];
}

void Simulation::run_until(TimePoint until) {
  MYCELIUM_ASSERT(until >= now());
  loop_->run_until(*engine_, until);
}

void Simulation::schedule_fault(TimePoint at, std::function<void()> action) {
  MYCELIUM_ASSERT(at >= now());
  loop_->schedule_event(at, std::move(action));
}

void Simulation::crash_node(NodeId node) {
  node_at(node).crash();
}

void Simulation::restart_node(NodeId node) {
  node_at(node).restart();
}

bool Simulation::is_crashed(NodeId node) const {
  return node_at(node).crashed();
}

void Simulation::set_zone_link_up(std::string_view zone_a, std::string_view zone_b, bool up) {
  const std::optional<std::uint32_t> a = platform_->zone_index(zone_a);
  const std::optional<std::uint32_t> b = platform_->zone_index(zone_b);
  if (!a || !b) {
    throw std::invalid_argument("no link between zones '" + std::string(zone_a) + "' and '" +
                                std::string(zone_b) + "'");
  }
  loop_->run_in_driver([this, a, b, up] { loop_->set_zone_link_up(*a, *b, up); });
}

void Simulation::set_zone_link_latency(std::string_view zone_a, std::string_view zone_b,
                                       Duration one_way_latency) {
  if (!platform_->zone_index(zone_a) || !platform_->zone_index(zone_b)) {
    throw std::invalid_argument("no link between zones '" + std::string(zone_a) + "' and '" +
                                std::string(zone_b) + "'");
  }
  if (platform_->network_model() != NetworkModel::kFlow) {
    throw std::invalid_argument("changing a link's latency needs the flow network model");
  }
  if (one_way_latency < Duration::zero()) throw std::invalid_argument("negative latency");
  // The names platform.cpp gives its links: zones in name order.
  const std::string first(std::min(zone_a, zone_b));
  const std::string second(std::max(zone_a, zone_b));
  const double latency_s = to_seconds(one_way_latency);
  loop_->run_in_driver([first, second, latency_s] {
    if (first == second) {
      sg4::Link::by_name("backbone-" + first)->set_latency(latency_s);
      return;
    }
    const sg4::SplitDuplexLink* link =
        sg4::SplitDuplexLink::by_name("link-" + first + "-" + second);
    link->get_link_up()->set_latency(latency_s);
    link->get_link_down()->set_latency(latency_s);
  });
}

void Simulation::set_nic_up(NodeId node, bool up) {
  MYCELIUM_ASSERT(node.value < nodes_.size());
  loop_->run_in_driver([this, node, up] { loop_->set_nic_up(node, up); });
}

void Simulation::attach_vm(NodeId node, std::unique_ptr<VmActuator> vm) {
  node_at(node).attach_vm(std::move(vm));
}

void Simulation::set_message_loss(double probability) {
  if (!(probability >= 0.0 && probability <= 1.0))
    throw std::invalid_argument("message loss probability must be in [0, 1]");
  loop_->set_message_loss(probability,
                          RandomStream::derive(scenario_seed_, NodeId{0}, "network.loss"));
}

}  // namespace mycelium::sim
