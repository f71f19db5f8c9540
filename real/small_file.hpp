#pragma once
// Small files a configuration names (a network key, a token, a certificate), read whole up to a
// bound: the agent's key file and the kubeconfig's referenced files.

#include <cstddef>
#include <filesystem>
#include <string>

namespace mycelium::real {

struct SmallFile {
  enum class Status { kRead, kCannotOpen, kTooLarge };
  Status status = Status::kCannotOpen;
  std::string contents;  // kRead only
};

SmallFile read_small_file(const std::filesystem::path& path, std::size_t max_bytes);

}  // namespace mycelium::real
