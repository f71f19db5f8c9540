#include <simgrid/version.h>
#include <xbt/base.h>  // version.h uses its export macros without including it

#include <sim/simgrid_version.hpp>

namespace mycelium::sim {

std::string simgrid_version() {
  int major = 0;
  int minor = 0;
  int patch = 0;
  sg_version_get(&major, &minor, &patch);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

}  // namespace mycelium::sim
