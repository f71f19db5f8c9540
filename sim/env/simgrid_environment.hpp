#pragma once
// One simulated node's Environment. Small on purpose (a million of them): its ports, its random
// stream, its metrics, an optional guest, and a reference to the simulation's EventLoop, which
// holds its timers and carries its messages. The contract (core/env/environment.hpp) is kept the
// way ManualEnvironment keeps it; docs/architecture.md ("The SimGrid backend") has the details.

#include <cstdint>
#include <map>
#include <memory>

#include <core/env/environment.hpp>
#include <sim/env/health_model.hpp>
#include <sim/env/memory_metrics.hpp>

namespace mycelium::sim {

class EventLoop;

class SimgridEnvironment final : public Environment {
 public:
  // `health` answers check_health (the simulation's model; outlives the node).
  SimgridEnvironment(EventLoop& loop, NodeId self, std::uint64_t scenario_seed,
                     const HealthModel& health);
  SimgridEnvironment(const SimgridEnvironment&) = delete;
  SimgridEnvironment& operator=(const SimgridEnvironment&) = delete;

  // --- Environment ---
  NodeId self() const override { return self_; }
  TimePoint now() const override;
  TimerId schedule_once(Duration delay, TimerCallback callback) override;
  TimerId schedule_periodic(Duration period, TimerCallback callback) override;
  bool cancel_timer(TimerId timer) override;
  void bind(Port port, MessageHandler handler) override;
  void unbind(Port port) override;
  void send(Message message) override;
  RandomStream& random() override { return random_; }
  MetricsSink& metrics() override { return metrics_; }
  VmActuator* vm() override { return vm_.get(); }
  void check_health(HealthCheck check, HealthCallback done) override;

  // --- for the simulation ---
  // Hands an arrived message to the handler bound to its port, or drops and counts it.
  void deliver(const Message& message);
  MemoryMetrics& memory_metrics() { return metrics_; }
  const MemoryMetrics& memory_metrics() const { return metrics_; }
  void attach_vm(std::unique_ptr<VmActuator> vm) { vm_ = std::move(vm); }

  // A crashed node loses its volatile state: its ports are unbound and (in the EventLoop) its
  // timers and messages dropped. While crashed, what it schedules never fires and what it sends
  // is lost. restart() lets it run again, empty: whoever restarts it binds and schedules anew.
  // Its random stream and metrics go on (they describe the run, not the node's memory).
  void crash();
  void restart() { crashed_ = false; }
  bool crashed() const { return crashed_; }

 private:
  EventLoop& loop_;
  const HealthModel& health_;
  NodeId self_;
  RandomStream random_;
  MemoryMetrics metrics_;
  std::unique_ptr<VmActuator> vm_;
  std::map<Port, MessageHandler> handlers_;
  std::uint64_t last_timer_id_ = 0;  // TimerIds are unique for the node's lifetime, never 0
  bool crashed_ = false;
};

}  // namespace mycelium::sim
