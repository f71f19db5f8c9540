#pragma once
// Splitting a YAML stream into documents, safely. yaml-cpp 0.7's LoadAll never returns when a
// stray ',' follows a document ("[a],", "- a\n,"): it yields empty documents forever. So the
// stream is split at "---" lines (always document boundaries: a "---" at column 0 cannot occur
// inside a document), each piece is loaded on its own, and anything left after its document is
// reported instead of looped on.

#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include <core/manifest/diagnostics.hpp>

namespace mycelium::manifest {

struct YamlDocument {
  YAML::Node root;  // Null for a document with no content
  int line_offset;  // lines before the document's piece: add to yaml-cpp's 0-based marks
};

// Every document that parsed; every syntax error reported with its location in the whole file.
std::vector<YamlDocument> load_yaml_documents(std::string_view text, std::string_view file_name,
                                              Diagnostics& diagnostics);

}  // namespace mycelium::manifest
