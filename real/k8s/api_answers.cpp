#include <real/k8s/api_answers.hpp>

namespace mycelium::k8s {

namespace {

// The integer at `path`, 0 when a step is missing or not an object, or the value not an integer.
std::int64_t integer(const Object& object, std::initializer_list<const char*> path) {
  const Object* at = &object;
  for (const char* key : path) {
    if (!at->is_object() || !at->contains(key)) return 0;
    at = &(*at)[key];
  }
  return at->is_number_integer() ? at->get<std::int64_t>() : 0;
}

}  // namespace

Rollout rollout_of(const Object& live) {
  const bool daemon_set = live.is_object() && live.contains("kind") && live["kind"] == "DaemonSet";
  const std::int64_t wanted = daemon_set ? integer(live, {"status", "desiredNumberScheduled"})
                                         : integer(live, {"spec", "replicas"});
  const std::int64_t ready = daemon_set ? integer(live, {"status", "numberReady"})
                                        : integer(live, {"status", "readyReplicas"});
  const std::int64_t updated = daemon_set ? integer(live, {"status", "updatedNumberScheduled"})
                                          : integer(live, {"status", "updatedReplicas"});
  const bool observed =
      integer(live, {"status", "observedGeneration"}) >= integer(live, {"metadata", "generation"});
  return Rollout{std::to_string(ready) + "/" + std::to_string(wanted) + " ready, " +
                     std::to_string(updated) + " updated",
                 observed && ready == wanted && updated == wanted && (!daemon_set || wanted > 0)};
}

std::optional<WatchEvent> parse_watch_line(std::string_view line) {
  const Object event = Object::parse(line.begin(), line.end(), nullptr, false);
  if (event.is_discarded() || !event.is_object() || !event.contains("type") ||
      !event["type"].is_string() || !event.contains("object") || !event["object"].is_object())
    return std::nullopt;
  return WatchEvent{event["type"].get<std::string>(), event["object"]};
}

}  // namespace mycelium::k8s
