#include <core/manifest/text_check.hpp>
#include <core/manifest/yaml_documents.hpp>
#include <sim/scenario/loader_support.hpp>

namespace mycelium::sim::loader {

using namespace manifest;

void check_unique(Reader& reader, std::set<std::string>& seen, const std::string& name,
                  const SourceLocation& where, const std::string& path) {
  if (!seen.insert(name).second) reader.error(where, path + ".name", "duplicate name " + name);
}

}  // namespace mycelium::sim::loader
