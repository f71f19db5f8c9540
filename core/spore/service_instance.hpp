#pragma once
// One registered instance of a service, as the Service Spore topology replicates it (seed:
// EndomyceteServiceSpore). Single writer: only the member that registered an instance (its
// `owner`) changes its record, each change with a higher `version`, so replicas converge by
// keeping the highest version whatever the order or duplication of the updates they receive.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <core/env/node_id.hpp>

namespace mycelium::spore {

enum class InstanceHealth : std::uint8_t {
  kUnknown = 0,    // registered, not checked yet
  kHealthy = 1,    // its health check passed
  kUnhealthy = 2,  // its health check failed: kept, marked, until deregistered
};

struct ServiceInstanceRecord {
  std::string service;               // e.g. "orders"; 1..253 bytes
  std::string instance_id;           // unique within the service, e.g. "orders-0"; 1..253 bytes
  NodeId owner;                      // the member that registered it and alone updates it
  std::vector<std::uint16_t> ports;  // the seed's discoveryPorts; at most kMaxPorts
  std::string health_endpoint;       // e.g. "/health"; may be empty (no check)
  std::vector<std::pair<std::string, std::string>> labels;  // sorted by key, unique keys
  InstanceHealth health = InstanceHealth::kUnknown;
  std::uint64_t version = 0;  // > 0; the owner increments it on every change
  bool deregistered = false;  // a tombstone: kept for a bounded time so stale copies lose

  bool operator==(const ServiceInstanceRecord&) const = default;
};

inline constexpr std::size_t kMaxPorts = 16;
inline constexpr std::size_t kMaxLabels = 32;
inline constexpr std::size_t kMaxNameBytes = 253;  // service, instance id, label keys
inline constexpr std::size_t kMaxLabelValueBytes = 253;
inline constexpr std::size_t kMaxEndpointBytes = 256;

}  // namespace mycelium::spore
