// `mycelium deploy FILE --dry-run`: the Kubernetes objects a manifest becomes (real/k8s), printed
// as one YAML stream. Applying them needs the API client, which is not built yet: without
// --dry-run the command says so and changes nothing.

#include <iostream>
#include <variant>

#include <apps/mycelium/commands.hpp>
#include <apps/mycelium/file_io.hpp>
#include <core/manifest/manifest.hpp>
#include <real/k8s/render_endomycete.hpp>

namespace mycelium::cli {

int run_deploy(const DeployOptions& options) {
  if (!options.dry_run) {
    std::cerr << "mycelium deploy: applying to a cluster needs the Kubernetes API client, which "
                 "is not built yet; --dry-run prints the objects (kubectl apply -f - can apply "
                 "them)\n";
    return kExitUserError;
  }
  if (options.dry_run_mode != "render") {
    std::cerr << "mycelium deploy: --dry-run=" << options.dry_run_mode
              << ": expected render (the objects, rendered here; a server-side dry run needs the "
                 "API client, not built yet)\n";
    return kExitUserError;
  }
  const std::string text = read_text_file(options.file, kMaxInputBytes);
  const manifest::LoadResult loaded = manifest::load_manifests(text, options.file);
  if (!loaded.ok()) {
    std::cerr << loaded.diagnostics.format();
    return kExitUserError;
  }
  k8s::RenderOptions render;
  if (!options.namespace_.empty()) render.namespace_ = options.namespace_;
  if (!options.image.empty()) render.image = options.image;
  if (!options.agent_image.empty()) render.agent_image = options.agent_image;

  std::vector<k8s::Object> objects;
  for (const manifest::LoadedObject& object : loaded.objects) {
    const std::string name = manifest::metadata_of(object.object).name;
    if (const auto* service = std::get_if<manifest::EndomyceteService>(&object.object)) {
      try {
        k8s::RenderedObjects rendered = k8s::render_endomycete(*service, render);
        for (k8s::Object& rendered_object : rendered.objects)
          objects.push_back(std::move(rendered_object));
        for (const std::string& note : rendered.notes)
          std::cerr << "mycelium deploy: " << name << ": " << note << '\n';
      } catch (const k8s::RenderError& error) {
        std::cerr << options.file << ": EndomyceteService/" << name << ": " << error.what() << '\n';
        return kExitUserError;
      }
    } else if (std::holds_alternative<manifest::EndophyteVM>(object.object)) {
      std::cerr << options.file << ": EndophyteVM/" << name
                << ": rendering as a KubeVirt VirtualMachine is not built yet; mycelium vm "
                   "deploy runs it through myceliumd and libvirt\n";
      return kExitUserError;
    } else {
      std::cerr << options.file << ": Application/" << name
                << ": an Application describes an application, it is not deployed: mycelium "
                   "recommend turns it into a manifest\n";
      return kExitUserError;
    }
  }
  std::cout << k8s::to_yaml_stream(objects);
  return kExitOk;
}

}  // namespace mycelium::cli
