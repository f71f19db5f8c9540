#pragma once
// Typed, located reading of YAML nodes. Every reader reports a precise diagnostic instead of
// throwing, so one pass over a document finds all of its errors.
//
//   MappingReader spec(reader, node, "spec", {"replicas", "placement"});
//   spec.required("replicas", out.replicas, IntegerField<std::uint32_t>{reader, 1, 10000});
//   spec.optional("placement", out.placement, EnumField{reader, kPlacementNames});

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include <core/manifest/diagnostics.hpp>
#include <core/manifest/did_you_mean.hpp>
#include <core/manifest/enum_names.hpp>

namespace mycelium::manifest {

// Where errors go, and which file they are in.
class Reader {
 public:
  Reader(std::string_view file_name, Diagnostics& diagnostics)
      : file_name_(file_name), diagnostics_(diagnostics) {}

  // The node's position, 1-based; `fallback` when the node has none (e.g. an empty value).
  SourceLocation location(const YAML::Node& node, const SourceLocation& fallback = {}) const;
  void error(const SourceLocation& where, std::string_view path, std::string message);
  const std::string& file_name() const { return file_name_; }
  // Lines of the file before the document being read (see yaml_documents.hpp).
  void set_line_offset(int lines) { line_offset_ = lines; }

 private:
  std::string file_name_;
  int line_offset_ = 0;
  Diagnostics& diagnostics_;
};

// What a node is, for "expected X, got Y" messages: got "abc", got a mapping, got null.
std::string describe_node(const YAML::Node& node);

// A plain (unquoted) scalar: how YAML writes numbers and booleans.
bool is_plain_scalar(const YAML::Node& node);

// Field parsers: each says what it expects and turns a node into a value or a diagnostic.
// `where` is the node's location (or its key's, for an empty value).

struct StringField {
  Reader& reader;
  std::string expected() const { return "a string"; }
  std::optional<std::string> operator()(const YAML::Node& node, const SourceLocation& where,
                                        std::string_view path) const;
};

// A DNS-1123 label, as Kubernetes requires for names: [a-z0-9]([-a-z0-9]*[a-z0-9])?, <= 63.
struct NameField {
  Reader& reader;
  std::string expected() const;
  std::optional<std::string> operator()(const YAML::Node& node, const SourceLocation& where,
                                        std::string_view path) const;
};

struct BoolField {
  Reader& reader;
  std::string expected() const { return "true or false"; }
  std::optional<bool> operator()(const YAML::Node& node, const SourceLocation& where,
                                 std::string_view path) const;
};

// A whole number in [min, max].
struct IntegerRange {
  Reader& reader;
  std::int64_t min;
  std::int64_t max;
  std::string expected() const;
  std::optional<std::int64_t> operator()(const YAML::Node& node, const SourceLocation& where,
                                         std::string_view path) const;
};

template <typename Int>
struct IntegerField {
  Reader& reader;
  std::int64_t min;
  std::int64_t max;
  std::string expected() const { return IntegerRange{reader, min, max}.expected(); }
  std::optional<Int> operator()(const YAML::Node& node, const SourceLocation& where,
                                std::string_view path) const {
    const auto value = IntegerRange{reader, min, max}(node, where, path);
    if (!value) return std::nullopt;
    return static_cast<Int>(*value);
  }
};

// A finite number within bounds; each bound inclusive or exclusive.
struct NumberField {
  Reader& reader;
  double min;
  double max;
  bool min_inclusive = true;
  bool max_inclusive = true;
  std::string expected() const;
  std::optional<double> operator()(const YAML::Node& node, const SourceLocation& where,
                                   std::string_view path) const;
};

struct ByteQuantityField {
  Reader& reader;
  std::uint64_t min_bytes = 1;
  std::string expected() const;
  std::optional<std::uint64_t> operator()(const YAML::Node& node, const SourceLocation& where,
                                          std::string_view path) const;
};

struct DurationField {
  Reader& reader;
  std::chrono::nanoseconds min = std::chrono::nanoseconds(0);
  std::chrono::nanoseconds max = std::chrono::hours(24 * 365);
  std::string expected() const;
  std::optional<std::chrono::nanoseconds> operator()(const YAML::Node& node,
                                                     const SourceLocation& where,
                                                     std::string_view path) const;
};

std::string one_of(std::span<const std::string_view> names);

template <typename Enum, std::size_t N>
struct EnumField {
  Reader& reader;
  const EnumNames<Enum, N>& names;
  std::string expected() const {
    const auto spellings = names.spellings();
    return one_of(spellings);
  }
  std::optional<Enum> operator()(const YAML::Node& node, const SourceLocation& where,
                                 std::string_view path) const {
    const auto spellings = names.spellings();
    if (!node.IsScalar()) {
      reader.error(where, path, "expected " + expected() + ", got " + describe_node(node));
      return std::nullopt;
    }
    if (auto value = names.parse(node.Scalar())) return value;
    reader.error(where, path,
                 "expected " + expected() + ", got " + describe_node(node) +
                     did_you_mean_suffix(node.Scalar(), spellings));
    return std::nullopt;
  }
};

// Aggregate deduction is C++20 but clang 14 lacks it: spell the guide out.
template <typename Enum, std::size_t N>
EnumField(Reader&, const EnumNames<Enum, N>&) -> EnumField<Enum, N>;

// A list whose items each go through `Item`; nullopt if the node is not a list or any item fails.
template <typename ItemField>
struct ListField {
  ItemField item;
  std::string expected() const { return "a list of " + item.expected(); }
  auto operator()(const YAML::Node& node, const SourceLocation& where, std::string_view path) const
      -> std::optional<std::vector<typename decltype(item(node, where, path))::value_type>> {
    using Item = typename decltype(item(node, where, path))::value_type;
    if (!node.IsSequence()) {
      item.reader.error(where, path, "expected " + expected() + ", got " + describe_node(node));
      return std::nullopt;
    }
    std::vector<Item> items;
    bool all_ok = true;
    for (std::size_t i = 0; i < node.size(); ++i) {
      const YAML::Node element = node[i];
      const std::string element_path = std::string(path) + "[" + std::to_string(i) + "]";
      auto value = item(element, item.reader.location(element, where), element_path);
      if (value) {
        items.push_back(std::move(*value));
      } else {
        all_ok = false;
      }
    }
    if (!all_ok) return std::nullopt;
    return items;
  }
};

// Reads one YAML mapping: finds keys, reports duplicate and unknown keys (with a suggestion),
// and missing required ones, all located.
class MappingReader {
 public:
  // Reports an error and becomes invalid when `node` is not a mapping. `known_keys` are the
  // fields this mapping may have; any other key is reported as unknown.
  MappingReader(Reader& reader, const YAML::Node& node, std::string path,
                const SourceLocation& where, std::vector<std::string_view> known_keys);

  bool valid() const { return valid_; }
  const SourceLocation& where() const { return where_; }
  const std::string& path() const { return path_; }
  std::string child_path(std::string_view key) const;

  bool has(std::string_view key) const;
  // The value node and its location (the key's, when the value is empty).
  std::optional<std::pair<YAML::Node, SourceLocation>> find(std::string_view key) const;

  // Parses `key` into `out` when present; leaves `out` unchanged otherwise. True if present and
  // valid.
  template <typename T, typename Field>
  bool optional(std::string_view key, T& out, const Field& field) const {
    const auto entry = find(key);
    if (!entry) return false;
    auto value = field(entry->first, entry->second, child_path(key));
    if (!value) return false;
    out = std::move(*value);
    return true;
  }

  // As optional(), and reports "missing required field (expected ...)" when absent.
  template <typename T, typename Field>
  bool required(std::string_view key, T& out, const Field& field) const {
    if (!has(key)) {
      report_missing(key, field.expected());
      return false;
    }
    return optional(key, out, field);
  }

  void report_missing(std::string_view key, std::string_view expected) const;

 private:
  struct Entry {
    std::string key;
    YAML::Node value;
    SourceLocation key_location;
  };

  Reader& reader_;
  std::string path_;
  SourceLocation where_;
  bool valid_ = false;
  std::vector<Entry> entries_;
};

}  // namespace mycelium::manifest
