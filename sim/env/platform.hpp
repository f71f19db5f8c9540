#pragma once
// Builds the SimGrid platform of a PlatformSpec with the S4U create_* API. Topology:
//
//                     root (full zone): one split-duplex link per zone pair
//           +------------- link(zone-a, zone-b) --------------+
//           |                                                 |
//     gateway(zone-a)                                   gateway(zone-b)
//   ====== backbone(a) ======                         ====== backbone(b) ======   <- shared link
//     |        |        |                               |        |
//    nic      nic      nic                             nic      nic               <- split duplex
//     |        |        |                               |        |
//   node-0   node-1   node-2                          node-3   node-4
//
// Each zone is a star zone: a node's route out is {its NIC (up), the zone backbone}, its route
// in {the backbone, its NIC (down)}; SimGrid counts the backbone once on a route between two
// nodes of one zone. So a message from a to b crosses
//   same zone:   nic(a) up, backbone(z), nic(b) down
//   other zone:  nic(a) up, backbone(za), link(za, zb), backbone(zb), nic(b) down
// NICs are split duplex (sending does not slow receiving), so are the links between zones; a
// backbone is one shared link, the zone's switching capacity. NICs have no latency: the
// latencies are the profiles' (platform_spec.hpp). A node sending to itself crosses its NIC up
// and down and its backbone, like any peer in its zone.
//
// The driver actor (simulation.hpp) lives on one more host, directly in the root zone, that
// routes nowhere: it only waits on the nodes' communications. Links are never turned off in
// SimGrid: link faults are modelled on these routes by RouteFaults (route_faults.hpp).
//
// Under NetworkModel::kDatagram (network_model.hpp) only the root zone and the driver host are
// built: messages never touch SimGrid, and a million hosts with their NIC links would cost 97 s
// and 3.2 GiB to build. Zones, the nodes' zones and the routes' costs (routes()) exist in both
// models, so faults and the datagram model work from the same numbers.
//
// Build it after the sg4::Engine exists and before the simulation runs; the pointers live as long
// as the engine.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simgrid/forward.h>

#include <core/env/node_id.hpp>
#include <sim/env/network_model.hpp>
#include <sim/env/platform_spec.hpp>
#include <sim/env/route_table.hpp>

namespace mycelium::sim {

class Platform {
 public:
  // `spec` must be valid (PlatformSpec::validate() empty); std::invalid_argument otherwise.
  Platform(const PlatformSpec& spec, NetworkModel model);

  NetworkModel network_model() const { return model_; }
  std::size_t node_count() const { return routes_.node_count(); }
  // The node's SimGrid host: kFlow only (kDatagram builds none).
  simgrid::s4u::Host* host(NodeId node) const;
  simgrid::s4u::Host* driver_host() const { return driver_host_; }

  // Zones are numbered 0 .. zone_count() - 1 in name order (PlatformSpec::zones()).
  std::size_t zone_count() const { return routes_.zone_count(); }
  std::optional<std::uint32_t> zone_index(std::string_view zone) const {
    return routes_.zone_index(zone);
  }
  const std::vector<std::uint32_t>& zone_of_node() const { return routes_.zone_of_node(); }
  // What a lone message costs on each route (both models; the datagram model's transit times).
  const RouteTable& routes() const { return routes_; }

 private:
  void build_flow_platform(const PlatformSpec& spec, simgrid::s4u::NetZone* root);

  NetworkModel model_;
  RouteTable routes_;                       // validates the spec first
  std::vector<simgrid::s4u::Host*> hosts_;  // per node; empty under kDatagram
  simgrid::s4u::Host* driver_host_ = nullptr;
};

}  // namespace mycelium::sim
