#include <cstdint>
#include <set>

#include <core/manifest/text_check.hpp>
#include <core/manifest/yaml_documents.hpp>
#include <sim/scenario/loader_support.hpp>

namespace mycelium::sim::loader {

using namespace manifest;

bool declares_kind(std::string_view text, std::string_view kind) {
  const auto skip_blanks = [](std::string_view& rest) {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t'))
      rest.remove_prefix(1);
  };
  // Each round consumes a line: at most as many rounds as the text has lines.
  for (std::size_t start = 0; start <= text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    constexpr std::string_view kKey = "kind:";
    if (!line.starts_with(kKey)) continue;
    line.remove_prefix(kKey.size());
    skip_blanks(line);
    if (!line.starts_with(kind)) continue;
    line.remove_prefix(kind.size());
    skip_blanks(line);
    if (line.empty() || line.front() == '#') return true;
  }
  return false;
}

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
