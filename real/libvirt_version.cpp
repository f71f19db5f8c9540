#include <libvirt/libvirt.h>

#include <real/libvirt_version.hpp>

namespace mycelium::real {

std::string libvirt_version() {
  unsigned long version = 0;  // NOLINT(google-runtime-int): libvirt's API type
  if (virGetVersion(&version, nullptr, nullptr) != 0) return "unknown";
  // libvirt encodes major * 1,000,000 + minor * 1,000 + release.
  return std::to_string(version / 1000000) + "." + std::to_string(version / 1000 % 1000) + "." +
         std::to_string(version % 1000);
}

}  // namespace mycelium::real
