#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include <apps/mycelium/commands.hpp>
#include <apps/mycelium/file_io.hpp>
#include <apps/mycelium/k8s_cluster.hpp>
#include <real/k8s/api_answers.hpp>

namespace mycelium::cli {

namespace {

using k8s::Object;

// One watch at most this long: the API server ends longer ones itself (its own limit).
constexpr std::chrono::seconds kMaxWatch{300};
constexpr auto kRetryPause = std::chrono::seconds(1);
// Watches the server ends at once (a very short watch limit, a proxy cutting streams) are
// started again after a pause that doubles up to this, not back to back: measured against a
// loopback server that ends every watch after its first event, 561 gets and watches in 6 s
// without it.
constexpr auto kMaxRetryPause = std::chrono::seconds(8);

std::string label(const Object& object) {
  return object["kind"].get<std::string>() + "/" + object["metadata"]["name"].get<std::string>();
}

bool is_workload(const Object& object) {
  return object["kind"] == "StatefulSet" || object["kind"] == "Deployment" ||
         object["kind"] == "DaemonSet";
}

}  // namespace

std::variant<k8s::ApiTarget, int> load_cluster(const std::string& kubeconfig,
                                               const std::string& context, const char* command,
                                               bool dry_run_hint) {
  const std::filesystem::path path = k8s::kubeconfig_path(kubeconfig);
  std::string text;
  try {
    text = read_text_file(path.string(), kMaxInputBytes);
  } catch (const UserError& error) {
    std::cerr << "mycelium " << command << ": no kubeconfig: " << error.what()
              << " (give one with --kubeconfig or $KUBECONFIG"
              << (dry_run_hint ? "; --dry-run prints the objects" : "") << ")\n";
    return kExitUserError;
  }
  try {
    return k8s::load_kubeconfig(text, path, context);
  } catch (const k8s::KubeconfigError& error) {
    std::cerr << "mycelium " << command << ": " << error.what() << '\n';
    return kExitUserError;
  }
}

int report_api_error(const k8s::ApiError& error, const char* command) {
  std::cerr << "mycelium " << command << ": " << error.what() << '\n';
  return error.status() == 0 || error.status() >= 500 ? kExitInternalError : kExitUserError;
}

int apply_objects(k8s::ApiClient& client, const std::vector<Object>& objects, bool wait,
                  unsigned timeout_s, const char* command) {
  for (const Object& object : objects) {
    client.apply(object);
    std::cout << "applied " << label(object);
    if (object["metadata"].contains("namespace"))
      std::cout << " (namespace " << object["metadata"]["namespace"].get<std::string>();
    else
      std::cout << " (cluster-wide";
    std::cout << ", context " << client.target().context << ")\n";
  }
  if (!wait) return kExitOk;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  for (const Object& object : objects) {
    if (!is_workload(object)) continue;
    // Get it, and unless it has rolled out already watch it from that version until it has; a
    // watch the server ends early (its own limit, a version too old) is started again from a
    // fresh get. Bounded by the deadline: each round waits at most what is left of it.
    std::string state = "not seen yet";
    std::chrono::steady_clock::duration pause = kRetryPause;
    for (;;) {
      const std::optional<Object> live = client.get(object);
      bool complete = false;
      if (live) {
        const k8s::Rollout now_state = k8s::rollout_of(*live);
        state = now_state.state;
        complete = now_state.complete;
      }
      const auto now = std::chrono::steady_clock::now();
      if (!complete && now >= deadline) {
        std::cerr << "mycelium " << command << ": " << label(object) << " not rolled out after "
                  << timeout_s << " s: " << state << '\n';
        return kExitInternalError;
      }
      const auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline - now);
      if (!complete && live && left.count() >= 1) {
        const std::string version = (*live)["metadata"].value("resourceVersion", "");
        const auto watch_started = std::chrono::steady_clock::now();
        complete = client.watch(object, version, std::min<std::chrono::seconds>(left, kMaxWatch),
                                [&state](const std::string& type, const Object& event_object) {
                                  if (type == "DELETED") {
                                    state = "deleted";
                                    return false;
                                  }
                                  const k8s::Rollout seen = k8s::rollout_of(event_object);
                                  state = seen.state;
                                  return seen.complete;
                                });
        const auto watched = std::chrono::steady_clock::now();
        if (!complete && watched - watch_started < kRetryPause && watched < deadline) {
          std::this_thread::sleep_for(std::min(pause, deadline - watched));
          pause = std::min<std::chrono::steady_clock::duration>(2 * pause, kMaxRetryPause);
        } else {
          pause = kRetryPause;  // a watch that held: the server is well
        }
      } else if (!complete) {
        // Not there yet (no watch to hold), or less than a second left: look again shortly.
        std::this_thread::sleep_for(
            std::min<std::chrono::steady_clock::duration>(kRetryPause, deadline - now));
      }
      if (complete) {
        std::cout << label(object) << ": rolled out, " << state << '\n';
        break;
      }
    }
  }
  return kExitOk;
}

int delete_objects(k8s::ApiClient& client, const std::vector<Object>& objects) {
  for (auto object = objects.rbegin(); object != objects.rend(); ++object)
    std::cout << (client.remove(*object) ? "deleted " : "not found ") << label(*object) << '\n';
  return kExitOk;
}

int report_objects(k8s::ApiClient& client, const std::vector<Object>& objects) {
  bool all_there = true;
  for (const Object& object : objects) {
    const std::optional<Object> live = client.get(object);
    all_there = all_there && live.has_value();
    std::cout << label(object) << ": "
              << (!live                 ? "not found"
                  : is_workload(object) ? k8s::rollout_of(*live).state
                                        : "present")
              << '\n';
  }
  return all_there ? kExitOk : kExitUserError;
}

}  // namespace mycelium::cli
