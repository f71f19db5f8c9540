#pragma once
// The Environment: everything a protocol may use of the world, seen from one node. Protocols in
// core/ are sans-IO state machines; they learn the time, receive messages and timer expiries,
// and act (send, schedule, throttle, record) only through this interface. sim/ implements it on
// SimGrid, real/ on Boost.Asio, tests/support/manual_environment.hpp with a hand-turned clock.
//
// Contract, the same for every backend:
//  * One node's callbacks (timers, message handlers) run one at a time, never concurrently, and
//    never re-entrantly: nothing here calls back into the caller before returning.
//  * now() does not move while a callback runs.
//  * Timers due at the same instant fire in the order they were scheduled. A timer cancelled
//    before it fires (also from inside another callback due at the same instant) never fires.
//  * send() never delivers synchronously, not even to self: delivery is a later event.
//    A message to a port nobody bound is dropped and counted by the backend
//    (counter `messages_dropped_unbound_total`).
//  * random() is this node's stream, derived from the scenario seed and the node id (see
//    RandomStream::derive); same seed, same draws.
//  * vm() is null on a node that protects no guest.

#include <cstdint>
#include <functional>

#include <core/env/message.hpp>
#include <core/env/metrics.hpp>
#include <core/env/node_id.hpp>
#include <core/env/random_stream.hpp>
#include <core/env/time.hpp>
#include <core/env/vm_actuator.hpp>

namespace mycelium {

struct TimerId {
  std::uint64_t value = 0;  // 0 is never a live timer
  constexpr auto operator<=>(const TimerId&) const = default;
};

using TimerCallback = std::function<void()>;

class Environment {
 public:
  virtual ~Environment() = default;

  virtual NodeId self() const = 0;
  virtual TimePoint now() const = 0;

  // Fires once, at now() + delay (delay >= 0).
  virtual TimerId schedule_once(Duration delay, TimerCallback callback) = 0;
  // Fires at now() + k * period for k = 1, 2, ... until cancelled (period > 0).
  virtual TimerId schedule_periodic(Duration period, TimerCallback callback) = 0;
  // True if the timer was pending (it will not fire); false if it already fired or never was.
  virtual bool cancel_timer(TimerId timer) = 0;

  // Messages arriving for `port` go to `handler`; binding a bound port replaces its handler.
  virtual void bind(Port port, MessageHandler handler) = 0;
  virtual void unbind(Port port) = 0;
  // `message.from` is set to self(). Delivery is asynchronous and, for datagram protocols,
  // not guaranteed: the backend models or suffers loss.
  virtual void send(Message message) = 0;

  virtual RandomStream& random() = 0;
  virtual MetricsSink& metrics() = 0;
  virtual VmActuator* vm() = 0;
};

}  // namespace mycelium
