#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <real/vm/guest_control.hpp>
#include <real/vm/libvirt_error.hpp>

namespace mycelium::real {

std::filesystem::path guest_ram_file(const std::string& domain, std::uint64_t memory_bytes,
                                     const std::filesystem::path& pid_directory) {
  const std::filesystem::path pid_file = pid_directory / (domain + ".pid");
  std::ifstream pid_in(pid_file);
  long pid = 0;
  if (!(pid_in >> pid) || pid <= 0)
    throw std::runtime_error("domain " + domain + ": no QEMU pid in " + pid_file.string());
  const std::string proc = "/proc/" + std::to_string(pid);
  std::ifstream maps(proc + "/maps");
  std::vector<std::filesystem::path> found;
  for (std::string line; std::getline(maps, line);) {
    std::istringstream fields(line);
    std::string range, perms, offset, device, inode;
    fields >> range >> perms >> offset >> device >> inode;
    std::string path;
    std::getline(fields >> std::ws, path);
    if (path.empty() || path[0] != '/' || perms.size() < 4 || perms[3] != 's') continue;
    const std::size_t dash = range.find('-');
    if (dash == std::string::npos) continue;
    const std::uint64_t start = std::stoull(range.substr(0, dash), nullptr, 16);
    const std::uint64_t end = std::stoull(range.substr(dash + 1), nullptr, 16);
    if (end - start != memory_bytes || std::stoull(offset, nullptr, 16) != 0) continue;
    const std::string deleted = " (deleted)";
    const bool unlinked = path.size() > deleted.size() &&
                          path.compare(path.size() - deleted.size(), deleted.size(), deleted) == 0;
    found.push_back(unlinked ? std::filesystem::path(proc + "/map_files/" + range)
                             : std::filesystem::path(path));
  }
  if (found.size() != 1) {
    throw std::runtime_error("domain " + domain + ": expected one shared mapping of " +
                             std::to_string(memory_bytes) + " bytes in QEMU (pid " +
                             std::to_string(pid) + "), found " + std::to_string(found.size()));
  }
  return found.front();
}

void remove_domain(LibvirtDriver& driver, const std::string& name) {
  try {
    driver.destroy(name);
  } catch (const LibvirtError&) {  // not running, or not defined
  }
  try {
    driver.undefine(name);
  } catch (const LibvirtError&) {
  }
}

void DomainHold::hold() {
  if (holds_++ == 0) driver_.suspend(domain_);
}

void DomainHold::release() {
  if (holds_ <= 0) throw std::logic_error("domain " + domain_ + ": release without a hold");
  if (--holds_ == 0) driver_.resume(domain_);
}

void VcpuThrottle::operator()(double intensity) {
  ++calls_;
  const std::int64_t quota_us =
      intensity <= 0
          ? -1
          : std::max<std::int64_t>(
                kMinimumQuotaUs,
                static_cast<std::int64_t>((1 - intensity) * static_cast<double>(kPeriodUs)));
  if (quota_us == quota_us_) return;
  driver_.set_vcpu_bandwidth(domain_, quota_us, kPeriodUs);
  quota_us_ = quota_us;
}

void VcpuThrottle::lift() {
  if (quota_us_ != -1) driver_.set_vcpu_bandwidth(domain_, -1, kPeriodUs);
  quota_us_ = -1;
}

}  // namespace mycelium::real
