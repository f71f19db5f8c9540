#include <core/manifest/envelope.hpp>
#include <core/manifest/text_check.hpp>
#include <core/manifest/yaml_documents.hpp>

namespace mycelium::manifest {

std::optional<Envelope> read_envelope(Reader& reader, Diagnostics& diagnostics,
                                      std::string_view text, std::string_view file_name,
                                      std::string_view kind, std::string_view what) {
  const SourceLocation file_start{std::string(file_name), 1, 1};
  if (text.size() > kMaxEnvelopeFileBytes) {
    reader.error(file_start, "", "expected a " + std::string(what) + " of at most 1 MiB");
    return std::nullopt;
  }
  if (const auto invalid = find_invalid_character(text, file_name)) {
    reader.error(invalid->where, "", "expected UTF-8 text, got " + invalid->what);
    return std::nullopt;
  }
  const std::vector<YamlDocument> documents = load_yaml_documents(text, file_name, diagnostics);
  if (!diagnostics.empty()) return std::nullopt;
  if (documents.size() != 1 || documents[0].root.IsNull()) {
    reader.error(file_start, "",
                 "expected exactly one YAML document (a " + std::string(kind) + ")");
    return std::nullopt;
  }
  reader.set_line_offset(documents[0].line_offset);
  const YAML::Node& document = documents[0].root;
  const SourceLocation where = reader.location(document, file_start);
  MappingReader top(reader, document, "", where, {"apiVersion", "kind", "metadata", "spec"});
  if (!top.valid()) return std::nullopt;
  std::string api_version;
  if (top.required("apiVersion", api_version, StringField{reader}) &&
      api_version != "mycelium.network/v1") {
    reader.error(top.find("apiVersion")->second, "apiVersion",
                 "expected mycelium.network/v1, got " + api_version);
  }
  std::string found_kind;
  if (top.required("kind", found_kind, StringField{reader}) && found_kind != kind) {
    reader.error(top.find("kind")->second, "kind",
                 "expected " + std::string(kind) + ", got " + found_kind);
  }
  Envelope envelope;
  if (const auto metadata = top.find("metadata")) {
    MappingReader meta(reader, metadata->first, "metadata", metadata->second, {"name"});
    if (meta.valid()) meta.required("name", envelope.name, NameField{reader});
  } else {
    top.report_missing("metadata", "a mapping with a name");
  }
  envelope.spec = top.find("spec");
  if (!envelope.spec) top.report_missing("spec", "a mapping");
  return envelope;
}

}  // namespace mycelium::manifest
