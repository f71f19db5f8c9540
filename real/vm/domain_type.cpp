#include <system_error>

#include <real/vm/domain_type.hpp>

namespace mycelium::real {

std::string_view domain_type_name(DomainType type) {
  return type == DomainType::kKvm ? "kvm" : "qemu";
}

DomainTypeChoice choose_domain_type(const std::filesystem::path& kvm_device) {
  std::error_code error;  // an unreadable /dev is the same as no /dev/kvm: fall back to TCG
  if (std::filesystem::exists(kvm_device, error)) {
    return {DomainType::kKvm, kvm_device.string() + " exists: hardware virtualisation (kvm)"};
  }
  return {DomainType::kQemu,
          kvm_device.string() + " not found: software emulation (qemu, TCG), much slower"};
}

}  // namespace mycelium::real
