#pragma once
// One simulated node's Environment. Small on purpose (a million of them): its ports, its random
// stream, its metrics, an optional guest, and a reference to the simulation's EventLoop, which
// holds its timers and carries its messages. The contract (core/env/environment.hpp) is kept the
// way ManualEnvironment keeps it; docs/architecture.md ("The SimGrid backend") has the details.

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include <core/env/environment.hpp>
#include <sim/env/health_model.hpp>
#include <sim/env/memory_metrics.hpp>

namespace mycelium::sim {

class EventLoop;

class SimgridEnvironment final : public Environment {
 public:
  // `health` answers check_health, `metric_names` holds the names of every node's metrics (both
  // the simulation's; they outlive the node).
  SimgridEnvironment(EventLoop& loop, NodeId self, std::uint64_t scenario_seed,
                     const HealthModel& health, MetricNames& metric_names);
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
  struct Binding {
    Port port;
    MessageHandler handler;  // empty: the slot is free
  };
  // The handler bound to `port`, or null.
  MessageHandler* find_handler(Port port);

  // First what a delivery reads, in the object's first cache line with the first binding: a
  // million nodes do not stay in cache, and a delivery to a random node is a miss per line.
  EventLoop& loop_;
  NodeId self_;
  bool crashed_ = false;
  // Most nodes bind one or two ports: those bindings live here, in the object (a std::map per
  // node cost a tree node per binding, a vector a second cache miss per delivery); more go to
  // more_bindings_. A port is bound at most once across both.
  std::array<Binding, 2> bindings_;
  std::vector<Binding> more_bindings_;
  const HealthModel& health_;
  RandomStream random_;
  MemoryMetrics metrics_;
  std::unique_ptr<VmActuator> vm_;
};

}  // namespace mycelium::sim
