#pragma once
// Internal: one parser per kind. Each reads `spec` (already known to exist) and reports every
// problem through the Reader; the caller decides success by whether diagnostics were added.

#include <core/manifest/application.hpp>
#include <core/manifest/endomycete_service.hpp>
#include <core/manifest/endophyte_vm.hpp>
#include <core/manifest/yaml_reader.hpp>

namespace mycelium::manifest::detail {

void parse_metadata(Reader& reader, const YAML::Node& node, const SourceLocation& where,
                    ObjectMeta& out);
void parse_endomycete_spec(Reader& reader, const YAML::Node& spec, const SourceLocation& where,
                           EndomyceteService& out);
void parse_endophyte_spec(Reader& reader, const YAML::Node& spec, const SourceLocation& where,
                          EndophyteVM& out);
void parse_application_spec(Reader& reader, const YAML::Node& spec, const SourceLocation& where,
                            Application& out);

// A distributedRAM mapping (EndophyteVM spec, scenario configurations) at `path`, read onto
// `out`: fields not given keep their value in `out`. Returns where bufferSize was given, for
// cross-checks against the guest's memory size.
std::optional<SourceLocation> parse_distributed_ram(Reader& reader, const YAML::Node& node,
                                                    const SourceLocation& where,
                                                    const std::string& path,
                                                    DistributedRamConfig& out,
                                                    bool buffer_required = true);

// Ports 1-65535, each at most once.
struct PortListField {
  Reader& reader;
  std::string expected() const { return "a list of distinct ports from 1 to 65535"; }
  std::optional<std::vector<std::uint16_t>> operator()(const YAML::Node& node,
                                                       const SourceLocation& where,
                                                       std::string_view path) const;
};

// An HTTP path: starts with '/', no spaces.
struct HttpPathField {
  Reader& reader;
  std::string expected() const { return "an HTTP path beginning with '/' such as /health"; }
  std::optional<std::string> operator()(const YAML::Node& node, const SourceLocation& where,
                                        std::string_view path) const;
};

}  // namespace mycelium::manifest::detail
