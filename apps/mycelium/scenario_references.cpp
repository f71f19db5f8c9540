#include <set>

#include <yaml-cpp/yaml.h>

#include <apps/mycelium/file_io.hpp>
#include <apps/mycelium/scenario_references.hpp>
#include <core/manifest/diagnostics.hpp>
#include <core/manifest/yaml_documents.hpp>

namespace mycelium::cli {

namespace {

// As large as the loader accepts for a trace, the largest kind of referenced file.
constexpr std::size_t kMaxReferencedBytes = 64U << 20;

// The fields of a scenario that name a file: (list under spec, key in each item). The loader
// (sim/scenario/scenario_loader.cpp) reads exactly these; `sweep --emit` proves nothing else is
// needed by loading the scenario from a copy that holds only these files.
struct ReferenceField {
  const char* list;
  const char* key;
};
constexpr ReferenceField kReferenceFields[] = {{"workloads", "trace"},
                                               {"configurations", "endophyte"}};

}  // namespace

std::vector<ScenarioReference> scenario_references(const ScenarioSource& source) {
  // The text already loaded as a valid scenario: this walk only finds the named files.
  manifest::Diagnostics diagnostics;
  const std::vector<manifest::YamlDocument> documents =
      manifest::load_yaml_documents(source.text, source.file, diagnostics);
  std::vector<ScenarioReference> references;
  if (documents.empty() || !documents.front().root.IsMap()) return references;
  const YAML::Node spec = documents.front().root["spec"];
  if (!spec.IsMap()) return references;
  std::set<std::filesystem::path> seen;
  for (const ReferenceField& field : kReferenceFields) {
    // A missing key gives an undefined node (a SporeScenario names no files), which `!` tests.
    const YAML::Node list = spec[field.list];
    if (!list || !list.IsSequence()) continue;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const YAML::Node item = list[i];
      if (!item.IsMap() || !item[field.key] || !item[field.key].IsScalar()) continue;
      ScenarioReference reference;
      reference.field_path =
          std::string("spec.") + field.list + "[" + std::to_string(i) + "]." + field.key;
      reference.written = item[field.key].Scalar();
      reference.resolved = source.base_dir / reference.written;
      if (!seen.insert(reference.resolved.lexically_normal()).second) continue;
      reference.bytes = read_text_file(reference.resolved.string(), kMaxReferencedBytes);
      references.push_back(std::move(reference));
    }
  }
  return references;
}

}  // namespace mycelium::cli
