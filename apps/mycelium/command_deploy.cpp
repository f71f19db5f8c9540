// `mycelium deploy | delete | status FILE`: the Kubernetes objects a manifest becomes (real/k8s),
// printed (--dry-run), applied by server-side apply and optionally waited for until rolled out,
// deleted, or reported with their rollout state, through the API server the kubeconfig names.

#include <chrono>
#include <iostream>
#include <thread>
#include <variant>

#include <apps/mycelium/commands.hpp>
#include <apps/mycelium/file_io.hpp>
#include <core/manifest/manifest.hpp>
#include <real/k8s/api_client.hpp>
#include <real/k8s/kubeconfig.hpp>
#include <real/k8s/render_endomycete.hpp>

namespace mycelium::cli {

namespace {

using k8s::Object;

constexpr auto kRolloutPoll = std::chrono::seconds(1);

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

std::string label(const Object& object) {
  return object["kind"].get<std::string>() + "/" + object["metadata"]["name"].get<std::string>();
}

bool is_workload(const Object& object) {
  return object["kind"] == "StatefulSet" || object["kind"] == "Deployment";
}

std::int64_t integer(const Object& object, std::initializer_list<const char*> path) {
  const Object* at = &object;
  for (const char* key : path) {
    if (!at->is_object() || !at->contains(key)) return 0;
    at = &(*at)[key];
  }
  return at->is_number_integer() ? at->get<std::int64_t>() : 0;
}

// "2/3 ready, 3 updated", and whether the rollout is complete: the controller has seen the
// latest spec, and every replica is updated and ready.
std::pair<std::string, bool> rollout(const Object& live) {
  const std::int64_t wanted = integer(live, {"spec", "replicas"});
  const std::int64_t ready = integer(live, {"status", "readyReplicas"});
  const std::int64_t updated = integer(live, {"status", "updatedReplicas"});
  const bool observed =
      integer(live, {"status", "observedGeneration"}) >= integer(live, {"metadata", "generation"});
  return {std::to_string(ready) + "/" + std::to_string(wanted) + " ready, " +
              std::to_string(updated) + " updated",
          observed && ready == wanted && updated == wanted};
}

// The API server the kubeconfig names, or an exit code (its error said).
std::variant<k8s::ApiTarget, int> cluster(const DeployOptions& options, const char* command) {
  const std::filesystem::path path = k8s::kubeconfig_path(options.kubeconfig);
  std::string text;
  try {
    text = read_text_file(path.string(), kMaxInputBytes);
  } catch (const UserError& error) {
    std::cerr << "mycelium " << command << ": no kubeconfig: " << error.what()
              << " (give one with --kubeconfig or $KUBECONFIG"
              << (std::string_view(command) == "deploy" ? "; --dry-run prints the objects" : "")
              << ")\n";
    return kExitUserError;
  }
  try {
    return k8s::load_kubeconfig(text, path, options.context);
  } catch (const k8s::KubeconfigError& error) {
    std::cerr << "mycelium " << command << ": " << error.what() << '\n';
    return kExitUserError;
  }
}

// An API error: the cluster refused (exit 2: what it said), or could not be reached (exit 1).
int report(const k8s::ApiError& error, const char* command) {
  std::cerr << "mycelium " << command << ": " << error.what() << '\n';
  return error.status() == 0 || error.status() >= 500 ? kExitInternalError : kExitUserError;
}

// Loads the kubeconfig, renders the file for its namespace and runs `act(client, objects)`;
// the exit code of whichever failed, else act's. API errors are reported here.
template <typename Act>
int on_cluster(const DeployOptions& options, const char* command, Act&& act) {
  auto target = cluster(options, command);
  if (const int* code = std::get_if<int>(&target)) return *code;
  const k8s::ApiTarget& api = std::get<k8s::ApiTarget>(target);
  auto rendered = render_file(options, api.namespace_, command);
  if (const int* code = std::get_if<int>(&rendered)) return *code;
  k8s::ApiClient client(api);
  try {
    return act(client, std::get<std::vector<Object>>(rendered));
  } catch (const k8s::ApiError& error) {
    return report(error, command);
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
        for (const Object& object : objects) {
          client.apply(object);
          std::cout << "applied " << label(object) << " (namespace "
                    << object["metadata"]["namespace"].get<std::string>() << ", context "
                    << client.target().context << ")\n";
        }
        if (!options.wait) return kExitOk;
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::seconds(options.timeout_s);
        for (const Object& object : objects) {
          if (!is_workload(object)) continue;
          for (;;) {  // bounded by the deadline
            const std::optional<Object> live = client.get(object);
            const auto [state, complete] =
                live ? rollout(*live) : std::pair{std::string("gone"), false};
            if (complete) {
              std::cout << label(object) << ": rolled out, " << state << '\n';
              break;
            }
            if (std::chrono::steady_clock::now() >= deadline) {
              std::cerr << "mycelium deploy: " << label(object) << " not rolled out after "
                        << options.timeout_s << " s: " << state << '\n';
              return kExitInternalError;
            }
            std::this_thread::sleep_for(kRolloutPoll);
          }
        }
        return kExitOk;
      });
}

int run_delete(const DeployOptions& options) {
  return on_cluster(options, "delete",
                    [](k8s::ApiClient& client, const std::vector<Object>& objects) {
                      // Workloads before what they use: the reverse of the apply order.
                      for (auto object = objects.rbegin(); object != objects.rend(); ++object) {
                        std::cout << (client.remove(*object) ? "deleted " : "not found ")
                                  << label(*object) << '\n';
                      }
                      return kExitOk;
                    });
}

int run_status(const DeployOptions& options) {
  return on_cluster(options, "status",
                    [](k8s::ApiClient& client, const std::vector<Object>& objects) {
                      bool all_there = true;
                      for (const Object& object : objects) {
                        const std::optional<Object> live = client.get(object);
                        all_there = all_there && live.has_value();
                        std::cout << label(object) << ": "
                                  << (!live                 ? "not found"
                                      : is_workload(object) ? rollout(*live).first
                                                            : "present")
                                  << '\n';
                      }
                      return all_there ? kExitOk : kExitUserError;
                    });
}

}  // namespace mycelium::cli
