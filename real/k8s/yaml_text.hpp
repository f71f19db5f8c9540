#pragma once
// Writing YAML text by hand, for manifests whose every value must read back exactly as written:
// yaml-cpp 0.7's emitter writes "4" plain (read back as an integer), passes DEL through raw
// inside double quotes, and writes literal blocks that lose a missing or extra final newline.

#include <cstddef>
#include <string>
#include <string_view>

namespace mycelium::k8s {

// Whether `text` is well-formed UTF-8 (no overlong form, surrogate or code point past U+10FFFF).
bool is_utf8(std::string_view text);

// `text` (UTF-8) as a YAML scalar that reads back as this same string: plain when it is a
// simple word (letters, digits, '.', '_', '/', '-', and no YAML keyword such as "on" or "null"),
// else double-quoted with every character YAML does not allow raw escaped.
std::string yaml_scalar(std::string_view text);

// `text` (UTF-8, e.g. a whole file) as the value after "key:", for a key at `indent` spaces:
// " |" and the lines indented by indent + 2 when a literal block reads back exactly (one final
// newline, no character that needs an escape, no leading space or blank first line), else
// " " and the double-quoted scalar. Ends with a newline.
std::string yaml_text_value(std::string_view text, std::size_t indent);

}  // namespace mycelium::k8s
