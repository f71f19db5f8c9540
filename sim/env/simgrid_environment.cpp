#include <algorithm>
#include <utility>

#include <core/assert.hpp>
#include <sim/env/event_loop.hpp>
#include <sim/env/simgrid_environment.hpp>

namespace mycelium::sim {

namespace {

// The binding of `port` in handlers sorted by port, or where it would go.
template <typename Handlers>
auto find_binding(Handlers& handlers, Port port) {
  return std::lower_bound(handlers.begin(), handlers.end(), port,
                          [](const auto& binding, Port wanted) { return binding.first < wanted; });
}

}  // namespace

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
  if (crashed_) return loop_.unused_timer_id();
  return loop_.insert_timer(self_, now() + delay, Duration::zero(), std::move(callback));
}

TimerId SimgridEnvironment::schedule_periodic(Duration period, TimerCallback callback) {
  MYCELIUM_ASSERT(period > Duration::zero());
  if (crashed_) return loop_.unused_timer_id();
  return loop_.insert_timer(self_, now() + period, period, std::move(callback));
}

bool SimgridEnvironment::cancel_timer(TimerId timer) {
  if (!timer.valid()) return false;
  return loop_.cancel_timer(self_, timer);
}

void SimgridEnvironment::bind(Port port, MessageHandler handler) {
  if (crashed_) return;  // nothing reaches a crashed node
  const auto it = find_binding(handlers_, port);
  if (it != handlers_.end() && it->first == port) {
    it->second = std::move(handler);
  } else {
    handlers_.emplace(it, port, std::move(handler));
  }
}

void SimgridEnvironment::unbind(Port port) {
  const auto it = find_binding(handlers_, port);
  if (it != handlers_.end() && it->first == port) handlers_.erase(it);
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
  const auto it = find_binding(handlers_, message.port);
  if (it == handlers_.end() || it->first != message.port) {
    metrics_.add_counter("messages_dropped_unbound_total", 1);
    return;
  }
  // A copy: the handler may rebind or unbind its own port, or bind another (which may move the
  // vector's handlers). Protocol handlers capture a pointer or two, which std::function keeps
  // inline: the copy allocates nothing.
  MessageHandler handler = it->second;
  handler(message);
}

void SimgridEnvironment::crash() {
  if (crashed_) return;
  crashed_ = true;
  handlers_.clear();
  loop_.drop_node(self_);
}

}  // namespace mycelium::sim
