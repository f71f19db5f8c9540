#include <iostream>

#include <CLI/Version.hpp>
#include <boost/version.hpp>

#include <analysis/library_versions.hpp>
#include <apps/mycelium/commands.hpp>
#include <real/libvirt_version.hpp>
#include <sim/simgrid_version.hpp>

namespace mycelium::cli {

int run_version() {
  std::cout << "mycelium " << MYCELIUM_VERSION << " (" << MYCELIUM_GIT_COMMIT << ")\n";
  std::cout << "  simgrid  " << sim::simgrid_version() << '\n';
  std::cout << "  libvirt  " << real::libvirt_version() << '\n';
  std::cout << "  hdf5     " << analysis::hdf5_version() << '\n';
  std::cout << "  eigen    " << analysis::eigen_version() << '\n';
  std::cout << "  boost    " << BOOST_VERSION / 100000 << '.' << BOOST_VERSION / 100 % 1000 << '.'
            << BOOST_VERSION % 100 << '\n';
  std::cout << "  cli11    " << CLI11_VERSION << '\n';
  return kExitOk;
}

}  // namespace mycelium::cli
