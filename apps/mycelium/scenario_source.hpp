#pragma once
// A scenario file read and resolved, with the text it was resolved from: `mycelium run` and
// `mycelium sweep` expand its sweep, `sweep` also digests the text and ships it to a cluster.

#include <filesystem>
#include <optional>
#include <string>

#include <sim/scenario/scenario.hpp>

namespace mycelium::cli {

struct ScenarioSource {
  std::string file;                // as given on the command line
  std::string text;                // the file's bytes
  std::filesystem::path base_dir;  // where its references (traces, manifests) are resolved
  sim::Scenario scenario;          // expand its sweep only once it stays where it is: a RunSpec
                                   // points into it
};

// Reads and resolves `file`. Throws UserError when it cannot be read; prints every error of an
// invalid scenario on stderr (file:line:col: field: expected ...) and returns nullopt.
std::optional<ScenarioSource> load_scenario(const std::string& file);
// The same for `text`, the bytes of `file` a caller already read (to look at its kind first).
std::optional<ScenarioSource> resolve_scenario(const std::string& file, std::string text);

}  // namespace mycelium::cli
