#pragma once
// A health check of a service instance that runs on this node, performed by the backend: the
// real runtime sends `GET http://127.0.0.1:<port><endpoint>` and calls a 2xx answer within the
// timeout healthy; the simulator answers from the scenario's health model (sim/env/
// health_model.hpp). The core decides when to check and what to do with the answer
// (core/spore: unhealthy instances are marked, not dropped).

#include <cstdint>
#include <functional>
#include <string>

#include <core/env/time.hpp>

namespace mycelium {

struct HealthCheck {
  std::string service;  // which instance: the simulator's model is keyed on these two
  std::string instance_id;
  std::uint16_t port = 0;  // where the endpoint listens on this node
  std::string endpoint;    // an HTTP path, e.g. "/health"
  Duration timeout = std::chrono::seconds(2);
};

// Called exactly once with the outcome, always as a later event (never inside check_health),
// unless the node crashes first.
using HealthCallback = std::function<void(bool healthy)>;

}  // namespace mycelium
