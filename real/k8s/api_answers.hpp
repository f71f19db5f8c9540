#pragma once
// Reading what an API server answers (docs/kubernetes.md): a workload's rollout from its status,
// and one event of a watch stream. Whatever the answer holds (a field missing, of another type,
// a line that is not JSON), these return a state or nothing and never throw: the server is
// trusted for what it says, not for its shape (fuzzed: fuzz_api_answers).

#include <optional>
#include <string>
#include <string_view>

#include <real/k8s/yaml_writer.hpp>

namespace mycelium::k8s {

struct Rollout {
  std::string state;      // "2/3 ready, 3 updated"
  bool complete = false;  // the controller saw the latest spec; every replica updated and ready
};

// A StatefulSet's or Deployment's rollout from spec.replicas and status, a DaemonSet's from
// status.desiredNumberScheduled (complete only when it wants at least one node).
Rollout rollout_of(const Object& live);

struct WatchEvent {
  std::string type;  // ADDED, MODIFIED, DELETED, BOOKMARK, ERROR
  Object object;     // the object (for ERROR, a Status)
};

// One line of a watch stream ({"type": ..., "object": {...}}); nullopt for anything else.
std::optional<WatchEvent> parse_watch_line(std::string_view line);

}  // namespace mycelium::k8s
