#pragma once
// Small helpers shared by the SimGrid backend tests.

#include <chrono>
#include <cstdint>
#include <vector>

#include <catch2/catch.hpp>

#include <core/env/environment.hpp>
#include <sim/env/network_model.hpp>
#include <sim/env/platform_spec.hpp>

// Runs the enclosing test case once per network model (a Catch2 generator, so it must be written
// in the test case's body) and names the model in the messages of failed checks.
#define MYCELIUM_EACH_NETWORK_MODEL(model)                                                      \
  const ::mycelium::sim::NetworkModel model =                                                   \
      GENERATE(::mycelium::sim::NetworkModel::kFlow, ::mycelium::sim::NetworkModel::kDatagram); \
  INFO("network model: " << ::mycelium::sim::to_string(model))

namespace mycelium::sim::testing {

inline Message message_to(NodeId to, Port port, std::size_t payload_bytes = 0,
                          std::uint64_t bulk_bytes = 0) {
  return Message{{}, to, port, std::vector<std::uint8_t>(payload_bytes, 0xab), bulk_bytes};
}

}  // namespace mycelium::sim::testing
