#pragma once
// Escaping text for libvirt domain XML. Names come from validated manifests, but kernel paths
// and command lines are the caller's free text ("console=ttyS0 quiet a<b" must stay one value).

#include <string>
#include <string_view>

namespace mycelium::real {

// Replaces & < > " ' by their entities, so the result is safe both as element text and inside
// a quoted attribute value (either quote).
std::string escape_xml(std::string_view text);

}  // namespace mycelium::real
