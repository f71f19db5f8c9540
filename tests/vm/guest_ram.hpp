#pragma once
// What the kvm tests need to reach a running guest's RAM: the file behind it, mapped read-only,
// and a hold that keeps the guest suspended while anyone needs it still.

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <span>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <real/vm/libvirt_driver.hpp>
#include <tests/vm/guest_session.hpp>

namespace mycelium::kvm_test {

// A file mapped read-only and shared: the guest's RAM as QEMU writes it.
class ReadOnlyMapping {
 public:
  explicit ReadOnlyMapping(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "open " + path.string());
    struct stat status {};
    if (::fstat(fd, &status) != 0) {
      const int error = errno;
      ::close(fd);
      throw std::system_error(error, std::generic_category(), "fstat " + path.string());
    }
    size_ = static_cast<std::uint64_t>(status.st_size);
    void* data = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, fd, 0);
    const int error = errno;
    ::close(fd);
    if (data == MAP_FAILED)
      throw std::system_error(error, std::generic_category(), "mmap " + path.string());
    data_ = static_cast<const std::uint8_t*>(data);
  }
  ~ReadOnlyMapping() { ::munmap(const_cast<std::uint8_t*>(data_), size_); }
  ReadOnlyMapping(const ReadOnlyMapping&) = delete;
  ReadOnlyMapping& operator=(const ReadOnlyMapping&) = delete;

  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }

 private:
  const std::uint8_t* data_ = nullptr;
  std::uint64_t size_ = 0;
};

// Removes a file when the test leaves, however it leaves.
struct FileRemover {
  std::filesystem::path path;
  ~FileRemover() {
    std::error_code ignored;
    std::filesystem::remove(path, ignored);
  }
};

// The file behind the running domain's guest RAM: the one shared mapping of exactly
// `memory_bytes` in its QEMU's address space (libvirt keeps the pid in /run/libvirt/qemu).
// A file already unlinked is reached through /proc/PID/map_files.
inline std::filesystem::path guest_ram_file(const std::string& domain, std::uint64_t memory_bytes) {
  const std::filesystem::path pid_file = "/run/libvirt/qemu/" + domain + ".pid";
  std::ifstream pid_in(pid_file);
  long pid = 0;
  check(static_cast<bool>(pid_in >> pid), "no QEMU pid in " + pid_file.string());
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::vector<std::string> found;
  for (std::string line; std::getline(maps, line);) {
    std::istringstream fields(line);
    std::string range, perms, offset, device, inode;
    fields >> range >> perms >> offset >> device >> inode;
    std::string path;
    std::getline(fields >> std::ws, path);
    if (path.empty() || path[0] != '/' || perms.size() < 4 || perms[3] != 's') continue;
    const std::size_t dash = range.find('-');
    const std::uint64_t start = std::stoull(range.substr(0, dash), nullptr, 16);
    const std::uint64_t end = std::stoull(range.substr(dash + 1), nullptr, 16);
    if (end - start != memory_bytes || std::stoull(offset, nullptr, 16) != 0) continue;
    const std::string deleted = " (deleted)";
    if (path.size() > deleted.size() &&
        path.compare(path.size() - deleted.size(), deleted.size(), deleted) == 0) {
      found.push_back("/proc/" + std::to_string(pid) + "/map_files/" + range);
    } else {
      found.push_back(path);
    }
  }
  check(found.size() == 1, "expected one shared mapping of " + std::to_string(memory_bytes) +
                               " bytes in QEMU (pid " + std::to_string(pid) + "), found " +
                               std::to_string(found.size()));
  return found[0];
}

// Suspends the domain while anyone holds it (a read window, the primary's emergency pause, a
// checkpoint) and resumes it when the last one lets go.
class GuestHold {
 public:
  GuestHold(real::LibvirtDriver& driver, std::string name)
      : driver_(driver), name_(std::move(name)) {}
  void hold() {
    if (holds_++ == 0) driver_.suspend(name_);
  }
  void release() {
    check(holds_ > 0, "release without hold");
    if (--holds_ == 0) driver_.resume(name_);
  }
  int holds() const { return holds_; }

 private:
  real::LibvirtDriver& driver_;
  std::string name_;
  int holds_ = 0;
};

}  // namespace mycelium::kvm_test
