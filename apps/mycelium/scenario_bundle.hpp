#pragma once
// A scenario and the files it names, laid out as the files of a Kubernetes ConfigMap mounted at
// one folder: each file gets a ConfigMap key and a path under the mount, the scenario at the
// top and every reference at the path the scenario writes, so the scenario's text is shipped
// unchanged (and digests the same in the cluster).

#include <string>
#include <vector>

#include <apps/mycelium/scenario_references.hpp>
#include <apps/mycelium/scenario_source.hpp>

namespace mycelium::cli {

struct BundledFile {
  std::string key;    // ConfigMap key: [-._a-zA-Z0-9]+, unique in the bundle
  std::string path;   // relative path under the mount: no "..", not absolute
  std::string bytes;  // UTF-8 text (a ConfigMap's `data` holds strings)
};

struct ScenarioBundle {
  std::vector<BundledFile> files;  // files[0] is the scenario, then its references in order
};

// Kubernetes refuses a ConfigMap larger than 1 MiB.
inline constexpr std::size_t kMaxConfigMapBytes = 1U << 20;

// Lays out `source` and `references`. Throws UserError naming the scenario, the field and the
// path for what a ConfigMap mount cannot reproduce: an absolute reference, one that leaves the
// scenario's folder (".."), a file that is not UTF-8 text, a bundle over 1 MiB.
ScenarioBundle bundle_scenario(const ScenarioSource& source,
                               const std::vector<ScenarioReference>& references);

// Proves the bundle is complete: writes it to a temporary folder, loads the scenario from there
// and checks it digests the same as `digest` and expands to the same runs as `source`. Throws
// UserError when it does not (the scenario needs a file the bundle lacks); the loader's errors
// are on stderr then.
void check_bundle_is_complete(const ScenarioBundle& bundle, const ScenarioSource& source,
                              const std::string& digest);

}  // namespace mycelium::cli
