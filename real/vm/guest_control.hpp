#pragma once
// What the agent needs to replicate a running domain: the file behind its guest RAM, a hold that
// keeps it suspended while anyone needs it still (a read window, an emergency pause), and its
// throttle as libvirt's vCPU quota.

#include <cstdint>
#include <filesystem>
#include <string>

#include <real/vm/libvirt_driver.hpp>

namespace mycelium::real {

// The file behind the running domain's guest RAM: the one shared mapping of exactly
// `memory_bytes` at offset 0 in its QEMU's address space (libvirt keeps QEMU's pid in
// `pid_directory`/<domain>.pid). A file already unlinked, as libvirt's memory_backing_dir
// files are, is reached through /proc/PID/map_files. Throws std::runtime_error naming the domain
// when there is no such mapping or more than one.
std::filesystem::path guest_ram_file(
    const std::string& domain, std::uint64_t memory_bytes,
    const std::filesystem::path& pid_directory = "/run/libvirt/qemu");

// Destroys domain `name` if it runs and undefines it if it is defined; quiet when it is neither.
void remove_domain(LibvirtDriver& driver, const std::string& name);

// Suspends the domain while anyone holds it and resumes it when the last one lets go.
class DomainHold {
 public:
  DomainHold(LibvirtDriver& driver, std::string domain)
      : driver_(driver), domain_(std::move(domain)) {}
  void hold();
  void release();  // throws std::logic_error without a hold
  int holds() const { return holds_; }

 private:
  LibvirtDriver& driver_;
  std::string domain_;
  int holds_ = 0;
};

// MemoryGuest::on_throttle for a domain: intensity i leaves each vCPU (1 - i) of every period
// (vcpu_quota; at least libvirt's minimum of 1000 us), none at all lifted at i = 0. Sets the
// quota only when it changes.
class VcpuThrottle {
 public:
  static constexpr std::uint64_t kPeriodUs = 100000;  // libvirt's default vcpu_period
  static constexpr std::int64_t kMinimumQuotaUs = 1000;

  VcpuThrottle(LibvirtDriver& driver, std::string domain)
      : driver_(driver), domain_(std::move(domain)) {}

  void operator()(double intensity);
  void lift();  // lifts the cap if one is set
  std::int64_t quota() const { return quota_us_; }
  std::uint64_t calls() const { return calls_; }

 private:
  LibvirtDriver& driver_;
  std::string domain_;
  std::int64_t quota_us_ = -1;  // -1: no cap
  std::uint64_t calls_ = 0;
};

}  // namespace mycelium::real
