# Every third-party dependency, found once, from Debian 12 packages (installed by scripts/setup).
# Imported targets are used everywhere so include paths stay SYSTEM and out of -Werror.

find_package(PkgConfig REQUIRED)

# Discrete-event simulator (sim/).
pkg_check_modules(SimGrid REQUIRED IMPORTED_TARGET simgrid>=3.32)
# The allocator of large simulations (sim/allocator): malloc on 2 MiB pages.
find_package(mimalloc 2.0 REQUIRED)
# KVM through the libvirt C API (real/vm).
pkg_check_modules(Libvirt REQUIRED IMPORTED_TARGET libvirt>=9.0 libvirt-qemu>=9.0)
# Asio and Beast are header-only in Boost 1.74 (real/).
find_package(Boost 1.74 REQUIRED)
# Manifests and scenarios (core/manifest).
find_package(yaml-cpp 0.7 REQUIRED)
# Statistics in analysis/.
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
# Result files (analysis/).
find_package(HDF5 1.10 REQUIRED COMPONENTS C CXX)
# HMAC-SHA256 of Service Spore datagrams (core/spore, libcrypto) and the Kubernetes API client's
# TLS (real/k8s, libssl): OpenSSL 3 API.
find_package(OpenSSL 3.0 REQUIRED COMPONENTS Crypto SSL)
# Command line of the mycelium tool.
find_package(CLI11 2.1 REQUIRED)
# JSON output (mycelium compare --format json).
find_package(nlohmann_json 3.11 REQUIRED)
# Structured logs of the agent (myceliumd).
find_package(spdlog 1.10 REQUIRED)
# Tests and benchmarks.
find_package(Catch2 2.13 REQUIRED)
find_package(benchmark 1.7 REQUIRED)

# HDF5's FindHDF5 yields variables, not a target: wrap them so consumers link one name.
if(NOT TARGET mycelium::hdf5)
  add_library(mycelium_hdf5 INTERFACE)
  add_library(mycelium::hdf5 ALIAS mycelium_hdf5)
  target_include_directories(mycelium_hdf5 SYSTEM INTERFACE ${HDF5_INCLUDE_DIRS})
  target_link_libraries(mycelium_hdf5 INTERFACE ${HDF5_LIBRARIES})
  target_compile_definitions(mycelium_hdf5 INTERFACE ${HDF5_DEFINITIONS})
endif()
