#include <charconv>
#include <cmath>
#include <cstdio>
#include <set>

#include <core/manifest/quantity.hpp>
#include <core/manifest/yaml_reader.hpp>

namespace mycelium::manifest {

namespace {

std::string format_number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

// Names like metadata.name: Kubernetes' DNS-1123 label rule.
bool is_dns_label(std::string_view text) {
  if (text.empty() || text.size() > 63) return false;
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(text.front()) || !alnum(text.back())) return false;
  for (char c : text) {
    if (!alnum(c) && c != '-') return false;
  }
  return true;
}

}  // namespace

SourceLocation Reader::location(const YAML::Node& node, const SourceLocation& fallback) const {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null() || mark.line < 0) return fallback;
  return SourceLocation{file_name_, mark.line + line_offset_ + 1, mark.column + 1};
}

void Reader::error(const SourceLocation& where, std::string_view path, std::string message) {
  diagnostics_.error(where, std::string(path), std::move(message));
}

std::string describe_node(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "an empty value";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar: {
      std::string text = node.Scalar();
      constexpr std::size_t kMaxShown = 60;
      if (text.size() > kMaxShown) text = text.substr(0, kMaxShown) + "...";
      return "\"" + text + "\"";
    }
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

bool is_plain_scalar(const YAML::Node& node) {
  return node.IsScalar() && node.Tag() == "?";
}

std::optional<std::string> StringField::operator()(const YAML::Node& node,
                                                   const SourceLocation& where,
                                                   std::string_view path) const {
  if (!node.IsScalar()) {
    reader.error(where, path, "expected " + expected() + ", got " + describe_node(node));
    return std::nullopt;
  }
  return node.Scalar();
}

std::string NameField::expected() const {
  return "a name of at most 63 lowercase letters, digits and '-', starting and ending with a "
         "letter or digit";
}

std::optional<std::string> NameField::operator()(const YAML::Node& node,
                                                 const SourceLocation& where,
                                                 std::string_view path) const {
  if (!node.IsScalar() || !is_dns_label(node.Scalar())) {
    reader.error(where, path, "expected " + expected() + ", got " + describe_node(node));
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<bool> BoolField::operator()(const YAML::Node& node, const SourceLocation& where,
                                          std::string_view path) const {
  if (is_plain_scalar(node)) {
    const std::string& text = node.Scalar();
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
  }
  reader.error(where, path, "expected " + expected() + ", got " + describe_node(node));
  return std::nullopt;
}

std::string IntegerRange::expected() const {
  if (max == INT64_MAX) return "an integer >= " + std::to_string(min);
  return "an integer from " + std::to_string(min) + " to " + std::to_string(max);
}

std::optional<std::int64_t> IntegerRange::operator()(const YAML::Node& node,
                                                     const SourceLocation& where,
                                                     std::string_view path) const {
  std::int64_t value = 0;
  bool parsed = false;
  if (is_plain_scalar(node)) {
    const std::string& text = node.Scalar();
    const auto [end, status] = std::from_chars(text.data(), text.data() + text.size(), value);
    parsed = status == std::errc() && end == text.data() + text.size();
  }
  if (!parsed || value < min || value > max) {
    reader.error(where, path, "expected " + expected() + ", got " + describe_node(node));
    return std::nullopt;
  }
  return value;
}

std::string NumberField::expected() const {
  return std::string("a number in ") + (min_inclusive ? "[" : "(") + format_number(min) + ", " +
         format_number(max) + (max_inclusive ? "]" : ")");
}

std::optional<double> NumberField::operator()(const YAML::Node& node, const SourceLocation& where,
                                              std::string_view path) const {
  double value = 0.0;
  bool parsed = false;
  if (is_plain_scalar(node)) {
    const std::string& text = node.Scalar();
    const auto [end, status] = std::from_chars(text.data(), text.data() + text.size(), value);
    parsed = status == std::errc() && end == text.data() + text.size() && std::isfinite(value);
  }
  const bool in_range = parsed && (min_inclusive ? value >= min : value > min) &&
                        (max_inclusive ? value <= max : value < max);
  if (!in_range) {
    reader.error(where, path, "expected " + expected() + ", got " + describe_node(node));
    return std::nullopt;
  }
  return value;
}

std::string ByteQuantityField::expected() const {
  return "a byte quantity of at least " + format_byte_quantity(min_bytes) + " such as 512Mi or 8Gi";
}

std::optional<std::uint64_t> ByteQuantityField::operator()(const YAML::Node& node,
                                                           const SourceLocation& where,
                                                           std::string_view path) const {
  if (!node.IsScalar()) {
    reader.error(where, path, "expected " + expected() + ", got " + describe_node(node));
    return std::nullopt;
  }
  const auto parsed = parse_byte_quantity(node.Scalar());
  if (!parsed.ok()) {
    reader.error(where, path, parsed.error());
    return std::nullopt;
  }
  if (parsed.value() < min_bytes) {
    reader.error(where, path, "expected " + expected() + ", got " + describe_node(node));
    return std::nullopt;
  }
  return parsed.value();
}

std::string DurationField::expected() const {
  return "a duration from " + format_duration(min) + " to " + format_duration(max) +
         " such as 100ms or 2s";
}

std::optional<std::chrono::nanoseconds> DurationField::operator()(const YAML::Node& node,
                                                                  const SourceLocation& where,
                                                                  std::string_view path) const {
  if (!node.IsScalar()) {
    reader.error(where, path, "expected " + expected() + ", got " + describe_node(node));
    return std::nullopt;
  }
  const auto parsed = parse_duration(node.Scalar());
  if (!parsed.ok()) {
    reader.error(where, path, parsed.error());
    return std::nullopt;
  }
  if (parsed.value() < min || parsed.value() > max) {
    reader.error(where, path, "expected " + expected() + ", got " + describe_node(node));
    return std::nullopt;
  }
  return parsed.value();
}

std::string one_of(std::span<const std::string_view> names) {
  std::string text = "one of ";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += ", ";
    text += names[i];
  }
  return text;
}

MappingReader::MappingReader(Reader& reader, const YAML::Node& node, std::string path,
                             const SourceLocation& where, std::vector<std::string_view> known_keys)
    : reader_(reader), path_(std::move(path)), where_(reader.location(node, where)) {
  if (!node.IsMap()) {
    reader_.error(where_, path_, "expected a mapping, got " + describe_node(node));
    return;
  }
  valid_ = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;
    const SourceLocation key_location = reader_.location(key, where_);
    if (!key.IsScalar()) {
      reader_.error(key_location, path_,
                    "expected field names to be strings, got " + describe_node(key));
      continue;
    }
    const std::string& name = key.Scalar();
    const std::string field_path = child_path(name);
    bool duplicate = false;
    for (const Entry& entry : entries_) {
      if (entry.key == name) {
        reader_.error(key_location, field_path,
                      "duplicate field (first given at line " +
                          std::to_string(entry.key_location.line) + ")");
        duplicate = true;
        break;
      }
    }
    if (duplicate) continue;
    bool known = false;
    for (std::string_view candidate : known_keys)
      known = known || candidate == name;
    if (!known) {
      reader_.error(key_location, field_path,
                    "unknown field" + did_you_mean_suffix(name, known_keys) +
                        (known_keys.empty() ? std::string("; this mapping takes no fields")
                                            : "; expected " + one_of(known_keys)));
      continue;
    }
    entries_.push_back(Entry{name, it->second, key_location});
  }
}

std::string MappingReader::child_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

bool MappingReader::has(std::string_view key) const {
  return find(key).has_value();
}

std::optional<std::pair<YAML::Node, SourceLocation>> MappingReader::find(
    std::string_view key) const {
  for (const Entry& entry : entries_) {
    if (entry.key == key) {
      return std::make_pair(entry.value, reader_.location(entry.value, entry.key_location));
    }
  }
  return std::nullopt;
}

void MappingReader::report_missing(std::string_view key, std::string_view expected) const {
  reader_.error(where_, child_path(key),
                "missing required field (expected " + std::string(expected) + ")");
}

}  // namespace mycelium::manifest
