#include <string_view>

#include <core/assert.hpp>
#include <real/k8s/yaml_text.hpp>
#include <real/k8s/yaml_writer.hpp>

namespace mycelium::k8s {

namespace {

// Deeper than any Kubernetes object (a pod template is about 12 levels): a bound on recursion.
constexpr std::size_t kMaxDepth = 64;

bool is_collection(const Object& value) {
  return (value.is_object() || value.is_array()) && !value.empty();
}

std::string scalar(const Object& value) {
  switch (value.type()) {
    case Object::value_t::null:
      return "null";
    case Object::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case Object::value_t::number_integer:
    case Object::value_t::number_unsigned:
    case Object::value_t::number_float:
      return value.dump();
    case Object::value_t::string:
      return yaml_scalar(value.get_ref<const std::string&>());
    case Object::value_t::object:
      return "{}";  // only empty ones get here
    case Object::value_t::array:
      return "[]";
    default:
      MYCELIUM_ASSERT(false);  // binary and discarded values are never built
      return {};
  }
}

void write(const Object& value, std::size_t indent, std::size_t depth, std::string& out);

// `key:` and its value, at `indent`.
void write_member(std::string_view key, const Object& value, std::size_t indent, std::size_t depth,
                  std::string& out) {
  out += yaml_scalar(key) + ":";
  if (value.is_string() && value.get_ref<const std::string&>().find('\n') != std::string::npos) {
    out += yaml_text_value(value.get_ref<const std::string&>(), indent);
  } else if (is_collection(value)) {
    out += "\n";
    write(value, indent + 2, depth + 1, out);
  } else {
    out += " " + scalar(value) + "\n";
  }
}

// A non-empty object or array whose first line starts at `indent` (the caller wrote nothing on
// that line yet), or continues after a "- " the caller wrote.
void write(const Object& value, std::size_t indent, std::size_t depth, std::string& out,
           bool after_dash) {
  MYCELIUM_ASSERT(depth < kMaxDepth);
  bool first = true;
  if (value.is_object()) {
    for (const auto& [key, member] : value.items()) {
      if (!(first && after_dash)) out += std::string(indent, ' ');
      first = false;
      write_member(key, member, indent, depth, out);
    }
    return;
  }
  for (const Object& item : value) {
    if (!(first && after_dash)) out += std::string(indent, ' ');
    first = false;
    out += "- ";
    if (is_collection(item)) {
      write(item, indent + 2, depth + 1, out, true);
    } else {
      out += scalar(item) + "\n";
    }
  }
}

void write(const Object& value, std::size_t indent, std::size_t depth, std::string& out) {
  write(value, indent, depth, out, false);
}

}  // namespace

std::string to_yaml(const Object& document) {
  if (!is_collection(document)) return scalar(document) + "\n";
  std::string out;
  write(document, 0, 0, out);
  return out;
}

std::string to_yaml_stream(const std::vector<Object>& documents) {
  std::string out;
  for (const Object& document : documents)
    out += "---\n" + to_yaml(document);
  return out;
}

}  // namespace mycelium::k8s
