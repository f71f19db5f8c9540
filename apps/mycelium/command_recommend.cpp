#include <iostream>
#include <sstream>
#include <stdexcept>

#include <apps/mycelium/commands.hpp>
#include <apps/mycelium/file_io.hpp>
#include <core/manifest/emit.hpp>
#include <core/manifest/manifest.hpp>
#include <core/select/selector.hpp>

namespace mycelium::cli {

namespace {

// The rationale as YAML comments, so stdout stays a valid manifest file.
std::string commented_rationale(const manifest::Application& app,
                                const select::Recommendation& recommendation) {
  std::ostringstream text;
  text << "# Recommendation for " << app.metadata.name << ": "
       << select::model_name(recommendation.model) << '\n';
  text << "# " << recommendation.rationale << ".\n";
  for (const std::string& decision : recommendation.decisions)
    text << "#  - " << decision << '\n';
  return text.str();
}

// The selector promises a valid manifest; prove it before anyone deploys it.
void check_generated(const std::string& yaml, const std::string& application_name) {
  const manifest::LoadResult reparsed = manifest::load_manifests(yaml, "<generated>");
  if (!reparsed.ok()) {
    throw std::logic_error("the manifest generated for " + application_name +
                           " does not validate:\n" + reparsed.diagnostics.format());
  }
}

}  // namespace

int run_recommend(const RecommendOptions& options) {
  const std::string text = read_text_file(options.application_file, kMaxInputBytes);
  const manifest::LoadResult loaded = manifest::load_manifests(text, options.application_file);
  if (!loaded.ok()) {
    std::cerr << loaded.diagnostics.format();
    return kExitUserError;
  }
  std::vector<const manifest::LoadedObject*> applications;
  for (const manifest::LoadedObject& object : loaded.objects) {
    if (std::holds_alternative<manifest::Application>(object.object)) {
      applications.push_back(&object);
    } else {
      std::cerr << manifest::format_diagnostic({object.where, "kind",
                                                "expected Application, got " +
                                                    std::string(manifest::kind_of(object.object)) +
                                                    " (recommend takes application descriptions)"})
                << '\n';
      return kExitUserError;
    }
  }

  std::string summaries;
  std::string manifests;
  for (const manifest::LoadedObject* loaded_application : applications) {
    const auto& app = std::get<manifest::Application>(loaded_application->object);
    const select::Recommendation recommendation = select::recommend(app);
    const std::string yaml = manifest::to_yaml(recommendation.configuration);
    check_generated(yaml, app.metadata.name);
    const std::string rationale = commented_rationale(app, recommendation);
    summaries += rationale;
    if (!manifests.empty()) manifests += "---\n";
    manifests += options.output_file.empty() ? rationale + yaml : yaml;
  }

  if (options.output_file.empty()) {
    std::cout << manifests;
  } else {
    write_file_atomically(options.output_file, manifests);
    std::cout << summaries << "# Manifest written to " << options.output_file << '\n';
  }
  return kExitOk;
}

}  // namespace mycelium::cli
