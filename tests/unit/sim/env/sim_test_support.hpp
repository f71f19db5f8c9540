#pragma once
// Small helpers shared by the SimGrid backend tests.

#include <chrono>
#include <cstdint>
#include <vector>

#include <core/env/environment.hpp>
#include <sim/env/platform_spec.hpp>

namespace mycelium::sim::testing {

inline Message message_to(NodeId to, Port port, std::size_t payload_bytes = 0,
                          std::uint64_t bulk_bytes = 0) {
  return Message{{}, to, port, std::vector<std::uint8_t>(payload_bytes, 0xab), bulk_bytes};
}

}  // namespace mycelium::sim::testing
