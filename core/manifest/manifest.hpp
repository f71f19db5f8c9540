#pragma once
// Loading manifests: YAML text (one or many documents) -> validated objects, or every error found.
// Sans-IO: the caller reads the file; this parses text and names the file only in diagnostics.

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <core/manifest/application.hpp>
#include <core/manifest/diagnostics.hpp>
#include <core/manifest/endomycete_service.hpp>
#include <core/manifest/endophyte_vm.hpp>

namespace mycelium::manifest {

using Object = std::variant<EndomyceteService, EndophyteVM, Application>;

inline constexpr std::string_view kKindEndomyceteService = "EndomyceteService";
inline constexpr std::string_view kKindEndophyteVM = "EndophyteVM";
inline constexpr std::string_view kKindApplication = "Application";

std::string_view kind_of(const Object& object);
const ObjectMeta& metadata_of(const Object& object);

struct LoadedObject {
  Object object;
  SourceLocation where;  // the document's start
};

struct LoadResult {
  std::vector<LoadedObject> objects;  // only documents without errors
  Diagnostics diagnostics;

  bool ok() const { return diagnostics.empty(); }
};

// Parses and validates every document of `text`. Empty documents are skipped. Duplicate names
// (same kind and name) inside the text are reported.
LoadResult load_manifests(std::string_view text, std::string_view file_name);

// Reports objects that share a kind and a name (and namespace) across several loaded files.
void check_unique_names(const std::vector<LoadedObject>& objects, Diagnostics& diagnostics);

}  // namespace mycelium::manifest
