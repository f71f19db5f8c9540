#pragma once
// How a Simulation moves messages between nodes (simulation.hpp, "Network model", has the
// details and the measured costs). Chosen once, when the Simulation is created.

#include <cstdint>
#include <string_view>

namespace mycelium::sim {

enum class NetworkModel : std::uint8_t {
  // Every message is a SimGrid communication on a platform with one host and one NIC link per
  // node, solved by CM02: flows sharing a link share its bandwidth (max-min, weighted by the
  // inverse of the route latency). Accurate for bulk transfers (replication, migration), but
  // SimGrid's flow solver and wait over every comm cost O(messages in flight) per event, and the
  // platform costs about 3 KiB and 0.1 ms per node to build. The default.
  kFlow,
  // Every message is a lone datagram: it arrives at send time + route latency + bytes / route
  // bottleneck bandwidth, exactly what CM02 gives a message alone on the network, whatever else
  // is in flight. No SimGrid host or link per node; an O(log n) arrival queue. Right for small
  // control datagrams far below link capacity (Service Spores); wrong for bulk transfers, whose
  // contention it ignores: those keep kFlow.
  kDatagram,
};

// "flow", "datagram": for reports and test messages.
constexpr std::string_view to_string(NetworkModel model) {
  return model == NetworkModel::kFlow ? "flow" : "datagram";
}

}  // namespace mycelium::sim
