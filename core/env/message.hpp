#pragma once
// A message between nodes. The payload is the encoded protocol message; the core encodes and
// decodes it. Bulk data (guest RAM pages) is not carried by the core: `bulk_bytes` says how much
// the backend transfers with the message (the simulator charges it to the network; the real
// backend attaches the pages from guest memory).

#include <cstdint>
#include <functional>
#include <vector>

#include <core/env/node_id.hpp>

namespace mycelium {

// Demultiplexes protocols on a node, like a UDP port: spores on one, replication on another.
// Each protocol owns a constant port; a node binds a handler per port (Environment::bind).
struct Port {
  std::uint16_t value = 0;
  constexpr auto operator<=>(const Port&) const = default;
};

struct Message {
  NodeId from;  // set by Environment::send to the sender's self()
  NodeId to;
  Port port;
  std::vector<std::uint8_t> payload;
  std::uint64_t bulk_bytes = 0;
  // Which of the sender's parallel connections to `to` carries it (the rhizomorph connections
  // of replication; 0 for everything else). The real runtime sends each lane on its own TCP
  // stream; the simulator runs each message as its own flow anyway, and tests drop by lane to
  // break one connection.
  std::uint16_t lane = 0;

  // What the network carries for this message (headers aside).
  std::uint64_t wire_bytes() const { return payload.size() + bulk_bytes; }
};

// Called once per delivered message; the message is only valid during the call.
using MessageHandler = std::function<void(const Message&)>;

}  // namespace mycelium
