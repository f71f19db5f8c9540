#include <cstdio>

#include <core/manifest/text_check.hpp>

namespace mycelium::manifest {

namespace {

// Length of the valid UTF-8 sequence at the start of `text`, or 0 (overlong forms, surrogates
// and code points beyond U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char min_second = 0x80;
  unsigned char max_second = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) min_second = 0xa0;  // overlong
    if (lead == 0xed) max_second = 0x9f;  // surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) min_second = 0x90;  // overlong
    if (lead == 0xf4) max_second = 0x8f;  // beyond U+10FFFF
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  if (byte(1) < min_second || byte(1) > max_second) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xbf) return 0;
  }
  return length;
}

}  // namespace

// YAML text is UTF-8 without control characters other than tab and line breaks.
std::optional<InvalidCharacter> find_invalid_character(std::string_view text,
                                                       std::string_view file_name) {
  int line = 1;
  int column = 1;
  std::size_t position = 0;
  while (position < text.size()) {
    const char c = text[position];
    const auto byte = static_cast<unsigned char>(c);
    char code[8];
    std::snprintf(code, sizeof code, "0x%02x", byte);
    const SourceLocation where{std::string(file_name), line, column};
    if ((byte < 0x20 && c != '\t' && c != '\n' && c != '\r') || byte == 0x7f) {
      return InvalidCharacter{where, std::string("control character ") + code +
                                         " (YAML allows only tab, line feed and carriage return)"};
    }
    const std::size_t length = utf8_sequence_length(text.substr(position));
    if (length == 0) {
      return InvalidCharacter{where, std::string("byte ") + code + ", which is not valid UTF-8"};
    }
    position += length;
    if (c == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return std::nullopt;
}

}  // namespace mycelium::manifest
