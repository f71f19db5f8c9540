#include <algorithm>

#include <core/manifest/parsers.hpp>

namespace mycelium::manifest::detail {

namespace {

// Label keys and values as Kubernetes accepts them, simplified: non-empty key <= 253, value <= 63.
struct LabelsField {
  Reader& reader;
  std::string expected() const { return "a mapping of label names to string values"; }
  std::optional<std::map<std::string, std::string>> operator()(const YAML::Node& node,
                                                               const SourceLocation& where,
                                                               std::string_view path) const {
    if (!node.IsMap()) {
      reader.error(where, path, "expected " + expected() + ", got " + describe_node(node));
      return std::nullopt;
    }
    std::map<std::string, std::string> labels;
    bool ok = true;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const SourceLocation key_where = reader.location(it->first, where);
      if (!it->first.IsScalar() || it->first.Scalar().empty() || it->first.Scalar().size() > 253) {
        reader.error(key_where, path, "expected label names of 1 to 253 characters");
        ok = false;
        continue;
      }
      const std::string key = it->first.Scalar();
      const std::string label_path = std::string(path) + "." + key;
      if (!it->second.IsScalar() || it->second.Scalar().size() > 63) {
        reader.error(
            reader.location(it->second, key_where), label_path,
            "expected a label value of at most 63 characters, got " + describe_node(it->second));
        ok = false;
        continue;
      }
      if (!labels.emplace(key, it->second.Scalar()).second) {
        reader.error(key_where, label_path, "duplicate label");
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    return labels;
  }
};

}  // namespace

void parse_metadata(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                    ObjectMeta& out) {
  MappingReader metadata(reader, node, "metadata", where, {"name", "namespace", "labels"});
  if (!metadata.valid()) return;
  metadata.required("name", out.name, NameField{reader});
  metadata.optional("namespace", out.namespace_, NameField{reader});
  metadata.optional("labels", out.labels, LabelsField{reader});
}

std::optional<std::vector<std::uint16_t>> PortListField::operator()(const YAML::Node& node,
                                                                    const SourceLocation& where,
                                                                    std::string_view path) const {
  const ListField<IntegerField<std::uint16_t>> list{{reader, 1, 65535}};
  auto ports = list(node, where, path);
  if (!ports) return std::nullopt;
  for (std::size_t i = 0; i < ports->size(); ++i) {
    const auto first =
        std::find(ports->begin(), ports->begin() + static_cast<long>(i), (*ports)[i]);
    if (first != ports->begin() + static_cast<long>(i)) {
      reader.error(reader.location(node[i], where),
                   std::string(path) + "[" + std::to_string(i) + "]",
                   "duplicate port " + std::to_string((*ports)[i]));
      return std::nullopt;
    }
  }
  return ports;
}

std::optional<std::string> HttpPathField::operator()(const YAML::Node& node,
                                                     const SourceLocation& where,
                                                     std::string_view path) const {
  const bool ok = node.IsScalar() && !node.Scalar().empty() && node.Scalar().front() == '/' &&
                  node.Scalar().find_first_of(" \t\r\n") == std::string::npos;
  if (!ok) {
    reader.error(where, path, "expected " + expected() + ", got " + describe_node(node));
    return std::nullopt;
  }
  return node.Scalar();
}

}  // namespace mycelium::manifest::detail
