#pragma once
// A temporary folder that removes itself: per-run files of `mycelium run` / `sweep`, the staged
// copy of a scenario `sweep --emit` checks. Nothing is left behind, also on errors.

#include <filesystem>
#include <string>

namespace mycelium::cli {

// Creates `<parent>/<prefix>XXXXXX` (mkdtemp) and removes it with everything in it when this
// goes out of scope. A forked child leaves with _exit and so never removes its parent's folder.
// Throws UserError when the folder cannot be created.
class ScratchFolder {
 public:
  ScratchFolder(const std::filesystem::path& parent, const std::string& prefix);
  ~ScratchFolder();
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace mycelium::cli
