#pragma once
// Identity of a node (a simulated host or a real agent) as the protocols see it. Values are small
// dense integers (0 .. N-1 in a simulation), so backends can index arrays by them; the all-ones
// value is the invalid sentinel, and a default NodeId is invalid.

#include <compare>
#include <cstdint>
#include <functional>
#include <limits>

namespace mycelium {

struct NodeId {
  static constexpr std::uint32_t kInvalidValue = std::numeric_limits<std::uint32_t>::max();

  std::uint32_t value = kInvalidValue;

  constexpr bool valid() const { return value != kInvalidValue; }
  constexpr auto operator<=>(const NodeId&) const = default;
};

inline constexpr NodeId kInvalidNode{};

}  // namespace mycelium

template <>
struct std::hash<mycelium::NodeId> {
  std::size_t operator()(mycelium::NodeId id) const noexcept {
    return std::hash<std::uint32_t>{}(id.value);
  }
};
