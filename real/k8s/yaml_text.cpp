#include <array>
#include <cstdint>
#include <cstdio>

#include <real/k8s/yaml_text.hpp>

namespace mycelium::k8s {

namespace {

// Decodes the code point at `text[i]`, advancing i; returns false on malformed UTF-8.
bool next_code_point(std::string_view text, std::size_t& i, std::uint32_t& code_point) {
  const auto byte = [&text](std::size_t at) { return static_cast<unsigned char>(text[at]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  std::uint32_t minimum = 0;
  if (lead < 0x80) {
    code_point = lead;
    ++i;
    return true;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, code_point = lead & 0x1F, minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, code_point = lead & 0x0F, minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, code_point = lead & 0x07, minimum = 0x10000;
  } else {
    return false;
  }
  if (i + length > text.size()) return false;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return false;
    code_point = (code_point << 6) | (byte(i + k) & 0x3F);
  }
  if (code_point < minimum || code_point > 0x10FFFF ||
      (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return false;
  }
  i += length;
  return true;
}

// What YAML 1.1 and 1.2 both allow raw in a scalar (c-printable minus the line breaks and BOM
// they treat specially), and what the escapes cover otherwise.
bool needs_escape(std::uint32_t c) {
  if (c == '\t') return false;
  if (c < 0x20 || (c >= 0x7F && c <= 0x9F)) return true;
  return c == 0x2028 || c == 0x2029 || c == 0xFEFF || c == 0xFFFE || c == 0xFFFF;
}

std::string double_quoted(std::string_view text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t start = i;
    std::uint32_t c = 0;
    if (!next_code_point(text, i, c)) {
      // Callers check is_utf8 first; malformed input still never becomes malformed output.
      out += "\\uFFFD";
      i = start + 1;
      continue;
    }
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (needs_escape(c)) {
      char escape[16];
      std::snprintf(escape, sizeof escape, c <= 0xFF ? "\\x%02X" : "\\u%04X", c);
      out += escape;
    } else {
      out.append(text.substr(start, i - start));
    }
  }
  return out + "\"";
}

bool is_plain_word(std::string_view text) {
  if (text.empty()) return false;
  const auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  const auto word_char = [&letter](char c) {
    return letter(c) || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '/' || c == '-';
  };
  // "-j", "--shard": a dash then a letter is a plain scalar, "-1" or "- x" is not.
  std::size_t first = 0;
  while (first < text.size() && first < 2 && text[first] == '-')
    ++first;
  if (first == text.size() || !(letter(text[first]) || (first == 0 && text[0] == '/'))) {
    return false;
  }
  for (const char c : text) {
    if (!word_char(c)) return false;
  }
  // Words YAML 1.1 (what many Kubernetes tools still use) reads as booleans or null.
  static constexpr std::array<std::string_view, 12> kKeywords = {
      "y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf", "~"};
  std::string lower(text);
  for (char& c : lower)
    c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  for (const std::string_view keyword : kKeywords) {
    if (lower == keyword) return false;
  }
  return true;
}

bool literal_block_reads_back(std::string_view text) {
  if (text.size() < 2 || text.back() != '\n' || text[text.size() - 2] == '\n') return false;
  if (text.front() == ' ' || text.front() == '\n' || text.front() == '\t') return false;
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t c = 0;
    if (!next_code_point(text, i, c)) return false;
    if (c != '\n' && needs_escape(c)) return false;
  }
  return true;
}

}  // namespace

bool is_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t c = 0;
    if (!next_code_point(text, i, c)) return false;
  }
  return true;
}

std::string yaml_scalar(std::string_view text) {
  return is_plain_word(text) ? std::string(text) : double_quoted(text);
}

std::string yaml_text_value(std::string_view text, std::size_t indent) {
  if (!literal_block_reads_back(text)) return " " + double_quoted(text) + "\n";
  std::string out = " |\n";
  const std::string margin(indent + 2, ' ');
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    const std::string_view line = text.substr(start, end - start);
    if (!line.empty()) out += margin;
    out.append(line);
    out += '\n';
    start = end + 1;
  }
  return out;
}

}  // namespace mycelium::k8s
