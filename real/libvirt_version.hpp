#pragma once

#include <string>

namespace mycelium::real {

// The version of the libvirt library linked at run time, e.g. "9.0.0".
std::string libvirt_version();

}  // namespace mycelium::real
