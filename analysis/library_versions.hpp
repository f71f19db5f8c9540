#pragma once

#include <string>

namespace mycelium::analysis {

// Versions of the HDF5 library linked at run time and of the Eigen headers compiled in.
std::string hdf5_version();
std::string eigen_version();

}  // namespace mycelium::analysis
