#include <algorithm>
#include <charconv>

#include <real/agent/query_string.hpp>

namespace mycelium::real {

namespace {

bool unreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes one key or value into `out`; false, with `error` set, if it is not well formed.
bool decode(std::string_view text, std::string& out, std::string& error, std::string_view what) {
  out.clear();
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      const int high = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
      const int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
      if (high < 0 || low < 0) {
        error = std::string(what) + ": '%' must be followed by two hex digits";
        return false;
      }
      const int byte = high * 16 + low;
      if (byte < 0x20 || byte == 0x7f) {
        error = std::string(what) + ": a control character";
        return false;
      }
      out.push_back(static_cast<char>(byte));
      i += 2;
    } else if (unreserved(c)) {
      out.push_back(c);
    } else {
      error = std::string(what) + ": unexpected character (use letters, digits, - . _ ~ or %XX)";
      return false;
    }
    if (out.size() > QueryLimits::kMaxDecodedBytes) {
      error = std::string(what) + ": longer than " + std::to_string(QueryLimits::kMaxDecodedBytes) +
              " bytes";
      return false;
    }
  }
  return true;
}

}  // namespace

std::variant<QueryParameters, std::string> parse_query(std::string_view query) {
  QueryParameters parameters;
  std::string error;
  while (!query.empty()) {
    const std::size_t end = query.find('&');
    const std::string_view pair = query.substr(0, end);
    query = end == std::string_view::npos ? std::string_view{} : query.substr(end + 1);
    if (end != std::string_view::npos && query.empty()) return std::string("trailing '&'");
    const std::size_t equals = pair.find('=');
    if (equals == std::string_view::npos || equals == 0)
      return "expected key=value, got '" + std::string(pair.substr(0, 64)) + "'";
    std::string key, value;
    if (!decode(pair.substr(0, equals), key, error, "a parameter name")) return error;
    if (!decode(pair.substr(equals + 1), value, error, "parameter " + key)) return error;
    if (parameters.size() == QueryLimits::kMaxParameters)
      return "more than " + std::to_string(QueryLimits::kMaxParameters) + " parameters";
    if (parameters.contains(key)) return "parameter " + key + " given twice";
    parameters.emplace(std::move(key), std::move(value));
  }
  return parameters;
}

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
  const std::size_t question = target.find('?');
  if (question == std::string_view::npos) return {target, {}};
  return {target.substr(0, question), target.substr(question + 1)};
}

std::variant<QueryParameters, std::string> parse_known_query(
    std::string_view query, std::initializer_list<std::string_view> known) {
  auto parsed = parse_query(query);
  if (const std::string* error = std::get_if<std::string>(&parsed)) return "bad query: " + *error;
  for (const auto& [key, value] : std::get<QueryParameters>(parsed)) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string expected;
    for (const std::string_view name : known)
      expected += (expected.empty() ? "" : ", ") + std::string(name);
    return "unknown parameter " + key + "; expected " + expected;
  }
  return parsed;
}

std::optional<std::uint32_t> parse_node_id(std::string_view text) {
  std::uint32_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || text.empty() ||
      value == UINT32_MAX) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::vector<std::uint32_t>> parse_node_id_list(std::string_view text,
                                                             std::size_t max_count) {
  std::vector<std::uint32_t> nodes;
  while (true) {
    const std::size_t comma = text.find(',');
    const auto node = parse_node_id(text.substr(0, comma));
    if (!node || std::find(nodes.begin(), nodes.end(), *node) != nodes.end() ||
        nodes.size() == max_count) {
      return std::nullopt;
    }
    nodes.push_back(*node);
    if (comma == std::string_view::npos) return nodes;
    text.remove_prefix(comma + 1);
  }
}

}  // namespace mycelium::real
