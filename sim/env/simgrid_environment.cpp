#include <utility>

#include <core/assert.hpp>
#include <sim/env/event_loop.hpp>
#include <sim/env/simgrid_environment.hpp>

namespace mycelium::sim {

SimgridEnvironment::SimgridEnvironment(EventLoop& loop, NodeId self, std::uint64_t scenario_seed,
                                       const HealthModel& health)
    : loop_(loop),
      health_(health),
      self_(self),
      random_(RandomStream::derive(scenario_seed, self, "node")) {}

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
  const TimerId id{++last_timer_id_};
  if (!crashed_)
    loop_.insert_timer(self_, id, now() + delay, Duration::zero(), std::move(callback));
  return id;
}

TimerId SimgridEnvironment::schedule_periodic(Duration period, TimerCallback callback) {
  MYCELIUM_ASSERT(period > Duration::zero());
  const TimerId id{++last_timer_id_};
  if (!crashed_) loop_.insert_timer(self_, id, now() + period, period, std::move(callback));
  return id;
}

bool SimgridEnvironment::cancel_timer(TimerId timer) {
  if (!timer.valid()) return false;
  return loop_.cancel_timer(self_, timer);
}

void SimgridEnvironment::bind(Port port, MessageHandler handler) {
  if (crashed_) return;  // nothing reaches a crashed node
  handlers_[port] = std::move(handler);
}

void SimgridEnvironment::unbind(Port port) {
  handlers_.erase(port);
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
  const auto it = handlers_.find(message.port);
  if (it == handlers_.end()) {
    metrics_.add_counter("messages_dropped_unbound_total", 1);
    return;
  }
  MessageHandler handler = it->second;  // the handler may rebind or unbind its own port
  handler(message);
}

void SimgridEnvironment::crash() {
  if (crashed_) return;
  crashed_ = true;
  handlers_.clear();
  loop_.drop_node(self_);
}

}  // namespace mycelium::sim
