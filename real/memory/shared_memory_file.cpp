#include <cerrno>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <real/memory/shared_memory_file.hpp>

namespace mycelium::real {

namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const char* what) {
  throw std::system_error(errno, std::generic_category(), std::string(what) + " " + path.string());
}

}  // namespace

SharedMemoryFile::SharedMemoryFile(std::filesystem::path path, Mode mode, std::uint64_t size_bytes)
    : path_(std::move(path)) {
  int flags = O_RDWR | O_CLOEXEC;
  if (mode == Mode::kCreate) flags |= O_CREAT | O_TRUNC;
  if (mode == Mode::kOpenOrCreate) flags |= O_CREAT;
  const int fd = ::open(path_.c_str(), flags, 0600);
  if (fd < 0) fail(path_, "cannot open");
  if (mode == Mode::kOpenOrCreate) {
    // An existing image is kept as it is, and must be the size asked for; a new file is empty.
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
      const int saved = errno;
      ::close(fd);
      errno = saved;
      fail(path_, "cannot stat");
    }
    if (info.st_size != 0 && static_cast<std::uint64_t>(info.st_size) != size_bytes) {
      ::close(fd);
      throw std::system_error(EINVAL, std::generic_category(),
                              path_.string() + " exists with " + std::to_string(info.st_size) +
                                  " bytes, not the " + std::to_string(size_bytes) + " asked for");
    }
    mode = Mode::kCreate;  // sized below (a no-op for an existing image of the right size)
  }
  if (mode == Mode::kCreate) {
    if (size_bytes == 0 || ::ftruncate(fd, static_cast<off_t>(size_bytes)) != 0) {
      if (size_bytes == 0) errno = EINVAL;
      const int saved = errno;
      ::close(fd);
      errno = saved;
      fail(path_, "cannot size");
    }
    size_ = size_bytes;
  } else {
    struct stat info {};
    if (::fstat(fd, &info) != 0 || info.st_size <= 0) {
      if (errno == 0) errno = EINVAL;
      const int saved = errno;
      ::close(fd);
      errno = saved;
      fail(path_, "cannot map an empty or unreadable");
    }
    size_ = static_cast<std::uint64_t>(info.st_size);
  }
  void* mapped = ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  const int saved = errno;
  ::close(fd);  // the mapping keeps the file
  if (mapped == MAP_FAILED) {
    errno = saved;
    fail(path_, "cannot map");
  }
  data_ = static_cast<std::uint8_t*>(mapped);
}

SharedMemoryFile::~SharedMemoryFile() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

}  // namespace mycelium::real
