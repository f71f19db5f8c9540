#pragma once
// Attributes a Spore member's suspicions and death declarations to their targets, to tell false
// positives (about members that were alive) from true ones, without touching core/.
//
// The membership counts `spore_probes_failed_total` just before it suspects the member its probe
// failed on, and `spore_members_declared_dead_total` just before it declares a suspect dead; the
// counters do not say about whom. ObservedEnvironment sits between the member and its
// SimgridEnvironment, forwards everything (counters to the run's totals, SporeTruth), and when
// one of these counters moves looks up, in the
// member's own view, the few members that are really gone (crashed or left): a suspicion or a
// death that concerns none of them concerns a member that was alive. Lookups are O(gone members),
// so observing costs nothing measurable.

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include <core/env/environment.hpp>
#include <core/spore/spore_node.hpp>
#include <sim/env/memory_metrics.hpp>

namespace mycelium::sim {

// What the observers of one simulation partition tell the run (Simulation::partition_of): each
// partition's members write only their own tally, so partitions running side by side on their
// own threads share nothing; the run adds the tallies up. Cache-line aligned: neighbours in the
// deque are written by different threads.
struct alignas(64) SporeTally {
  std::optional<TimePoint> crash_first_suspected;  // first member to suspect the crash target
  std::uint64_t false_suspicions = 0;  // raised by a prober about a member that was alive
  std::uint64_t false_deaths = 0;      // declared (suspicion timeout) about a live member
  // Datagrams the members sent, and their bytes: counted as they leave, so the runner reads a
  // few numbers per sample instead of two counters per member.
  std::uint64_t messages_sent = 0;
  std::uint64_t bytes_sent = 0;
  // The members' counters, summed: the run reads no member's own, and at a million members a
  // counter bump in the member's cold metrics cost two cache misses per datagram, 7 % of the
  // run (perf, bench_spore_scale at 100 000).
  MetricNames counter_names;
  MemoryMetrics counter_totals{counter_names};
};

// What the run tells the observers (written between the simulation's windows only), and their
// tallies, one per partition.
struct SporeTruth {
  std::vector<NodeId> gone;  // crashed or left, in the order it happened
  NodeId crash_target;       // the scenario's crash (not churn)
  std::deque<SporeTally> tallies;

  std::optional<TimePoint> crash_first_suspected() const;
  std::uint64_t false_suspicions() const;
  std::uint64_t false_deaths() const;
  std::uint64_t messages_sent() const;
  std::uint64_t bytes_sent() const;
};

class ObservedEnvironment final : public Environment, private MetricsSink {
 public:
  // `tally`: one of truth.tallies, the one of this member's partition.
  ObservedEnvironment(Environment& inner, const SporeTruth& truth, SporeTally& tally)
      : inner_(inner), truth_(truth), tally_(tally) {}
  // The member whose view attributes the counters; set once it exists.
  void observe(const spore::SporeNode* node) { node_ = node; }
  // A CPU-starved member: from now on it handles each datagram, and each one-shot timer
  // (probe timeouts, suspicion timeouts), `delay` late. Set before the member binds its port.
  void set_processing_delay(Duration delay) { processing_delay_ = delay; }

  NodeId self() const override { return inner_.self(); }
  TimePoint now() const override { return inner_.now(); }
  TimerId schedule_once(Duration delay, TimerCallback callback) override {
    return inner_.schedule_once(delay + processing_delay_, std::move(callback));
  }
  TimerId schedule_periodic(Duration period, TimerCallback callback) override {
    return inner_.schedule_periodic(period, std::move(callback));
  }
  bool cancel_timer(TimerId timer) override { return inner_.cancel_timer(timer); }
  void bind(Port port, MessageHandler handler) override {
    if (processing_delay_ == Duration::zero()) {
      inner_.bind(port, std::move(handler));
      return;
    }
    // Handled late, through a timer of the member's own: dropped with it if it crashes.
    inner_.bind(port, [this, handler = std::move(handler)](const Message& message) {
      inner_.schedule_once(processing_delay_, [handler, message] { handler(message); });
    });
  }
  void unbind(Port port) override { inner_.unbind(port); }
  void send(Message message) override {
    ++tally_.messages_sent;
    tally_.bytes_sent += message.payload.size();
    inner_.send(std::move(message));
  }
  RandomStream& random() override { return inner_.random(); }
  MetricsSink& metrics() override { return *this; }
  VmActuator* vm() override { return inner_.vm(); }
  void check_health(HealthCheck check, HealthCallback done) override {
    inner_.check_health(std::move(check), std::move(done));
  }

 private:
  void add_counter(std::string_view name, std::int64_t delta) override;
  void set_gauge(std::string_view name, double value) override {
    inner_.metrics().set_gauge(name, value);
  }
  void record(std::string_view series, TimePoint at, double value) override {
    inner_.metrics().record(series, at, value);
  }

  // Gone members this member's view holds in `state`.
  std::vector<NodeId> gone_in_state(spore::MemberState state) const;
  void judge_suspicion();
  void judge_deaths();

  Environment& inner_;
  const SporeTruth& truth_;
  SporeTally& tally_;
  const spore::SporeNode* node_ = nullptr;
  Duration processing_delay_{};
  // A probe failed: the next suspicion is the prober's own, about its target. These gone members
  // were alive in our view just before.
  std::optional<std::vector<NodeId>> probe_failed_candidates_;
  // Deaths declared at this instant, judged once the declarations are complete.
  struct PendingDeath {
    std::vector<NodeId> candidates;  // gone members suspect in our view before the declaration
  };
  std::vector<PendingDeath> pending_deaths_;
};

}  // namespace mycelium::sim
