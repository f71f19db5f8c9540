#include <cstdint>
#include <set>

#include <core/manifest/text_check.hpp>
#include <core/manifest/yaml_documents.hpp>
#include <sim/scenario/loader_support.hpp>

namespace mycelium::sim::loader {

using namespace manifest;

void parse_seeds(Reader& reader, const MappingReader& spec, std::vector<std::uint64_t>& out) {
  if (!spec.required("seeds", out, ListField<IntegerField<std::uint64_t>>{{reader, 0, INT64_MAX}}))
    return;
  if (out.empty())
    reader.error(spec.find("seeds")->second, "spec.seeds", "expected at least one seed");
  std::set<std::uint64_t> seen;
  for (const std::uint64_t seed : out) {
    if (!seen.insert(seed).second)
      reader.error(spec.find("seeds")->second, "spec.seeds",
                   "duplicate seed " + std::to_string(seed));
  }
}

void check_unique(Reader& reader, std::set<std::string>& seen, const std::string& name,
                  const SourceLocation& where, const std::string& path) {
  if (!seen.insert(name).second) reader.error(where, path + ".name", "duplicate name " + name);
}

}  // namespace mycelium::sim::loader
