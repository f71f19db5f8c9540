// `mycelium deploy | delete | status FILE`: the Kubernetes objects a manifest becomes (real/k8s),
// printed (--dry-run), applied by server-side apply and optionally waited for until rolled out,
// deleted, or reported with their rollout state, through the API server the kubeconfig names.

#include <chrono>
#include <iostream>
#include <thread>
#include <variant>

#include <apps/mycelium/commands.hpp>
#include <apps/mycelium/file_io.hpp>
#include <apps/mycelium/k8s_cluster.hpp>
#include <core/manifest/manifest.hpp>
#include <real/k8s/api_client.hpp>
#include <real/k8s/kubeconfig.hpp>
#include <real/k8s/render_endomycete.hpp>

namespace mycelium::cli {

namespace {

using k8s::Object;

// The objects of every EndomyceteService in the file, in apply order, or an exit code.
std::variant<std::vector<Object>, int> render_file(const DeployOptions& options,
                                                   const std::string& context_namespace,
                                                   const char* command) {
  const std::string text = read_text_file(options.file, kMaxInputBytes);
  const manifest::LoadResult loaded = manifest::load_manifests(text, options.file);
  if (!loaded.ok()) {
    std::cerr << loaded.diagnostics.format();
    return kExitUserError;
  }
  k8s::RenderOptions render;
  render.namespace_ = !options.namespace_.empty()  ? options.namespace_
                      : !context_namespace.empty() ? context_namespace
                                                   : render.namespace_;
  if (!options.image.empty()) render.image = options.image;
  if (!options.agent_image.empty()) render.agent_image = options.agent_image;

  std::vector<Object> objects;
  for (const manifest::LoadedObject& object : loaded.objects) {
    const std::string name = manifest::metadata_of(object.object).name;
    if (const auto* service = std::get_if<manifest::EndomyceteService>(&object.object)) {
      try {
        k8s::RenderedObjects rendered = k8s::render_endomycete(*service, render);
        for (Object& rendered_object : rendered.objects)
          objects.push_back(std::move(rendered_object));
        // What was defaulted and what to do: said when deploying, not at every status.
        if (std::string_view(command) == "deploy") {
          for (const std::string& note : rendered.notes)
            std::cerr << "mycelium deploy: " << name << ": " << note << '\n';
        }
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
  return objects;
}

// Loads the kubeconfig, renders the file for its namespace and runs `act(client, objects)`;
// the exit code of whichever failed, else act's. API errors are reported here.
template <typename Act>
int on_cluster(const DeployOptions& options, const char* command, Act&& act) {
  auto target = load_cluster(options.kubeconfig, options.context, command,
                             std::string_view(command) == "deploy");
  if (const int* code = std::get_if<int>(&target)) return *code;
  const k8s::ApiTarget& api = std::get<k8s::ApiTarget>(target);
  auto rendered = render_file(options, api.namespace_, command);
  if (const int* code = std::get_if<int>(&rendered)) return *code;
  k8s::ApiClient client(api);
  try {
    return act(client, std::get<std::vector<Object>>(rendered));
  } catch (const k8s::ApiError& error) {
    return report_api_error(error, command);
  }
}

}  // namespace

int run_deploy(const DeployOptions& options) {
  if (options.dry_run) {
    if (options.dry_run_mode != "render") {
      std::cerr << "mycelium deploy: --dry-run=" << options.dry_run_mode
                << ": expected render (the objects, rendered here; a server-side dry run is not "
                   "built yet)\n";
      return kExitUserError;
    }
    auto rendered = render_file(options, "", "deploy");
    if (const int* code = std::get_if<int>(&rendered)) return *code;
    std::cout << k8s::to_yaml_stream(std::get<std::vector<Object>>(rendered));
    return kExitOk;
  }
  return on_cluster(
      options, "deploy", [&options](k8s::ApiClient& client, const std::vector<Object>& objects) {
        return apply_objects(client, objects, options.wait, options.timeout_s, "deploy");
      });
}

int run_delete(const DeployOptions& options) {
  return on_cluster(options, "delete", delete_objects);
}

int run_status(const DeployOptions& options) {
  return on_cluster(options, "status", report_objects);
}

}  // namespace mycelium::cli
