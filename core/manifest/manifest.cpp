#include <array>
#include <cstdio>
#include <map>
#include <optional>
#include <tuple>

#include <core/manifest/manifest.hpp>
#include <core/manifest/parsers.hpp>
#include <core/manifest/text_check.hpp>
#include <core/manifest/yaml_documents.hpp>

namespace mycelium::manifest {

namespace {

// Manifests are hand-written configuration; anything larger is a mistake (or an attack).
constexpr std::size_t kMaxManifestBytes = 4U << 20;
constexpr std::size_t kMaxDocuments = 1000;

constexpr std::array<std::string_view, 3> kKinds{kKindEndomyceteService, kKindEndophyteVM,
                                                 kKindApplication};

template <typename Kind, typename ParseSpec>
std::optional<Object> parse_kind(Reader& reader, const MappingReader& top, ParseSpec parse_spec) {
  Kind object;
  if (const auto metadata = top.find("metadata")) {
    detail::parse_metadata(reader, metadata->first, metadata->second, object.metadata);
  } else {
    top.report_missing("metadata", "a mapping with a name");
  }
  if (const auto spec = top.find("spec")) {
    parse_spec(reader, spec->first, spec->second, object);
  } else {
    top.report_missing("spec", "a mapping");
  }
  return Object{std::move(object)};
}

std::optional<Object> parse_document(Reader& reader, const YAML::Node& document,
                                     const SourceLocation& where) {
  MappingReader top(reader, document, "", where, {"apiVersion", "kind", "metadata", "spec"});
  if (!top.valid()) return std::nullopt;

  std::string api_version;
  if (top.required("apiVersion", api_version, StringField{reader}) && api_version != kApiVersion) {
    reader.error(top.find("apiVersion")->second, "apiVersion",
                 "expected " + std::string(kApiVersion) + ", got \"" + api_version + "\"");
  }
  std::string kind;
  if (!top.required("kind", kind, StringField{reader})) return std::nullopt;
  if (kind == kKindEndomyceteService) {
    return parse_kind<EndomyceteService>(reader, top, detail::parse_endomycete_spec);
  }
  if (kind == kKindEndophyteVM) {
    return parse_kind<EndophyteVM>(reader, top, detail::parse_endophyte_spec);
  }
  if (kind == kKindApplication) {
    return parse_kind<Application>(reader, top, detail::parse_application_spec);
  }
  reader.error(
      top.find("kind")->second, "kind",
      "expected " + one_of(kKinds) + ", got \"" + kind + "\"" + did_you_mean_suffix(kind, kKinds));
  return std::nullopt;
}

}  // namespace

std::string_view kind_of(const Object& object) {
  return std::visit(
      [](const auto& value) -> std::string_view {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, EndomyceteService>) return kKindEndomyceteService;
        if constexpr (std::is_same_v<T, EndophyteVM>) return kKindEndophyteVM;
        return kKindApplication;
      },
      object);
}

const ObjectMeta& metadata_of(const Object& object) {
  return std::visit([](const auto& value) -> const ObjectMeta& { return value.metadata; }, object);
}

LoadResult load_manifests(std::string_view text, std::string_view file_name) {
  LoadResult result;
  Reader reader(file_name, result.diagnostics);
  const SourceLocation file_start{std::string(file_name), 1, 1};
  if (text.size() > kMaxManifestBytes) {
    reader.error(file_start, "",
                 "expected a manifest of at most " + std::to_string(kMaxManifestBytes >> 20) +
                     " MiB, got " + std::to_string(text.size()) + " bytes");
    return result;
  }
  // Refused before parsing: yaml-cpp 0.7 can loop forever on some control characters (",#\0"
  // never returns) and would carry invalid UTF-8 into names and labels.
  if (const auto invalid = find_invalid_character(text, file_name)) {
    reader.error(invalid->where, "", "expected UTF-8 text, got " + invalid->what);
    return result;
  }
  const std::vector<YamlDocument> documents =
      load_yaml_documents(text, file_name, result.diagnostics);
  std::size_t non_empty = 0;
  for (const YamlDocument& yaml : documents) {
    const YAML::Node& document = yaml.root;
    if (document.IsNull()) continue;  // "---" with nothing after it
    reader.set_line_offset(yaml.line_offset);
    const SourceLocation document_start{std::string(file_name), yaml.line_offset + 1, 1};
    if (++non_empty > kMaxDocuments) {
      reader.error(reader.location(document, document_start), "",
                   "expected at most " + std::to_string(kMaxDocuments) + " documents per file");
      break;
    }
    const std::size_t errors_before = result.diagnostics.count();
    const SourceLocation where = reader.location(document, document_start);
    auto object = parse_document(reader, document, where);
    if (object && result.diagnostics.count() == errors_before) {
      result.objects.push_back(LoadedObject{std::move(*object), where});
    }
  }
  if (non_empty == 0 && result.diagnostics.empty()) {
    reader.error(file_start, "", "expected at least one manifest, got none");
  }
  check_unique_names(result.objects, result.diagnostics);
  return result;
}

void check_unique_names(const std::vector<LoadedObject>& objects, Diagnostics& diagnostics) {
  std::map<std::tuple<std::string_view, std::string_view, std::string_view>, const LoadedObject*>
      first_by_name;
  for (const LoadedObject& loaded : objects) {
    const ObjectMeta& metadata = metadata_of(loaded.object);
    const auto key = std::make_tuple(kind_of(loaded.object), std::string_view(metadata.namespace_),
                                     std::string_view(metadata.name));
    const auto [it, inserted] = first_by_name.emplace(key, &loaded);
    if (inserted) continue;
    const SourceLocation& first = it->second->where;
    diagnostics.error(loaded.where, "metadata.name",
                      "duplicate " + std::string(kind_of(loaded.object)) + " name \"" +
                          metadata.name + "\" (first defined at " + first.file + ":" +
                          std::to_string(first.line) + ")");
  }
}

}  // namespace mycelium::manifest
