#include <sim/simgrid_version.hpp>

// simgrid/version.h uses xbt's export macros without including them: keep this order.
// clang-format off
#include <xbt/base.h>
#include <simgrid/version.h>
// clang-format on

namespace mycelium::sim {

std::string simgrid_version() {
  int major = 0;
  int minor = 0;
  int patch = 0;
  sg_version_get(&major, &minor, &patch);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

}  // namespace mycelium::sim
