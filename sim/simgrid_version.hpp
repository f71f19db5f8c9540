#pragma once

#include <string>

namespace mycelium::sim {

// The version of the SimGrid library linked at run time, e.g. "3.32.0".
std::string simgrid_version();

}  // namespace mycelium::sim
