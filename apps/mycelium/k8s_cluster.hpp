#pragma once
// What `mycelium deploy | delete | status` and `mycelium agents ...` do with rendered objects on a
// cluster (docs/kubernetes.md): find the API server from the kubeconfig, apply the objects (and
// wait for their rollout), delete them, or report them as the cluster holds them.

#include <string>
#include <variant>
#include <vector>

#include <real/k8s/api_client.hpp>
#include <real/k8s/kubeconfig.hpp>

namespace mycelium::cli {

// The API server the kubeconfig names, or an exit code (its error said on stderr, `command`
// naming who says it; `dry_run_hint`: mention --dry-run when there is no kubeconfig).
std::variant<k8s::ApiTarget, int> load_cluster(const std::string& kubeconfig,
                                               const std::string& context, const char* command,
                                               bool dry_run_hint);

// An API error: the cluster refused (exit 2: what it said), or could not be reached (exit 1).
int report_api_error(const k8s::ApiError& error, const char* command);

// Server-side applies every object in order, says so on stdout, and with `wait` polls every
// StatefulSet, Deployment and DaemonSet until it has rolled out or `timeout_s` has passed (exit
// 1 then). Throws ApiError.
int apply_objects(k8s::ApiClient& client, const std::vector<k8s::Object>& objects, bool wait,
                  unsigned timeout_s, const char* command);
// Deletes them in reverse order (workloads before what they use). Throws ApiError.
int delete_objects(k8s::ApiClient& client, const std::vector<k8s::Object>& objects);
// One line per object: not found, present, or a workload's rollout; exit 2 when one is missing.
int report_objects(k8s::ApiClient& client, const std::vector<k8s::Object>& objects);

}  // namespace mycelium::cli
