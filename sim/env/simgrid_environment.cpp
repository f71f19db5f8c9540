#include <utility>

#include <core/assert.hpp>
#include <sim/env/event_loop.hpp>
#include <sim/env/simgrid_environment.hpp>

namespace mycelium::sim {

SimgridEnvironment::SimgridEnvironment(EventLoop& loop, NodeId self, std::uint64_t scenario_seed,
                                       const HealthModel& health, MetricNames& metric_names)
    : loop_(loop),
      self_(self),
      health_(health),
      random_(RandomStream::derive(scenario_seed, self, "node")),
      metrics_(metric_names) {}

void SimgridEnvironment::check_health(HealthCheck check, HealthCallback done) {
  MYCELIUM_ASSERT(done != nullptr);
  // A timer: a crashed node's check never answers, as the contract says.
  schedule_once(kHealthCheckDelay, [this, check = std::move(check), done = std::move(done)] {
    done(health_.healthy(self_, check.service, check.instance_id, now()));
  });
}

TimePoint SimgridEnvironment::now() const {
  return loop_.now();
}

TimerId SimgridEnvironment::schedule_once(Duration delay, TimerCallback callback) {
  MYCELIUM_ASSERT(delay >= Duration::zero());
  // TimerIds come from the simulation's timer queue: unique for the node's lifetime (for the
  // whole simulation, in fact), never 0.
  if (crashed_) return loop_.unused_timer_id(self_);
  return loop_.insert_timer(self_, now() + delay, Duration::zero(), std::move(callback));
}

TimerId SimgridEnvironment::schedule_periodic(Duration period, TimerCallback callback) {
  MYCELIUM_ASSERT(period > Duration::zero());
  if (crashed_) return loop_.unused_timer_id(self_);
  return loop_.insert_timer(self_, now() + period, period, std::move(callback));
}

bool SimgridEnvironment::cancel_timer(TimerId timer) {
  if (!timer.valid()) return false;
  return loop_.cancel_timer(self_, timer);
}

MessageHandler* SimgridEnvironment::find_handler(Port port) {
  for (Binding& binding : bindings_) {
    if (binding.handler && binding.port == port) return &binding.handler;
  }
  for (Binding& binding : more_bindings_) {
    if (binding.port == port) return &binding.handler;
  }
  return nullptr;
}

void SimgridEnvironment::bind(Port port, MessageHandler handler) {
  MYCELIUM_ASSERT(handler != nullptr);  // an empty handler marks a free slot
  if (crashed_) return;                 // nothing reaches a crashed node
  if (MessageHandler* bound = find_handler(port)) {
    *bound = std::move(handler);
    return;
  }
  for (Binding& binding : bindings_) {
    if (!binding.handler) {
      binding = Binding{port, std::move(handler)};
      return;
    }
  }
  more_bindings_.push_back(Binding{port, std::move(handler)});
}

void SimgridEnvironment::unbind(Port port) {
  for (Binding& binding : bindings_) {
    if (binding.handler && binding.port == port) binding.handler = nullptr;
  }
  std::erase_if(more_bindings_, [port](const Binding& binding) { return binding.port == port; });
}

void SimgridEnvironment::send(Message message) {
  MYCELIUM_ASSERT(message.to.valid());
  message.from = self_;
  if (crashed_) {
    metrics_.add_counter("messages_lost_total", 1);
    return;
  }
  loop_.send(std::move(message));
}

void SimgridEnvironment::deliver(const Message& message) {
  MYCELIUM_ASSERT(message.to == self_);
  const MessageHandler* bound = find_handler(message.port);
  if (bound == nullptr) {
    metrics_.add_counter("messages_dropped_unbound_total", 1);
    return;
  }
  // A copy: the handler may rebind or unbind its own port, or bind others (which may move
  // more_bindings_). Protocol handlers capture a pointer or two, which std::function keeps
  // inline: the copy allocates nothing.
  const MessageHandler handler = *bound;
  handler(message);
}

void SimgridEnvironment::crash() {
  if (crashed_) return;
  crashed_ = true;
  for (Binding& binding : bindings_)
    binding.handler = nullptr;
  more_bindings_.clear();
  loop_.drop_node(self_);
}

}  // namespace mycelium::sim
