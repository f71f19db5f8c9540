#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <apps/mycelium/file_io.hpp>

namespace mycelium::cli {

namespace {

std::string reason() {
  return std::strerror(errno);
}

// Closes the descriptor on scope exit.
struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::string read_text_file(const std::string& path, std::size_t max_bytes) {
  FileDescriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) throw UserError("cannot read " + path + ": " + reason());
  struct stat info {};
  if (::fstat(file.fd, &info) != 0) throw UserError("cannot read " + path + ": " + reason());
  if (S_ISDIR(info.st_mode)) throw UserError("cannot read " + path + ": is a directory");
  std::string contents;
  char buffer[65536];
  while (true) {
    const ssize_t count = ::read(file.fd, buffer, sizeof buffer);
    if (count < 0) {
      if (errno == EINTR) continue;
      throw UserError("cannot read " + path + ": " + reason());
    }
    if (count == 0) break;
    contents.append(buffer, static_cast<std::size_t>(count));
    if (contents.size() > max_bytes) {
      throw UserError("cannot read " + path + ": larger than " + std::to_string(max_bytes) +
                      " bytes");
    }
  }
  return contents;
}

void write_file_atomically(const std::string& path, const std::string& contents) {
  const std::filesystem::path target(path);
  const std::filesystem::path directory =
      target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  std::string temporary = (directory / ("." + target.filename().string() + ".XXXXXX")).string();
  FileDescriptor file{::mkstemp(temporary.data())};
  if (file.fd < 0) throw UserError("cannot write " + path + ": " + reason());
  const auto fail = [&](const std::string& why) {
    ::unlink(temporary.c_str());
    throw UserError("cannot write " + path + ": " + why);
  };
  std::size_t written = 0;
  while (written < contents.size()) {
    const ssize_t count = ::write(file.fd, contents.data() + written, contents.size() - written);
    if (count < 0) {
      if (errno == EINTR) continue;
      fail(reason());
    }
    written += static_cast<std::size_t>(count);
  }
  // mkstemp creates 0600; outputs are ordinary files.
  if (::fchmod(file.fd, 0644) != 0 || ::fsync(file.fd) != 0) fail(reason());
  if (::rename(temporary.c_str(), path.c_str()) != 0) fail(reason());
}

std::filesystem::path create_output_folder(const std::filesystem::path& output) {
  const std::filesystem::path folder =
      output.parent_path().empty() ? std::filesystem::path(".") : output.parent_path();
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error) throw UserError("cannot create " + folder.string() + ": " + error.message());
  return folder;
}

}  // namespace mycelium::cli
