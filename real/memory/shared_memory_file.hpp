#pragma once
// Guest memory as a file mapped shared, the layout QEMU uses for file-backed guest RAM
// (memory-backend-file, share=on, e.g. under /dev/shm): byte i of the file is guest physical
// byte i. The workload (or QEMU) writes it; the agent maps the same file to read pages from it,
// and a backup maps its replica the same way.

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

namespace mycelium::real {

class SharedMemoryFile {
 public:
  enum class Mode { kCreate, kOpenExisting, kOpenOrCreate };

  // kCreate: creates (or truncates to) `size_bytes`, zero-filled. kOpenExisting: maps the whole
  // existing file (`size_bytes` ignored). kOpenOrCreate: maps an existing file of exactly
  // `size_bytes` as it is (a saved or restored image), or creates a zero-filled one. Throws
  // std::system_error naming the path on failure.
  SharedMemoryFile(std::filesystem::path path, Mode mode, std::uint64_t size_bytes = 0);
  ~SharedMemoryFile();
  SharedMemoryFile(const SharedMemoryFile&) = delete;
  SharedMemoryFile& operator=(const SharedMemoryFile&) = delete;

  std::span<std::uint8_t> bytes() { return {data_, size_}; }
  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }
  std::uint64_t size_bytes() const { return size_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::uint8_t* data_ = nullptr;
  std::uint64_t size_ = 0;
};

}  // namespace mycelium::real
