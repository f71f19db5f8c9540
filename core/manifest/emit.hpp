#pragma once
// Manifests back to YAML, fully resolved: every default is written out, so the output documents
// exactly what Mycelium will do. Parsing the output gives back an equal object.

#include <string>

#include <core/manifest/manifest.hpp>

namespace mycelium::manifest {

std::string to_yaml(const Object& object);

}  // namespace mycelium::manifest
