#pragma once
// Header-only Environment for unit tests: a clock turned by hand, an outbox instead of a network,
// metrics kept in maps for assertions, and a fake guest. ManualNetwork wires several of them
// together with a fixed one-way latency, for protocol tests across nodes. Both keep the contract
// of core/env/environment.hpp, and assert it where a component under test could break it.
//
//   ManualEnvironment env(NodeId{1});
//   Heartbeat heartbeat(env, NodeId{2}, 100ms);  // a core component under test
//   env.advance(1s);                              // fires the timers due on the way
//   CHECK(env.outbox().size() == 10);             // what it sent, not delivered anywhere

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <core/assert.hpp>
#include <core/env/environment.hpp>

namespace mycelium::testing {

// Keeps everything reported, in ordered maps so failures print and compare deterministically.
class RecordingMetrics : public MetricsSink {
 public:
  void add_counter(std::string_view name, std::int64_t delta) override {
    MYCELIUM_ASSERT(delta >= 0);  // counters only grow
    MYCELIUM_ASSERT(!gauges.contains(std::string(name)));
    counters[std::string(name)] += delta;
  }
  void set_gauge(std::string_view name, double value) override {
    MYCELIUM_ASSERT(!counters.contains(std::string(name)));
    gauges[std::string(name)] = value;
  }
  void record(std::string_view name, TimePoint at, double value) override {
    auto& samples = series[std::string(name)];
    MYCELIUM_ASSERT(samples.empty() || samples.back().first <= at);
    samples.emplace_back(at, value);
  }

  // 0 for a counter never touched, as in every backend.
  std::int64_t counter(const std::string& name) const {
    const auto it = counters.find(name);
    return it == counters.end() ? 0 : it->second;
  }
  std::optional<double> gauge(const std::string& name) const {
    const auto it = gauges.find(name);
    return it == gauges.end() ? std::nullopt : std::optional(it->second);
  }

  std::map<std::string, std::int64_t> counters;
  std::map<std::string, double> gauges;
  std::map<std::string, std::vector<std::pair<TimePoint, double>>> series;
};

// A guest whose dirty pages the test sets; it remembers what the protocol did to it.
class FakeVm : public VmActuator {
 public:
  explicit FakeVm(std::uint64_t memory_bytes = 1ULL << 30, std::uint64_t page_size_bytes = 4096)
      : memory_bytes_(memory_bytes), page_size_bytes_(page_size_bytes) {
    MYCELIUM_ASSERT(page_size_bytes_ > 0);
    MYCELIUM_ASSERT(memory_bytes_ % page_size_bytes_ == 0);
  }

  void set_throttle_intensity(double intensity) override {
    MYCELIUM_ASSERT(intensity >= 0.0 && intensity <= 1.0);
    intensity_ = intensity;
    ++throttle_changes;
  }
  double throttle_intensity() const override { return intensity_; }
  void pause() override {
    if (!paused_) ++pauses;
    paused_ = true;
  }
  void resume() override { paused_ = false; }
  bool is_paused() const override { return paused_; }
  DirtyPages read_dirty_pages() override {
    DirtyPages pages{page_size_bytes_, std::exchange(dirty_, {}), read_cost};
    std::sort(pages.pages.begin(), pages.pages.end());
    pages.pages.erase(std::unique(pages.pages.begin(), pages.pages.end()), pages.pages.end());
    return pages;
  }
  std::uint64_t memory_bytes() const override { return memory_bytes_; }

  // What each read reports it cost (a real host's scan time; zero by default, as in simulation).
  Duration read_cost{};

  // The guest writes `page` (an index below memory_bytes / page_size_bytes); repeats are fine.
  void dirty(std::uint64_t page) {
    MYCELIUM_ASSERT(page < memory_bytes_ / page_size_bytes_);
    dirty_.push_back(page);
  }
  // Replaces the set the next read_dirty_pages() reports.
  void set_dirty_pages(std::vector<std::uint64_t> pages) {
    dirty_.clear();
    for (std::uint64_t page : pages)
      dirty(page);
  }

  void capture_epoch(std::uint64_t epoch, std::span<const std::uint64_t> pages) override {
    MYCELIUM_ASSERT(!captured.contains(epoch));  // once per epoch
    captured.emplace(epoch, std::vector<std::uint64_t>(pages.begin(), pages.end()));
  }
  void release_epoch(std::uint64_t epoch) override {
    MYCELIUM_ASSERT(captured.contains(epoch) && !released.contains(epoch));
    released.insert(epoch);
  }

  int throttle_changes = 0;  // calls to set_throttle_intensity
  int pauses = 0;            // transitions from running to paused
  std::map<std::uint64_t, std::vector<std::uint64_t>> captured;  // capture_epoch, by epoch
  std::set<std::uint64_t> released;                              // release_epoch

 private:
  std::uint64_t memory_bytes_;
  std::uint64_t page_size_bytes_;
  double intensity_ = 0.0;
  bool paused_ = false;
  std::vector<std::uint64_t> dirty_;
};

class ManualEnvironment : public Environment {
 public:
  // Bounds every run loop: a test that schedules timers forever fails instead of hanging.
  static constexpr std::size_t kMaxEventsPerAdvance = 10'000'000;

  explicit ManualEnvironment(NodeId self, std::uint64_t scenario_seed = 1)
      : self_(self), random_(RandomStream::derive(scenario_seed, self, "node")) {}

  // --- Environment ---
  NodeId self() const override { return self_; }
  TimePoint now() const override { return now_; }

  TimerId schedule_once(Duration delay, TimerCallback callback) override {
    MYCELIUM_ASSERT(delay >= Duration::zero());
    return insert(now_ + delay, Duration::zero(), std::move(callback), TimerId{++last_timer_id_});
  }
  TimerId schedule_periodic(Duration period, TimerCallback callback) override {
    MYCELIUM_ASSERT(period > Duration::zero());
    return insert(now_ + period, period, std::move(callback), TimerId{++last_timer_id_});
  }
  bool cancel_timer(TimerId timer) override {
    const auto it = key_by_id_.find(timer.value);
    if (it == key_by_id_.end()) return false;
    queue_.erase(it->second);
    key_by_id_.erase(it);
    return true;
  }

  void bind(Port port, MessageHandler handler) override { handlers_[port] = std::move(handler); }
  void unbind(Port port) override { handlers_.erase(port); }
  void send(Message message) override {
    MYCELIUM_ASSERT(message.to.valid());
    message.from = self_;
    outbox_.push_back(std::move(message));
  }

  RandomStream& random() override { return random_; }
  MetricsSink& metrics() override { return metrics_; }
  VmActuator* vm() override { return vm_ ? &*vm_ : nullptr; }

  // Answers after health_check_delay, from what set_instance_health said (healthy by default).
  void check_health(HealthCheck check, HealthCallback done) override {
    MYCELIUM_ASSERT(done != nullptr);
    ++health_checks_;
    schedule_once(health_check_delay, [this, check = std::move(check), done = std::move(done)] {
      const auto it = instance_health_.find({check.service, check.instance_id});
      done(it == instance_health_.end() || it->second);
    });
  }

  // --- test controls ---
  // What later health checks of the instance answer.
  void set_instance_health(const std::string& service, const std::string& instance_id,
                           bool healthy) {
    instance_health_[{service, instance_id}] = healthy;
  }
  std::size_t health_checks() const { return health_checks_; }
  Duration health_check_delay = std::chrono::milliseconds(1);

  // Moves the clock forward by `by`, firing every timer due on the way at its own deadline.
  void advance(Duration by) {
    MYCELIUM_ASSERT(by >= Duration::zero());
    advance_to(now_ + by);
  }
  void advance_to(TimePoint until) {
    MYCELIUM_ASSERT(until >= now_);
    for (std::size_t fired = 0; fire_next_due(until); ++fired) {
      MYCELIUM_ASSERT(fired < kMaxEventsPerAdvance);
    }
    now_ = until;
  }
  // Fires timers in order, however far in the future, until none is pending, and returns how
  // many fired; the clock stops at the last deadline. More than `max_events` is a failure (a
  // periodic timer never lets a node go idle).
  std::size_t run_until_idle(std::size_t max_events = kMaxEventsPerAdvance) {
    std::size_t fired = 0;
    while (fire_next_due(TimePoint::max())) {
      ++fired;
      MYCELIUM_ASSERT(fired <= max_events);
    }
    return fired;
  }
  // Fires the earliest timer if it is due at or before `until`, moving the clock to it.
  bool fire_next_due(TimePoint until) {
    if (queue_.empty() || queue_.begin()->first.first > until) return false;
    auto node = queue_.extract(queue_.begin());
    Timer& timer = node.mapped();
    key_by_id_.erase(timer.id.value);
    MYCELIUM_ASSERT(node.key().first >= now_);
    now_ = node.key().first;
    TimerCallback callback = std::move(timer.callback);
    // Re-arm a periodic timer before its callback runs, so the callback can cancel it and its
    // next firing counts as scheduled now (the contract's tie-break). The deadline is computed
    // from the previous one, so it never drifts.
    if (timer.period > Duration::zero()) {
      insert(now_ + timer.period, timer.period, callback, timer.id);
    }
    callback();  // our own copy: the callback may cancel (destroy) the re-armed one
    return true;
  }
  std::optional<TimePoint> next_deadline() const {
    if (queue_.empty()) return std::nullopt;
    return queue_.begin()->first.first;
  }
  std::size_t pending_timers() const { return queue_.size(); }
  // Only for a shared clock (ManualNetwork); never moves time backwards.
  void set_now(TimePoint at) {
    MYCELIUM_ASSERT(at >= now_);
    now_ = at;
  }

  // Hands a message to the handler bound to its port; unbound ports drop and count it.
  bool deliver(const Message& message) {
    const auto it = handlers_.find(message.port);
    if (it == handlers_.end()) {
      metrics_.add_counter("messages_dropped_unbound_total", 1);
      return false;
    }
    MessageHandler handler = it->second;  // the handler may rebind its own port
    handler(message);
    return true;
  }

  const std::vector<Message>& outbox() const { return outbox_; }
  std::vector<Message> take_outbox() { return std::exchange(outbox_, {}); }

  RecordingMetrics& recorded_metrics() { return metrics_; }
  // Gives this node a guest; vm() is null until then.
  FakeVm& attach_vm(std::uint64_t memory_bytes = 1ULL << 30, std::uint64_t page_size_bytes = 4096) {
    vm_.emplace(memory_bytes, page_size_bytes);
    return *vm_;
  }

 private:
  std::map<std::pair<std::string, std::string>, bool> instance_health_;
  std::size_t health_checks_ = 0;
  struct Timer {
    TimerId id;
    Duration period;  // zero for one-shot
    TimerCallback callback;
  };
  // Ordered by deadline, then by the order of scheduling.
  using Key = std::pair<TimePoint, std::uint64_t>;

  TimerId insert(TimePoint deadline, Duration period, TimerCallback callback, TimerId id) {
    const Key key{deadline, ++last_sequence_};
    queue_.emplace(key, Timer{id, period, std::move(callback)});
    key_by_id_[id.value] = key;
    return id;
  }

  NodeId self_;
  TimePoint now_{};
  RandomStream random_;
  RecordingMetrics metrics_;
  std::optional<FakeVm> vm_;
  std::map<Key, Timer> queue_;
  std::map<std::uint64_t, Key> key_by_id_;
  std::uint64_t last_timer_id_ = 0;
  std::uint64_t last_sequence_ = 0;
  std::map<Port, MessageHandler> handlers_;
  std::vector<Message> outbox_;
};

// Several ManualEnvironments on one clock, joined by a network with a fixed one-way latency and
// no loss: a message sent at t is delivered at t + latency. Node i has NodeId{i}. Drive time only
// through the network (never advance a member node directly), so all clocks stay together.
//
// Events run in time order. At one instant, messages are delivered before timers fire; messages
// in the order they were sent, timers by node index, then in each node's own timer order. The
// same test therefore runs the same way every time.
class ManualNetwork {
 public:
  ManualNetwork(std::size_t node_count, Duration one_way_latency, std::uint64_t scenario_seed = 1)
      : latency_(one_way_latency) {
    MYCELIUM_ASSERT(latency_ >= Duration::zero());
    MYCELIUM_ASSERT(node_count < NodeId::kInvalidValue);
    nodes_.reserve(node_count);
    for (std::size_t i = 0; i < node_count; ++i) {
      nodes_.emplace_back(NodeId{static_cast<std::uint32_t>(i)}, scenario_seed);
    }
  }

  ManualEnvironment& node(std::size_t index) { return nodes_.at(index); }
  std::size_t size() const { return nodes_.size(); }
  TimePoint now() const { return now_; }
  Duration one_way_latency() const { return latency_; }
  // Messages sent from now on take `one_way_latency` (a route that changed); those in flight
  // keep theirs.
  void set_one_way_latency(Duration one_way_latency) {
    MYCELIUM_ASSERT(one_way_latency >= Duration::zero());
    latency_ = one_way_latency;
  }
  std::size_t in_flight() const { return in_flight_.size(); }
  std::uint64_t delivered() const { return delivered_; }
  std::uint64_t dropped() const { return dropped_; }

  // Loses the messages already in flight for which `filter` returns true (a connection that
  // breaks takes what it carried with it); returns how many.
  std::size_t drop_in_flight(const std::function<bool(const Message&)>& filter) {
    collect_outboxes();
    const std::size_t dropped =
        std::erase_if(in_flight_, [&filter](const auto& entry) { return filter(entry.second); });
    dropped_ += dropped;
    return dropped;
  }
  // Messages for which `filter` returns true are lost in the network (counted in dropped()).
  void set_drop_filter(std::function<bool(const Message&)> filter) { drop_ = std::move(filter); }
  // Every node's uplink carries this many bytes per second (payload + bulk): messages with bulk
  // bytes leave one after another, each taking wire_bytes / bandwidth, then travel the latency;
  // messages without bulk bytes are not queued behind them. 0 = unlimited.
  void set_uplink_bandwidth(double bytes_per_s) {
    MYCELIUM_ASSERT(bytes_per_s >= 0.0);
    uplink_bytes_per_s_ = bytes_per_s;
  }

  // Each message takes up to `max_extra_latency` more (uniform, so messages overtake each other)
  // and is delivered twice with `duplicate_probability` (each copy with its own delay): the
  // reordering and duplication a datagram network allows. Seeded: runs are repeatable.
  void set_reordering(Duration max_extra_latency, double duplicate_probability,
                      std::uint64_t seed) {
    MYCELIUM_ASSERT(max_extra_latency >= Duration::zero());
    MYCELIUM_ASSERT(duplicate_probability >= 0.0 && duplicate_probability <= 1.0);
    max_extra_latency_ = max_extra_latency;
    duplicate_probability_ = duplicate_probability;
    reordering_random_ = RandomStream(seed);
  }
  std::uint64_t duplicated() const { return duplicated_; }
  void advance(Duration by) {
    MYCELIUM_ASSERT(by >= Duration::zero());
    run_until(now_ + by);
  }

  // Runs every event due at or before `until`, then sets all clocks to `until`.
  void run_until(TimePoint until) {
    MYCELIUM_ASSERT(until >= now_);
    for (std::size_t events = 0; step(until); ++events) {
      MYCELIUM_ASSERT(events < ManualEnvironment::kMaxEventsPerAdvance);
    }
    set_all_clocks(until);
  }

  // Runs events until no message is in flight and no timer is pending, and returns how many ran;
  // the clocks stop at the last event. More than `max_events` is a failure.
  std::size_t run_until_idle(std::size_t max_events = ManualEnvironment::kMaxEventsPerAdvance) {
    std::size_t events = 0;
    while (step(TimePoint::max())) {
      ++events;
      MYCELIUM_ASSERT(events <= max_events);
    }
    return events;
  }

 private:
  // Runs the next event if it is due at or before `until`; false when there is none.
  bool step(TimePoint until) {
    collect_outboxes();  // messages sent since the last event left at now_
    const std::optional<TimePoint> next_message =
        in_flight_.empty() ? std::nullopt : std::optional(in_flight_.begin()->first.first);
    std::optional<std::pair<TimePoint, std::size_t>> next_timer;  // (deadline, node index)
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      const auto deadline = nodes_[i].next_deadline();
      if (deadline && (!next_timer || *deadline < next_timer->first)) next_timer = {{*deadline, i}};
    }
    const bool message_first = next_message && (!next_timer || *next_message <= next_timer->first);
    const std::optional<TimePoint> next = message_first ? next_message
                                          : next_timer  ? std::optional(next_timer->first)
                                                        : std::nullopt;
    if (!next || *next > until) return false;
    set_all_clocks(*next);
    if (message_first) {
      auto in_flight = in_flight_.extract(in_flight_.begin());
      const Message& message = in_flight.mapped();
      MYCELIUM_ASSERT(message.to.value < nodes_.size());  // a test bug: no such node
      nodes_[message.to.value].deliver(message);
      ++delivered_;
    } else {
      const bool fired = nodes_[next_timer->second].fire_next_due(*next);
      MYCELIUM_ASSERT(fired);
    }
    return true;
  }

  void set_all_clocks(TimePoint at) {
    now_ = at;
    for (ManualEnvironment& node : nodes_)
      node.set_now(at);
  }
  void collect_outboxes() {
    uplink_free_at_.resize(nodes_.size(), TimePoint{});
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      for (Message& message : nodes_[i].take_outbox()) {
        if (drop_ && drop_(message)) {
          ++dropped_;
          continue;
        }
        TimePoint departure = now_;
        // Bulk data queues on the uplink; small control messages (no bulk bytes) overtake it, as
        // they would under fair sharing, where their share makes them nearly instantaneous.
        if (uplink_bytes_per_s_ > 0.0 && message.bulk_bytes > 0) {
          const Duration serialization =
              from_seconds(static_cast<double>(message.wire_bytes()) / uplink_bytes_per_s_);
          departure = std::max(now_, uplink_free_at_[i]) + serialization;
          uplink_free_at_[i] = departure;
        }
        if (duplicate_probability_ > 0.0 &&
            reordering_random_.uniform_real() < duplicate_probability_) {
          ++duplicated_;
          in_flight_.emplace(std::pair{departure + latency_ + extra_latency(), ++last_sequence_},
                             message);
        }
        in_flight_.emplace(std::pair{departure + latency_ + extra_latency(), ++last_sequence_},
                           std::move(message));
      }
    }
  }

  Duration extra_latency() {
    if (max_extra_latency_ == Duration::zero()) return Duration::zero();
    return Duration(static_cast<Duration::rep>(
        reordering_random_.uniform_int(0, static_cast<std::uint64_t>(max_extra_latency_.count()))));
  }

  Duration latency_;
  Duration max_extra_latency_{};
  double duplicate_probability_ = 0.0;
  RandomStream reordering_random_{1};
  std::uint64_t duplicated_ = 0;
  TimePoint now_{};
  std::vector<ManualEnvironment> nodes_;
  // Keyed by (arrival time, send order): the next delivery is always the first entry.
  std::map<std::pair<TimePoint, std::uint64_t>, Message> in_flight_;
  std::uint64_t last_sequence_ = 0;
  std::uint64_t delivered_ = 0;
  std::uint64_t dropped_ = 0;
  std::function<bool(const Message&)> drop_;
  double uplink_bytes_per_s_ = 0.0;
  std::vector<TimePoint> uplink_free_at_;  // per node: when its uplink finishes the last message
};

}  // namespace mycelium::testing
