#pragma once
// Fields every manifest kind shares: apiVersion, kind, metadata.

#include <map>
#include <string>
#include <string_view>

namespace mycelium::manifest {

inline constexpr std::string_view kApiVersion = "mycelium.network/v1";

struct ObjectMeta {
  std::string name;        // DNS-1123 label: lowercase letters, digits and '-', at most 63
  std::string namespace_;  // optional; empty means the tool's default
  std::map<std::string, std::string> labels;

  bool operator==(const ObjectMeta&) const = default;
};

}  // namespace mycelium::manifest
