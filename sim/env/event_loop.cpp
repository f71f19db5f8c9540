#include <algorithm>
#include <cmath>
#include <utility>

#include <simgrid/Exception.hpp>
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Comm.hpp>
#include <simgrid/s4u/Engine.hpp>

#include <core/assert.hpp>
#include <sim/env/event_loop.hpp>
#include <sim/env/platform.hpp>
#include <sim/env/simgrid_environment.hpp>

namespace mycelium::sim {
namespace sg4 = simgrid::s4u;

namespace {

// SimGrid 3.32 never completes a communication of 0 bytes (it waits forever), so an empty message
// is charged one byte: it then takes the route's latency, plus 1 byte of transfer.
std::uint64_t simulated_bytes(const Message& message) {
  return std::max<std::uint64_t>(1, message.wire_bytes());
}

enum class CommOutcome { kRunning, kArrived, kFailed };

CommOutcome poll(const sg4::CommPtr& comm) {
  if (comm->get_state() == sg4::Activity::State::FAILED) return CommOutcome::kFailed;
  try {
    return comm->test() ? CommOutcome::kArrived : CommOutcome::kRunning;
  } catch (const simgrid::NetworkFailureException&) {
    return CommOutcome::kFailed;
  }
}

}  // namespace

thread_local EventLoop::Partition* EventLoop::tls_running_ = nullptr;

EventLoop::EventLoop(const Platform& platform, std::deque<SimgridEnvironment>& nodes,
                     double engine_epoch_s, PartitionPlan plan)
    : platform_(platform),
      model_(platform.network_model()),
      nodes_(nodes),
      engine_epoch_s_(engine_epoch_s),
      plan_(std::move(plan)),
      route_faults_(platform.zone_of_node(), platform.zone_count()),
      simulation_owner_(static_cast<TimerQueue::Owner>(platform.node_count())),
      simulation_events_(platform.node_count() + 1) {
  MYCELIUM_ASSERT(plan_.count() == 1 || model_ == NetworkModel::kDatagram);
  partitions_.reserve(plan_.count());
  for (std::uint32_t p = 0; p < plan_.count(); ++p)
    partitions_.emplace_back(p, platform.node_count() + 1, plan_.count());
}

EventLoop::~EventLoop() {
  // shut_down() ran (Simulation's destructor calls it); releasing the comms now is safe.
  MYCELIUM_ASSERT(comms_.empty() && messages_in_flight() == 0);
}

std::size_t EventLoop::messages_in_flight() const {
  std::size_t count = comms_.size();
  for (const Partition& partition : partitions_) {
    count += partition.arrivals.size() + partition.unstarted.size();
    for (const std::vector<Crossing>& outbox : partition.outboxes)
      count += outbox.size();
  }
  return count;
}

EventLoop::Partition& EventLoop::partition_of(NodeId node) {
  return partitions_[plan_.of(node)];
}

EventLoop::Partition& EventLoop::partition_for_call(NodeId node) {
  Partition& partition = partition_of(node);
  // A callback reaching into another partition's node would race with that partition's thread.
  MYCELIUM_ASSERT(!parallel() || tls_running_ == nullptr || tls_running_ == &partition);
  return partition;
}

// --- for the nodes ---

TimerId EventLoop::insert_timer(NodeId owner, TimePoint deadline, Duration period,
                                TimerCallback callback) {
  MYCELIUM_ASSERT(owner.value < simulation_owner_);
  Partition& partition = partition_for_call(owner);
  MYCELIUM_ASSERT(deadline >= partition.now);
  return partition.timers.insert(owner.value, deadline, period, std::move(callback));
}

bool EventLoop::cancel_timer(NodeId owner, TimerId id) {
  MYCELIUM_ASSERT(owner.value < simulation_owner_);
  return partition_for_call(owner).timers.cancel(owner.value, id);
}

void EventLoop::send(Message message) {
  MYCELIUM_ASSERT(message.from.value < nodes_.size());
  MYCELIUM_ASSERT(message.to.value < nodes_.size());  // a protocol bug: no such node
  Partition& partition = partition_for_call(message.from);
  // Numbered per partition, interleaved: with one partition, plain send order.
  const std::uint64_t sequence =
      ++partition.last_send_sequence * partitions_.size() + partition.index;
  partition.unstarted.push_back({sequence, std::move(message)});
}

// --- for the simulation ---

void EventLoop::schedule_event(TimePoint at, std::function<void()> action) {
  MYCELIUM_ASSERT(at >= now());
  if (!parallel()) {
    partitions_[0].timers.insert(simulation_owner_, at, Duration::zero(), std::move(action));
    return;
  }
  MYCELIUM_ASSERT(tls_running_ == nullptr);  // not from a node's callback in a window
  simulation_events_.insert(simulation_owner_, at, Duration::zero(), std::move(action));
}

void EventLoop::drop_node(NodeId node) {
  MYCELIUM_ASSERT(node.value < nodes_.size());
  MYCELIUM_ASSERT(tls_running_ == nullptr || !parallel());
  partition_of(node).timers.drop_owner(node.value);
  run_in_driver([this, node] { cancel_messages_of(node); });
}

void EventLoop::run_in_driver(std::function<void()> action) {
  // Between windows only: in a window the action would race with the other partitions.
  MYCELIUM_ASSERT(tls_running_ == nullptr || !parallel());
  if (in_driver_) {
    action();
  } else {
    deferred_.push_back(std::move(action));
  }
}

void EventLoop::set_message_loss(double probability, RandomStream random) {
  MYCELIUM_ASSERT(probability >= 0.0 && probability <= 1.0);
  MYCELIUM_ASSERT(tls_running_ == nullptr || !parallel());
  loss_probability_ = probability;
  // Partition 0 draws from `random` (with one partition, exactly as before partitions), the
  // others from streams seeded by it.
  RandomStream seeder = random;
  for (Partition& partition : partitions_) {
    partition.loss_random =
        partition.index == 0
            ? random
            : RandomStream::derive(seeder.next_u64(), NodeId{partition.index}, "network.loss");
  }
}

void EventLoop::set_nic_up(NodeId node, bool up) {
  MYCELIUM_ASSERT(in_driver_ && (tls_running_ == nullptr || !parallel()));
  route_faults_.set_nic_up(node, up);
  cancel_in_flight_if(
      [this](const Message& message) { return !route_faults_.route_up(message.from, message.to); });
}

void EventLoop::set_zone_link_up(std::uint32_t zone_a, std::uint32_t zone_b, bool up) {
  MYCELIUM_ASSERT(in_driver_ && (tls_running_ == nullptr || !parallel()));
  route_faults_.set_zone_link_up(zone_a, zone_b, up);
  cancel_in_flight_if(
      [this](const Message& message) { return !route_faults_.route_up(message.from, message.to); });
}

// --- driving ---

void EventLoop::start(sg4::Host* host) {
  MYCELIUM_ASSERT(!actor_);
  actor_ = sg4::Actor::create("mycelium-driver", host, [this] { driver_main(); });
}

void EventLoop::run_until(const sg4::Engine& engine, TimePoint until) {
  MYCELIUM_ASSERT(actor_ && !in_driver_);
  MYCELIUM_ASSERT(until >= now());
  if (failure_) std::rethrow_exception(failure_);
  horizon_ = until;
  const std::uint64_t parks_before = parks_;
  if (parked_) actor_->resume();
  // Each engine round runs at least one SimGrid event, and the driver parks at `until` at the
  // latest, so this ends; the bound catches a driver that is stuck elsewhere.
  for (std::uint64_t round = 0; parks_ == parks_before; ++round) {
    MYCELIUM_ASSERT(round < kMaxEventsPerInstant);
    engine.run_until(std::max(sg4::Engine::get_clock(), to_engine_s(until)));
  }
  if (failure_) std::rethrow_exception(failure_);
}

void EventLoop::shut_down(const sg4::Engine& engine) {
  if (!actor_) return;
  stop_requested_ = true;
  if (parked_) actor_->resume();
  engine.run();  // the driver cancels what is in flight and returns; nothing else runs
  MYCELIUM_ASSERT(comms_.empty() && messages_in_flight() == 0);
  actor_ = nullptr;
  workers_.reset();  // joins the threads
}

void EventLoop::driver_main() {
  in_driver_ = true;
  while (!stop_requested_) {
    if (!failure_) {
      try {
        run_deferred();
        if (parallel()) {
          run_partitioned();
        } else {
          run_instant(partitions_[0]);
          if (partitions_[0].now < horizon_) {
            wait_for_next_event();
            continue;
          }
        }
      } catch (const simgrid::ForcefulKillException&) {
        throw;  // SimGrid unwinding a killed actor: never swallow it
      } catch (...) {
        failure_ = std::current_exception();  // rethrown by run_until, outside the simulation
      }
    }
    park();
  }
  cancel_everything();
  in_driver_ = false;
}

void EventLoop::park() {
  parked_ = true;
  ++parks_;
  in_driver_ = false;
  sg4::this_actor::suspend();
  in_driver_ = true;
  parked_ = false;
}

void EventLoop::run_deferred() {
  // An action may defer more (it runs in the driver, so it does not): swap first anyway.
  std::vector<std::function<void()>> actions = std::exchange(deferred_, {});
  for (auto& action : actions)
    action();
}

void EventLoop::run_instant(Partition& partition) {
  // Nothing new arrives until the clock moves, so the arrivals are delivered once, first.
  if (model_ == NetworkModel::kDatagram) {
    deliver_datagram_arrivals(partition);
  } else {
    deliver_arrivals();
  }
  for (std::uint64_t events = 0;; ++events) {
    MYCELIUM_ASSERT(events < kMaxEventsPerInstant);
    start_unstarted_sends(partition);
    std::optional<TimerQueue::Due> due = partition.timers.pop_due(partition.now);
    if (!due) break;
    MYCELIUM_ASSERT(due->deadline == partition.now);
    due->callback();
  }
  MYCELIUM_ASSERT(partition.unstarted.empty());
}

std::optional<TimePoint> EventLoop::next_local_event(Partition& partition) {
  std::optional<TimePoint> next = partition.timers.next_deadline();
  if (const std::optional<TimePoint> arrival = partition.arrivals.next_arrival()) {
    next = next ? std::min(*next, *arrival) : *arrival;
  }
  return next;
}

void EventLoop::run_partitioned() {
  // Sends made between runs (setup, run_in_partitions, the runner) leave now. driver_main ran the
  // deferred actions already, and nothing defers during the run (simulation events run in the
  // driver; callbacks may not).
  for (Partition& partition : partitions_)
    start_unstarted_sends(partition);
  hand_over_crossings();
  // Between turns every partition is at now_ with nothing unstarted and no crossing pending.
  // Each turn runs either the simulation's events of one instant or one window: bounded by the
  // events before the horizon.
  for (;;) {
    MYCELIUM_ASSERT(deferred_.empty());
    std::optional<TimePoint> first_local;
    for (Partition& partition : partitions_) {
      if (const std::optional<TimePoint> next = next_local_event(partition)) {
        first_local = first_local ? std::min(*first_local, *next) : *next;
      }
    }
    const std::optional<TimePoint> next_event = simulation_events_.next_deadline();
    if (next_event && *next_event <= horizon_ && (!first_local || *next_event <= *first_local)) {
      set_now_everywhere(*next_event);
      run_simulation_events();
      continue;
    }
    if (!first_local || *first_local > horizon_) break;
    // Nothing sent from *first_local on crosses to another partition before the window's end.
    window_end_ = std::min(*first_local + plan_.lookahead(), horizon_ + Duration(1));
    if (next_event) window_end_ = std::min(window_end_, *next_event);
    ensure_workers();
    workers_->run_all([this](std::uint32_t p) { run_window(partitions_[p]); });
    rethrow_partition_failure();
    // Each partition queues what is for it, side by side (one thread doing it all was 2 % of a
    // 200 000-member run, on the critical path).
    workers_->run_all([this](std::uint32_t p) { take_crossings(partitions_[p]); });
    count_losses_elsewhere();
    set_now_everywhere(window_end_ - Duration(1));
  }
  set_now_everywhere(horizon_);
  sg4::this_actor::sleep_for(sleep_duration_s(sg4::Engine::get_clock(), to_engine_s(horizon_)));
}

void EventLoop::run_simulation_events() {
  // In scheduling order; what they send starts at once, partition by partition (each in its own
  // send order), so the crossings it makes are ready for the next window.
  while (std::optional<TimerQueue::Due> due = simulation_events_.pop_due(now_)) {
    due->callback();
    for (Partition& partition : partitions_)
      start_unstarted_sends(partition);
  }
  hand_over_crossings();
}

void EventLoop::run_window(Partition& partition) {
  tls_running_ = &partition;
  try {
    while (const std::optional<TimePoint> next = next_local_event(partition)) {
      if (*next >= window_end_) break;
      partition.now = *next;
      run_instant(partition);
    }
  } catch (...) {
    partition.failure = std::current_exception();  // the driver rethrows it after the window
  }
  tls_running_ = nullptr;
}

void EventLoop::take_crossings(Partition& partition) {
  // Between windows nobody writes an outbox: partition q empties the q-th of each.
  for (Partition& from : partitions_) {
    std::vector<Crossing>& outbox = from.outboxes[partition.index];
    for (Crossing& crossing : outbox) {
      MYCELIUM_ASSERT(crossing.arrival >= window_end_);  // the lookahead holds
      partition.arrivals.push(crossing.arrival, crossing.sent.sequence,
                              std::move(crossing.sent.message));
    }
    outbox.clear();
  }
}

void EventLoop::hand_over_crossings() {
  for (Partition& partition : partitions_)
    take_crossings(partition);
  count_losses_elsewhere();
}

void EventLoop::count_losses_elsewhere() {
  for (Partition& partition : partitions_) {
    for (const NodeId sender : partition.lost_elsewhere)
      nodes_[sender.value].metrics().add_counter("messages_lost_total", 1);
    partition.lost_elsewhere.clear();
  }
}

void EventLoop::ensure_workers() {
  if (!workers_) workers_ = std::make_unique<WindowWorkers>(plan_.count());
}

void EventLoop::rethrow_partition_failure() {
  for (Partition& partition : partitions_) {
    if (partition.failure) std::rethrow_exception(std::exchange(partition.failure, nullptr));
  }
}

void EventLoop::run_in_partitions(const std::function<void(std::uint32_t partition)>& work) {
  MYCELIUM_ASSERT(tls_running_ == nullptr);  // not from a callback
  if (!parallel()) {
    work(0);
    return;
  }
  ensure_workers();
  workers_->run_all([this, &work](std::uint32_t p) {
    Partition& partition = partitions_[p];
    tls_running_ = &partition;
    try {
      work(p);
    } catch (...) {
      partition.failure = std::current_exception();
    }
    tls_running_ = nullptr;
  });
  rethrow_partition_failure();
  // What work sent starts with the next run, from its partition's unstarted list.
}

void EventLoop::set_now_everywhere(TimePoint now) {
  now_ = now;
  for (Partition& partition : partitions_)
    partition.now = now;
}

void EventLoop::wait_for_next_event() {
  if (model_ == NetworkModel::kDatagram) {
    wait_for_next_datagram_event();
    return;
  }
  TimePoint& now = partitions_[0].now;
  TimePoint target = horizon_;
  if (const std::optional<TimePoint> next = partitions_[0].timers.next_deadline()) {
    target = std::min(target, *next);
  }
  MYCELIUM_ASSERT(target > now);
  // Never negative: SimGrid reads a negative timeout as "forever".
  const double timeout_s = std::max(0.0, to_engine_s(target) - sg4::Engine::get_clock());
  if (comms_.empty()) {
    sg4::this_actor::sleep_for(timeout_s);
    now = target;
    return;
  }
  ssize_t completed = -1;
  try {
    completed = sg4::Comm::wait_any_for(comms_, timeout_s);
  } catch (const simgrid::NetworkFailureException&) {
    completed = 0;  // a comm failed: the clock moved to the failure, deliver_arrivals drops it
  }
  if (completed < 0) {
    now = target;
  } else {
    // The arrival time, kept within (now, target]: rounding must not reorder it with timers.
    now = std::clamp(engine_clock_now(), now, target);
  }
}

void EventLoop::wait_for_next_datagram_event() {
  TimePoint& now = partitions_[0].now;
  TimePoint target = horizon_;
  if (const std::optional<TimePoint> next = next_local_event(partitions_[0])) {
    target = std::min(target, *next);
  }
  MYCELIUM_ASSERT(target >= now);
  // A message with no latency and a transit below half a nanosecond arrives at the instant it
  // was sent: no sleep, the next turn delivers it (after that instant's timers, like a comm that
  // SimGrid completes without moving the clock).
  if (target == now) return;
  // SimGrid's clock only has to be right where the driver parks (the end of the run: then
  // Engine::run_until sees the driver suspended at `until`); under kDatagram nothing reads it in
  // between. A sleep per event instant (a SimGrid activity, two context switches, and our data
  // out of the cache) was half the run time at a million nodes and 80 % at 10 000, so the
  // events before the horizon run back to back, at their own integer times, and the clock jumps
  // once to the horizon. The simulation's time is `target` itself, exactly.
  if (target == horizon_) {
    sg4::this_actor::sleep_for(sleep_duration_s(sg4::Engine::get_clock(), to_engine_s(target)));
  }
  now = target;
}

void EventLoop::start_unstarted_sends(Partition& partition) {
  // Nothing below sends (no callback runs), so the vector is walked in place and keeps its
  // capacity: no allocation per instant.
  for (InFlight& send : partition.unstarted) {
    if (nodes_[send.message.from.value].crashed() ||
        !route_faults_.route_up(send.message.from, send.message.to)) {
      count_lost(send.message);  // its node crashed at this instant, or its route is cut
      continue;
    }
    if (loss_probability_ > 0.0 && partition.loss_random.uniform_real() < loss_probability_) {
      count_lost(send.message);  // the modelled packet loss
      continue;
    }
    if (model_ == NetworkModel::kDatagram) {
      const Duration transit = platform_.routes().transit(send.message.from, send.message.to,
                                                          simulated_bytes(send.message));
      const TimePoint arrival = partition.now + transit;
      const std::uint32_t to = plan_.of(send.message.to);
      if (to == partition.index) {
        partition.arrivals.push(arrival, send.sequence, std::move(send.message));
      } else {
        partition.outboxes[to].push_back({arrival, std::move(send)});
      }
      continue;
    }
    sg4::CommPtr comm =
        sg4::Comm::sendto_async(platform_.host(send.message.from), platform_.host(send.message.to),
                                simulated_bytes(send.message));
    comms_.push_back(std::move(comm));
    in_flight_.push_back(std::move(send));
  }
  partition.unstarted.clear();
}

void EventLoop::keep(std::size_t from, std::size_t to) {
  if (from == to) return;  // no self-move: a moved-onto-itself vector may come out empty
  comms_[to] = std::move(comms_[from]);
  in_flight_[to] = std::move(in_flight_[from]);
}

void EventLoop::deliver_datagram_arrivals(Partition& partition) {
  // All of this instant's arrivals are taken out first, then delivered, as under kFlow: a
  // handler that crashes a node or cuts a link does not touch the messages that already arrived.
  partition.arrivals.pop_due(partition.now, partition.arriving);
  for (const Message& message : partition.arriving)
    deliver(partition, message);
  partition.arriving.clear();
}

void EventLoop::deliver_arrivals() {
  // Comms SimGrid already marked failed (wait_any_for threw for them) must not be tested again:
  // SimGrid 3.32 crashes testing them.
  drop_failed();
  if (comms_.empty()) return;
  // One cheap look first: most instants (timer wake-ups) have no arrival.
  try {
    if (sg4::Comm::test_any(comms_) < 0) return;
  } catch (const simgrid::NetworkFailureException&) {
    // some comm failed: the scan below finds which
  }
  std::vector<InFlight> arrived;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < comms_.size(); ++i) {
    const CommOutcome outcome = poll(comms_[i]);
    if (outcome == CommOutcome::kRunning) {
      keep(i, kept++);
    } else if (outcome == CommOutcome::kArrived) {
      arrived.push_back(std::move(in_flight_[i]));
    } else {
      count_lost(in_flight_[i].message);
    }
  }
  comms_.resize(kept);
  in_flight_.resize(kept);
  // Same-instant arrivals in send order, whatever order SimGrid finished them in.
  std::sort(arrived.begin(), arrived.end(),
            [](const InFlight& a, const InFlight& b) { return a.sequence < b.sequence; });
  for (const InFlight& arrival : arrived)
    deliver(partitions_[0], arrival.message);
}

void EventLoop::drop_failed() {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < comms_.size(); ++i) {
    if (comms_[i]->get_state() == sg4::Activity::State::FAILED) {
      count_lost(in_flight_[i].message);
    } else {
      keep(i, kept++);
    }
  }
  comms_.resize(kept);
  in_flight_.resize(kept);
}

void EventLoop::deliver(Partition& partition, const Message& message) {
  SimgridEnvironment& receiver = nodes_[message.to.value];
  if (receiver.crashed()) {
    if (plan_.of(message.from) == partition.index) {
      count_lost(message);
    } else {
      partition.lost_elsewhere.push_back(message.from);  // counted between windows
    }
    return;
  }
  receiver.deliver(message);
}

void EventLoop::count_lost(const Message& message) {
  nodes_[message.from.value].metrics().add_counter("messages_lost_total", 1);
}

void EventLoop::cancel_messages_of(NodeId node) {
  cancel_in_flight_if(
      [node](const Message& message) { return message.from == node || message.to == node; });
  // Unstarted messages to the node are dropped when they arrive (it is crashed by then, or
  // restarted, like a host that came back before the packet did); from it, when started.
}

template <typename Predicate>
void EventLoop::cancel_in_flight_if(Predicate cut) {
  if (model_ == NetworkModel::kDatagram) {
    // Between windows (or with one partition): no crossing is pending, every message in flight
    // is in an arrival queue.
    for (Partition& partition : partitions_)
      partition.arrivals.remove_if(cut, [this](const Message& message) { count_lost(message); });
    return;
  }
  std::size_t kept = 0;
  for (std::size_t i = 0; i < comms_.size(); ++i) {
    if (cut(in_flight_[i].message)) {
      comms_[i]->cancel();
      count_lost(in_flight_[i].message);
    } else {
      keep(i, kept++);
    }
  }
  comms_.resize(kept);
  in_flight_.resize(kept);
}

void EventLoop::cancel_everything() {
  for (const sg4::CommPtr& comm : comms_)
    comm->cancel();
  comms_.clear();
  in_flight_.clear();
  for (Partition& partition : partitions_) {
    partition.arrivals.clear();
    partition.unstarted.clear();
    for (std::vector<Crossing>& outbox : partition.outboxes)
      outbox.clear();
  }
  deferred_.clear();
}

double sleep_duration_s(double clock_s, double target_s) {
  // SimGrid wakes the sleeper at clock + duration, and clock + (target - clock) can land an ulp
  // after target (7.5600000000000005 for 7.5599999999999996, seen after 378 runs of 20 ms). Woken
  // after the date Engine::run_until stopped at, but within SimGrid's timing precision, the
  // driver would be run anyway, moving the engine past that date, and the next run_until would
  // ask for a date in the past (SimGrid aborts). So the driver aims a nanosecond early: far above
  // any rounding, and below the simulation's own resolution (its times are whole nanoseconds,
  // kept in now_, not read back from the engine).
  constexpr double kEarly_s = 1e-9;
  return std::max(0.0, target_s - clock_s - kEarly_s);
}

TimePoint EventLoop::engine_clock_now() const {
  const double seconds = sg4::Engine::get_clock() - engine_epoch_s_;
  return TimePoint(Duration(std::llround(seconds * 1e9)));
}

double EventLoop::to_engine_s(TimePoint at) const {
  return engine_epoch_s_ + static_cast<double>(at.time_since_epoch().count()) / 1e9;
}

}  // namespace mycelium::sim
