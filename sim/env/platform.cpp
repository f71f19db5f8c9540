#include <map>

#include <simgrid/s4u/Host.hpp>
#include <simgrid/s4u/Link.hpp>
#include <simgrid/s4u/NetZone.hpp>

#include <core/assert.hpp>
#include <sim/env/platform.hpp>

namespace mycelium::sim {
namespace sg4 = simgrid::s4u;

namespace {

struct BuiltZone {
  sg4::NetZone* zone = nullptr;
  simgrid::kernel::routing::NetPoint* gateway = nullptr;
  sg4::Link* backbone = nullptr;
};

}  // namespace

Platform::Platform(const PlatformSpec& spec, NetworkModel model) : model_(model), routes_(spec) {
  sg4::NetZone* root = sg4::create_full_zone("mycelium-root");
  driver_host_ = root->create_host("mycelium-driver", kDefaultCpuSpeedFlops);
  if (model_ == NetworkModel::kFlow) build_flow_platform(spec, root);
  root->seal();
}

void Platform::build_flow_platform(const PlatformSpec& spec, sg4::NetZone* root) {
  // Zones in name order, so the same spec always builds the same platform.
  std::map<std::string, BuiltZone, std::less<>> zones;
  for (const std::string& name : spec.zones()) {
    BuiltZone built;
    built.zone = sg4::create_star_zone("zone-" + name);
    built.zone->set_parent(root);
    const LinkProfile backbone = spec.profile(name, name);
    built.backbone = built.zone->create_link("backbone-" + name, backbone.bandwidth_bytes_per_s)
                         ->set_latency(backbone.latency_s)
                         ->seal();
    zones.emplace(name, built);
  }

  hosts_.reserve(spec.nodes.size());
  for (const NodeSpec& node : spec.nodes) {
    BuiltZone& built = zones.find(node.zone)->second;
    sg4::Host* host =
        built.zone->create_host(node.name, node.cpu_speed_flops.value_or(kDefaultCpuSpeedFlops));
    sg4::Link* nic =
        built.zone->create_split_duplex_link("nic-" + node.name, node.nic_bandwidth_bytes_per_s)
            ->set_latency(0.0)
            ->seal();
    // Symmetrical: the way in is the reverse, {backbone, nic down}.
    built.zone->add_route(
        host->get_netpoint(), nullptr, nullptr, nullptr,
        {{nic, sg4::LinkInRoute::Direction::UP}, sg4::LinkInRoute(built.backbone)}, true);
    hosts_.push_back(host);
  }

  // The gateway is a router of the star zone: a node reaches it through its NIC and backbone.
  for (auto& [name, built] : zones) {
    built.gateway = built.zone->create_router("gateway-" + name);
    built.zone->seal();
  }

  for (auto a = zones.begin(); a != zones.end(); ++a) {
    for (auto b = std::next(a); b != zones.end(); ++b) {
      const LinkProfile profile = spec.profile(a->first, b->first);
      sg4::Link* link = root->create_split_duplex_link("link-" + a->first + "-" + b->first,
                                                       profile.bandwidth_bytes_per_s)
                            ->set_latency(profile.latency_s)
                            ->seal();
      root->add_route(a->second.zone->get_netpoint(), b->second.zone->get_netpoint(),
                      a->second.gateway, b->second.gateway,
                      {{link, sg4::LinkInRoute::Direction::UP}}, true);
    }
  }
}

sg4::Host* Platform::host(NodeId node) const {
  MYCELIUM_ASSERT(model_ == NetworkModel::kFlow);
  MYCELIUM_ASSERT(node.value < hosts_.size());
  return hosts_[node.value];
}

}  // namespace mycelium::sim
