#include <set>
#include <system_error>

#include <apps/mycelium/file_io.hpp>
#include <apps/mycelium/run_pool.hpp>
#include <apps/mycelium/scenario_bundle.hpp>
#include <apps/mycelium/scenario_digest.hpp>
#include <apps/mycelium/scratch_folder.hpp>
#include <real/k8s/yaml_text.hpp>

namespace mycelium::cli {

using k8s::is_utf8;

namespace {

namespace fs = std::filesystem;

// A ConfigMap key from a file name: characters outside [-._a-zA-Z0-9] become '-'.
std::string config_map_key(const std::string& file_name) {
  std::string key = file_name;
  for (char& c : key) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    if (!allowed) c = '-';
  }
  return key;
}

void check_text(const std::string& what, const std::string& bytes) {
  if (!is_utf8(bytes)) {
    throw UserError(what + " is not UTF-8 text, which a ConfigMap's data must be");
  }
}

}  // namespace

ScenarioBundle bundle_scenario(const ScenarioSource& source,
                               const std::vector<ScenarioReference>& references) {
  ScenarioBundle bundle;
  const std::string scenario_name = fs::path(source.file).filename().string();
  check_text(source.file, source.text);
  bundle.files.push_back({config_map_key(scenario_name), scenario_name, source.text});
  std::size_t total = source.text.size();
  for (std::size_t i = 0; i < references.size(); ++i) {
    const ScenarioReference& reference = references[i];
    const std::string where =
        source.file + ": " + reference.field_path + " \"" + reference.written + "\"";
    const fs::path normal = fs::path(reference.written).lexically_normal();
    if (normal.is_absolute()) {
      throw UserError(where +
                      ": an absolute path cannot be shipped to a cluster; give the "
                      "path relative to the scenario's folder (and copy the file there)");
    }
    if (normal.empty() || *normal.begin() == "..") {
      throw UserError(where +
                      ": a file outside the scenario's folder cannot be shipped to a "
                      "cluster (the ConfigMap is mounted as that one folder); move it into the "
                      "scenario's folder or below");
    }
    check_text(where, reference.bytes);
    const std::string path = normal.generic_string();
    if (path == scenario_name) continue;  // the scenario naming itself: already there
    bundle.files.push_back(
        {"ref" + std::to_string(i + 1) + "-" + config_map_key(normal.filename().string()), path,
         reference.bytes});
    total += reference.bytes.size();
  }
  if (total > kMaxConfigMapBytes) {
    throw UserError(source.file + " and the files it names hold " + std::to_string(total) +
                    " bytes, more than the " + std::to_string(kMaxConfigMapBytes) +
                    " bytes a Kubernetes ConfigMap holds");
  }
  std::set<std::string> keys;
  std::set<std::string> paths;
  for (const BundledFile& file : bundle.files) {
    if (!keys.insert(file.key).second || !paths.insert(file.path).second) {
      throw UserError(source.file + ": two of its files would share the ConfigMap key \"" +
                      file.key + "\" or the path \"" + file.path + "\"; rename the scenario file");
    }
  }
  return bundle;
}

void check_bundle_is_complete(const ScenarioBundle& bundle, const ScenarioSource& source,
                              const std::string& digest) {
  const ScratchFolder folder(fs::temp_directory_path(), "mycelium-bundle-");
  for (const BundledFile& file : bundle.files) {
    const fs::path target = folder.path() / file.path;
    std::error_code error;
    fs::create_directories(target.parent_path(), error);
    if (error) throw UserError("cannot create " + target.parent_path().string());
    write_file_atomically(target.string(), file.bytes);
  }
  const std::string what = source.file +
                           ": the copy the cluster would get (the scenario and "
                           "the files it names, as a ConfigMap)";
  std::optional<ScenarioSource> copy =
      load_scenario((folder.path() / bundle.files[0].path).string());
  if (!copy) {
    throw UserError(what +
                    " does not load (errors above): the scenario names a file "
                    "`mycelium sweep --emit` does not know to ship");
  }
  const std::vector<PoolRun> runs = sweep_runs(source);
  const std::vector<PoolRun> copy_runs = sweep_runs(*copy);
  bool same_runs = runs.size() == copy_runs.size();
  for (std::size_t i = 0; same_runs && i < runs.size(); ++i)
    same_runs = runs[i].name == copy_runs[i].name;
  if (!same_runs || scenario_digest(copy->text, scenario_references(*copy)) != digest) {
    throw UserError(what +
                    " resolves to another sweep than the original (a path through a "
                    "symbolic link?)");
  }
}

}  // namespace mycelium::cli
