#pragma once
// The files a scenario names besides itself: workload traces (`spec.workloads[i].trace`) and
// EndophyteVM manifests (`spec.configurations[i].endophyte`), both relative to the scenario's
// folder (docs/scenarios.md). `mycelium sweep` digests them with the scenario, and ships them
// with it to a cluster.

#include <filesystem>
#include <string>
#include <vector>

#include <apps/mycelium/scenario_source.hpp>

namespace mycelium::cli {

struct ScenarioReference {
  std::string field_path;          // where the scenario names it, e.g. "spec.workloads[2].trace"
  std::string written;             // the path as the scenario writes it
  std::filesystem::path resolved;  // where it is read: the scenario's folder / written
  std::string bytes;               // the file's contents
};

// Every file `source` names, in the order it names them, each file once (by its lexically
// normal resolved path). Reads them; throws UserError naming the file when one cannot be read.
std::vector<ScenarioReference> scenario_references(const ScenarioSource& source);

}  // namespace mycelium::cli
