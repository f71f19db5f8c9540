#pragma once
// What the kvm tests need to reach a running guest's RAM: the file behind it (real/vm/
// guest_control.hpp), mapped read-only, and a hold that keeps the guest suspended.

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

#include <real/vm/guest_control.hpp>
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

// The production helpers, under the names the tests use.
using real::guest_ram_file;
using GuestHold = real::DomainHold;

}  // namespace mycelium::kvm_test
