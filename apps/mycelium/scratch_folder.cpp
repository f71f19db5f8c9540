#include <cstdlib>
#include <system_error>

#include <apps/mycelium/file_io.hpp>
#include <apps/mycelium/scratch_folder.hpp>

namespace mycelium::cli {

ScratchFolder::ScratchFolder(const std::filesystem::path& parent, const std::string& prefix) {
  std::string name = (parent / (prefix + "XXXXXX")).string();
  if (mkdtemp(name.data()) == nullptr) {
    throw UserError("cannot create a scratch folder in " + parent.string());
  }
  path_ = name;
}

ScratchFolder::~ScratchFolder() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace mycelium::cli
