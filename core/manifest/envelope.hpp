#pragma once
// The envelope every mycelium.network/v1 file of ours shares (scenarios, the agent's config):
// size, UTF-8, one YAML document, apiVersion, kind, metadata.name, and where its spec is, each
// problem reported located, so every loader words them the same way.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <core/manifest/diagnostics.hpp>
#include <core/manifest/yaml_reader.hpp>

namespace mycelium::manifest {

inline constexpr std::size_t kMaxEnvelopeFileBytes = 1U << 20;

// `spec` is set when the file got as far as a mapping with a spec key; `name` may be empty when
// metadata was wrong (an error says so).
struct Envelope {
  std::string name;
  std::optional<std::pair<YAML::Node, SourceLocation>> spec;
};

// Reads `text` as one YAML document of `kind` (apiVersion mycelium.network/v1) and reports every
// problem of the envelope through `reader`; `what` names the file in the size error ("a
// scenario of at most 1 MiB"). Nullopt when nothing further can be read.
std::optional<Envelope> read_envelope(Reader& reader, Diagnostics& diagnostics,
                                      std::string_view text, std::string_view file_name,
                                      std::string_view kind, std::string_view what);

}  // namespace mycelium::manifest
