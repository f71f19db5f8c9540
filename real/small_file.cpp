#include <fstream>

#include <real/small_file.hpp>

namespace mycelium::real {

SmallFile read_small_file(const std::filesystem::path& path, std::size_t max_bytes) {
  SmallFile file;
  std::ifstream stream(path, std::ios::binary);
  if (!stream) return file;
  // One byte more than allowed: reading it means the file is too large.
  file.contents.assign(max_bytes + 1, '\0');
  stream.read(file.contents.data(), static_cast<std::streamsize>(file.contents.size()));
  file.contents.resize(static_cast<std::size_t>(stream.gcount()));
  file.status =
      file.contents.size() > max_bytes ? SmallFile::Status::kTooLarge : SmallFile::Status::kRead;
  if (file.status != SmallFile::Status::kRead) file.contents.clear();
  return file;
}

}  // namespace mycelium::real
