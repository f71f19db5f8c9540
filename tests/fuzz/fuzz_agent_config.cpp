// Fuzz target for myceliumd's config parser (real/agent/agent_config.hpp), as a host named "db-1"
// reads it (so identity: hostname and "{hostname}" are reached). Beyond "no crash": a refused
// config always says why; an accepted one names a valid node that is not among its peers, a
// listen port, a key of 16 bytes or more (or a key file to read it from), and seeds that are all
// among its peers.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <real/agent/agent_config.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mycelium::real;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const AgentConfigLoad load = parse_agent_config(text, "fuzz.yaml", "db-1");
  if (!load.config) {
    if (load.diagnostics.empty()) {
      std::fprintf(stderr, "fuzz_agent_config: refused without a diagnostic\n");
      std::abort();
    }
    return 0;
  }
  const AgentConfig& config = *load.config;
  bool ok = config.node.valid() && config.listen.port != 0 &&
            (config.network_key.size() >= 16 || !config.network_key_file.empty()) &&
            !is_peer(config, config.node);
  for (const mycelium::NodeId seed : config.seeds) {
    ok = ok && std::any_of(config.peers.begin(), config.peers.end(),
                           [seed](const AgentPeer& peer) { return peer.node == seed; });
  }
  if (!ok) {
    std::fprintf(stderr, "fuzz_agent_config: accepted a config that breaks its own rules\n");
    std::abort();
  }
  return 0;
}
