#pragma once
// Shared by the domain XML and libvirt driver tests: the seed's EndophyteVM examples, loaded
// from scenarios/examples/, and render inputs that satisfy every performance feature.

#include <string>
#include <variant>

#include <catch2/catch.hpp>

#include <core/manifest/manifest.hpp>
#include <real/vm/domain_xml.hpp>
#include <tests/support/files.hpp>

namespace mycelium::testing {

inline manifest::EndophyteVM load_endophyte_example(const std::string& relative) {
  const manifest::LoadResult result =
      manifest::load_manifests(read_source_file(relative), relative);
  INFO(result.diagnostics.format());
  REQUIRE(result.ok());
  REQUIRE(result.objects.size() == 1);
  REQUIRE(std::holds_alternative<manifest::EndophyteVM>(result.objects.front().object));
  return std::get<manifest::EndophyteVM>(result.objects.front().object);
}

// Two host CPUs (this machine has two) and a made-up virtual function 0000:03:10.1: enough for
// the renderer, which never checks the host.
inline real::DomainRenderInputs inputs_for_every_feature(real::DomainType type) {
  real::DomainRenderInputs inputs;
  inputs.type = type;
  inputs.host_cpus = {0, 1};
  inputs.emulator_cpus = {2, 3};
  inputs.sriov_virtual_function = real::PciAddress{0x0000, 0x03, 0x10, 0x1};
  return inputs;
}

}  // namespace mycelium::testing
