#pragma once
// Which libvirt domain type runs the guest: `kvm` (hardware virtualisation) where the host has
// /dev/kvm, `qemu` (TCG, software emulation: slower, but runs in any container or nested VM)
// otherwise. The renderer takes the type as an input so it stays pure; choose_domain_type() is
// the one place that looks at the host, and says why it chose what it chose.

#include <filesystem>
#include <string>
#include <string_view>

namespace mycelium::real {

enum class DomainType { kKvm, kQemu };

// The value of <domain type='...'>: "kvm" or "qemu".
std::string_view domain_type_name(DomainType type);

struct DomainTypeChoice {
  DomainType type = DomainType::kQemu;
  std::string reason;  // e.g. "/dev/kvm exists", for logs and `mycelium vm status`
};

// kKvm when `kvm_device` exists, kQemu otherwise. The path is a parameter for the tests.
DomainTypeChoice choose_domain_type(const std::filesystem::path& kvm_device = "/dev/kvm");

}  // namespace mycelium::real
