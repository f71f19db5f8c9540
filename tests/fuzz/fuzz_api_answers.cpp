// Fuzz target for what the CLI reads from a Kubernetes API server (real/k8s/api_answers.hpp,
// nodes_from_list): any input, as one JSON document and line by line as a watch stream, never
// crashes or throws anything but the RenderError nodes_from_list documents; a rollout is never
// complete with fewer ready replicas than wanted.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <real/k8s/api_answers.hpp>
#include <real/k8s/render_agent_fleet.hpp>

namespace {

void check_rollout(const mycelium::k8s::Object& live) {
  const mycelium::k8s::Rollout rollout = mycelium::k8s::rollout_of(live);
  long long ready = 0;
  long long wanted = 0;
  if (std::sscanf(rollout.state.c_str(), "%lld/%lld ready", &ready, &wanted) != 2) {
    std::fprintf(stderr, "fuzz_api_answers: a rollout state that does not say it: %s\n",
                 rollout.state.c_str());
    std::abort();
  }
  if (rollout.complete && ready != wanted) {
    std::fprintf(stderr, "fuzz_api_answers: complete at %s\n", rollout.state.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mycelium::k8s;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const Object document = Object::parse(text.begin(), text.end(), nullptr, false);
  if (!document.is_discarded()) {
    check_rollout(document);
    try {
      for (const AgentNode& node : nodes_from_list(document)) {
        if (node.name.empty() || node.address.empty()) {
          std::fprintf(stderr, "fuzz_api_answers: a node without a name or an address\n");
          std::abort();
        }
      }
    } catch (const RenderError&) {
    }
  }
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    if (const auto event = parse_watch_line(text.substr(start, end - start))) {
      if (!event->object.is_object()) {
        std::fprintf(stderr, "fuzz_api_answers: an event whose object is not an object\n");
        std::abort();
      }
      check_rollout(event->object);
    }
    start = end + 1;
  }
  return 0;
}
