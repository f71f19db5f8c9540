#pragma once
// The Environment: everything a protocol may use of the world, seen from one node. Protocols in
// core/ are sans-IO state machines: they learn the time, receive messages and timer expiries,
// and act (send, schedule, throttle, record) only through this interface. sim/ implements it on
// SimGrid (one Environment per simulated node, up to a million, so implementations keep it small
// and callback driven: no thread or coroutine per node), real/ on Boost.Asio, and
// tests/support/manual_environment.hpp with a hand-turned clock.
//
// The contract, the same for every backend (docs/architecture.md explains it with an example):
//
// Execution
//  * One node's callbacks (timer callbacks, message handlers) run one at a time, to completion,
//    never concurrently: a component needs no lock.
//  * No method here calls back into the caller before returning: schedule_once(0, f) runs f
//    later, not inside the call, and send() never delivers inside the call.
//  * A callback may call any method here, including cancelling its own timer, scheduling new
//    ones, sending, and binding or unbinding ports (its own included).
//
// Time
//  * now() is the time since the environment's epoch (simulation start, process start) and never
//    decreases. It does not move while a callback runs; a timer callback sees now() equal to its
//    deadline in simulation (in the real runtime, the deadline or slightly later).
//
// Timers
//  * Timers fire in order of deadline; timers with the same deadline fire in the order they were
//    scheduled. A periodic timer counts as scheduled again when it fires, just before its
//    callback runs (so its next firing comes after timers already due at that next instant and
//    before those its callback schedules for it).
//  * A timer cancelled before it fires never fires, also when the cancellation comes from another
//    callback due at the same instant, or from the periodic timer's own callback.
//  * TimerIds are unique per node for the node's lifetime and never 0.
//
// Messages
//  * Ports demultiplex protocols on a node, like UDP ports. send() fills in `from` = self().
//  * Delivery is always a later event, even to self. It is at most once and not ordered: the
//    backend may lose messages (modelled faults, crashed or partitioned peers, real networks) and
//    messages may overtake each other. Protocols that need more build it (sequence numbers,
//    acknowledgements, retries).
//  * A message that arrives at a port nobody bound is dropped by the receiving backend and
//    counted in the receiver's metrics as `messages_dropped_unbound_total`.
//  * `bulk_bytes` is data the backend transfers with the message (guest pages) but the core
//    never holds; the simulator charges payload + bulk bytes to the network.
//
// Randomness, metrics, guest
//  * random() is this node's stream, RandomStream::derive(scenario_seed, self(), "node"); same
//    scenario seed, same draws. Components that want draws independent of other components
//    derive their own stream with their own purpose.
//  * metrics() takes names with units in them (see metrics.hpp); the backend adds the node.
//  * vm() is null on a node that protects no guest; otherwise it lives as long as the node.
//
// Health checks
//  * check_health() checks a service instance on this node (health_check.hpp) and answers
//    through the callback: exactly once, as a later event, unless the node crashes first.

#include <cstdint>
#include <functional>
#include <vector>

#include <core/env/health_check.hpp>
#include <core/env/message.hpp>
#include <core/env/metrics.hpp>
#include <core/env/node_id.hpp>
#include <core/env/random_stream.hpp>
#include <core/env/time.hpp>
#include <core/env/vm_actuator.hpp>

namespace mycelium {

struct TimerId {
  std::uint64_t value = 0;  // 0 is never a live timer: a default TimerId cancels nothing
  constexpr bool valid() const { return value != 0; }
  constexpr auto operator<=>(const TimerId&) const = default;
};

using TimerCallback = std::function<void()>;

class Environment {
 public:
  virtual ~Environment() = default;

  virtual NodeId self() const = 0;
  virtual TimePoint now() const = 0;

  // Fires once, at now() + delay (delay >= 0; 0 means "as a later event at this instant").
  virtual TimerId schedule_once(Duration delay, TimerCallback callback) = 0;
  // Fires at now() + k * period for k = 1, 2, ... until cancelled (period > 0). The schedule does
  // not drift: a callback that runs late in the real runtime does not shift the next deadlines.
  virtual TimerId schedule_periodic(Duration period, TimerCallback callback) = 0;
  // True if the timer was pending (it will now never fire); false if it already fired (one-shot),
  // was already cancelled, or never existed.
  virtual bool cancel_timer(TimerId timer) = 0;

  // Messages arriving for `port` go to `handler`; binding a bound port replaces its handler.
  virtual void bind(Port port, MessageHandler handler) = 0;
  // Later arrivals for `port` are dropped and counted; unbinding an unbound port does nothing.
  virtual void unbind(Port port) = 0;
  // Queues `message` for delivery to `message.to` after `from` is set to self(). Never delivers
  // synchronously; see the contract above for loss and ordering.
  virtual void send(Message message) = 0;

  virtual RandomStream& random() = 0;
  virtual MetricsSink& metrics() = 0;
  virtual VmActuator* vm() = 0;
  virtual void check_health(HealthCheck check, HealthCallback done) = 0;
};

// Sends `payload` to `to`'s `port` (no bulk, lane 0): what most protocols send.
inline void send_payload(Environment& env, NodeId to, Port port,
                         std::vector<std::uint8_t> payload) {
  Message message;
  message.to = to;
  message.port = port;
  message.payload = std::move(payload);
  env.send(std::move(message));
}

}  // namespace mycelium
