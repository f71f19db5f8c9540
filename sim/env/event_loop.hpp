#pragma once
// The one driver actor of a simulation and its event loop: no actor or thread per node, so a
// million nodes cost a million small Environment objects and nothing in SimGrid but hosts (none
// at all under the datagram model).
//
// The loop keeps the global TimerQueue and the messages in flight. How a message travels depends
// on the NetworkModel (network_model.hpp):
//  * kFlow: each is a SimGrid communication (sg4::Comm::sendto_async(sender host, receiver host,
//    bytes)), and the wait for the next event is sg4::Comm::wait_any_for(in-flight comms, next
//    deadline - now): a completed comm moves the clock to its arrival, a timeout to the deadline.
//  * kDatagram: each has its arrival time (send time + RouteTable::transit) in an ArrivalQueue;
//    the next event is the earliest of the next timer, the next arrival and the end of the run.
//    SimGrid only runs the clock, and only as far as the end of the run: the driver runs the
//    events before it back to back and sleeps (sg4::this_actor::sleep_for) once, to the end,
//    where it parks. A SimGrid sleep per event instant halved the speed at a million nodes, and
//    nothing reads SimGrid's clock during a datagram run (callbacks read EventLoop::now()).
// Each turn: run the current instant (deliver the messages that arrived, then fire the timers
// due, one at a time, starting the messages callbacks send as they go), then wait for the next
// event. Everything below holds for both models.
//
// Order at one instant (deterministic, and the same as ManualNetwork's): messages first, in the
// order they were sent, then timers (and scheduled simulation events) by deadline and scheduling
// order. "One instant" is one nanosecond of TimePoint. kFlow: SimGrid's clock is a double,
// converted to integer nanoseconds (rounded) when a message arrives; timers wake at their exact
// deadline. kDatagram: the transit time is rounded to the nanosecond the same way, then every
// time is integer (no dependence on the engine's floating-point clock).
//
// Sends are started after the callback that made them returns, in send order: then a message of
// a crashed sender or over a cut route is lost, else the modelled loss is drawn (one draw per
// message that got that far, from one seeded stream, in send order: the same draws in both
// models for the same sends).
//
// Losses: a message to or from a crashed node, and one whose route a link fault cuts (in flight,
// or sent while cut: route_faults.hpp), is dropped and counted in the sender's
// `messages_lost_total`; so would be a comm SimGrid fails (NetworkFailureException), which does not
// happen as the simulation never turns SimGrid links off. A message to an unbound port is counted
// by the receiver (`messages_dropped_unbound_total`, SimgridEnvironment::deliver).
//
// Partitions (kDatagram only; partition_plan.hpp): the nodes may be cut, by whole zones, into P
// partitions, each with its own timers, arrivals, clock and loss stream, run side by side on P
// threads (window_workers.hpp) in windows [t, t + lookahead), t the earliest event anywhere;
// messages between partitions are handed over at the end of the window (they arrive after it).
// Order within a partition is the order above, with sends numbered per partition (sequence
// local * P + p), so a run is deterministic for a given P, and with P = 1 exactly what it was.
// The simulation's own events (schedule_event: faults, the runner's scenario events) run alone,
// between windows, all partitions at their instant, before the nodes' events of that instant.
// Callbacks run in their node's partition and may touch only that partition's nodes (a node's
// own timers and sends: what every protocol does); the simulation's events may touch anything.
//
// Running in slices: run_until(t) resumes the driver and runs the engine until the driver has
// run every event due at or before t and parked itself (suspended) at t. SimGrid's own
// Engine::run_until stops within 10 us of its target, so it is called until the driver parks.
// Every SimGrid call is made by the driver actor; callers outside a run defer theirs
// (run_in_driver), because cancelling a comm from outside the simulation crashes SimGrid 3.32.

#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <simgrid/forward.h>

#include <core/env/environment.hpp>
#include <sim/env/arrival_queue.hpp>
#include <sim/env/network_model.hpp>
#include <sim/env/partition_plan.hpp>
#include <sim/env/route_faults.hpp>
#include <sim/env/timer_queue.hpp>
#include <sim/env/window_workers.hpp>

namespace mycelium::sim {

// How long an actor at engine time clock_s sleeps to wake at target_s, never after it (the
// plain difference can land an ulp late): a nanosecond early. 0 when target_s is not ahead.
double sleep_duration_s(double clock_s, double target_s);

class Platform;
class SimgridEnvironment;

class EventLoop {
 public:
  // Bounds the events of one instant: a callback that reschedules itself with delay 0 forever
  // fails instead of hanging.
  static constexpr std::uint64_t kMaxEventsPerInstant = 100'000'000;

  // `engine_epoch_s`: the engine clock at this simulation's time zero (SimGrid's clock does not
  // restart with a new engine, see simulation.hpp). The network model is the platform's.
  // `plan`: the partitions (one unless the platform was cut for threads).
  EventLoop(const Platform& platform, std::deque<SimgridEnvironment>& nodes, double engine_epoch_s,
            PartitionPlan plan = {});
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;
  ~EventLoop();

  // Inside a callback, the time of its partition's current instant.
  TimePoint now() const {
    if (partitions_.size() == 1) return partitions_[0].now;
    const Partition* running = tls_running_;
    return running != nullptr ? running->now : now_;
  }
  const PartitionPlan& partitions() const { return plan_; }
  // True while the driver actor runs (inside callbacks); false in the caller of run_until.
  bool in_driver() const { return in_driver_; }
  NetworkModel network_model() const { return model_; }
  std::size_t messages_in_flight() const;

  // --- for the nodes ---
  // Returns the timer's id (TimerQueue::insert).
  TimerId insert_timer(NodeId owner, TimePoint deadline, Duration period, TimerCallback callback);
  // A valid id that was never pending (what a crashed node's schedule_* returns).
  TimerId unused_timer_id(NodeId owner) { return partition_of(owner).timers.unused_id(); }
  bool cancel_timer(NodeId owner, TimerId id);
  // `message.from` is set; the message leaves at now().
  void send(Message message);

  // --- for the simulation ---
  void schedule_event(TimePoint at, std::function<void()> action);
  // A crashed node: its timers are dropped now; its messages in flight (both ways) are cancelled
  // by the driver at this instant.
  void drop_node(NodeId node);
  // Runs `action` in the driver: now if called from it, else first thing when it resumes (at the
  // same simulated instant).
  void run_in_driver(std::function<void()> action);
  // Link faults, in the driver (run_in_driver): going down cancels the messages whose route it
  // cuts; while down, messages sent over it are lost at once.
  void set_nic_up(NodeId node, bool up);
  // Every message sent from now on is lost with `probability` (independently, drawn from
  // `random`: seeded, so runs repeat), counted in the sender's messages_lost_total.
  void set_message_loss(double probability, RandomStream random);
  void set_zone_link_up(std::uint32_t zone_a, std::uint32_t zone_b, bool up);

  // Runs work(p) for every partition p, each on its partition's thread, as if in a window: work
  // may read any node but call into (schedule, send for) only partition p's. Between runs only
  // (setup, sampling): runners use it to share out work over many nodes. Rethrows what work
  // threw (the first partition's first). With one partition, work(0) here.
  void run_in_partitions(const std::function<void(std::uint32_t partition)>& work);

  // Creates the driver actor on `host` (it starts with the first run_until).
  void start(simgrid::s4u::Host* host);
  // Rethrows an exception a callback threw (the simulation stops at that instant).
  void run_until(const simgrid::s4u::Engine& engine, TimePoint until);
  // Stops the driver and cancels what is in flight; call before the engine goes away.
  void shut_down(const simgrid::s4u::Engine& engine);

 private:
  struct InFlight {
    std::uint64_t sequence;  // send order, the tie-break between same-instant arrivals
    Message message;
  };
  struct Crossing {  // a message for another partition, handed over after the window
    TimePoint arrival;
    InFlight sent;
  };
  // What one partition runs on its own (all of it, with one partition). Cache-line aligned:
  // each is written by its own thread, and neighbours in the vector must not share a line.
  struct alignas(64) Partition {
    Partition(std::uint32_t position, std::size_t owners, std::uint32_t partitions)
        : index(position), timers(owners), outboxes(partitions) {}
    std::uint32_t index;
    TimePoint now{};
    TimerQueue timers;  // its nodes' timers (with one partition, the simulation's events too)
    std::uint64_t last_send_sequence = 0;
    std::vector<InFlight> unstarted;  // sent during this instant, started before the next wait
    ArrivalQueue arrivals;            // kDatagram: the messages in flight to its nodes
    std::vector<Message> arriving;    // the ones arriving now (kept to reuse its capacity)
    std::vector<std::vector<Crossing>> outboxes;  // per partition, this window's messages to it
    std::vector<NodeId> lost_elsewhere;  // senders of other partitions whose message was lost here
    RandomStream loss_random{1};
    std::exception_ptr failure;  // what a callback threw in a window
  };

  Partition& partition_of(NodeId node);
  // Where a node's call lands: its partition, which must be the running one inside a window.
  Partition& partition_for_call(NodeId node);
  bool parallel() const { return partitions_.size() > 1; }
  std::optional<TimePoint> next_local_event(Partition& partition);

  void driver_main();
  void park();
  void run_deferred();
  void run_instant(Partition& partition);
  void wait_for_next_event();
  void wait_for_next_datagram_event();
  // Partitions: every event up to the horizon, window by window; then the driver sleeps to it.
  void run_partitioned();
  void run_simulation_events();
  void run_window(Partition& partition);
  // Each partition takes the crossings for it out of every outbox (in parallel, between windows).
  void take_crossings(Partition& partition);
  // Everything in one go: crossings, and losses noticed away from their sender.
  void hand_over_crossings();
  void count_losses_elsewhere();
  void ensure_workers();
  // Rethrows the first failure a partition kept.
  void rethrow_partition_failure();
  void set_now_everywhere(TimePoint now);
  void start_unstarted_sends(Partition& partition);
  void deliver_arrivals();
  void deliver_datagram_arrivals(Partition& partition);
  void drop_failed();
  // Compaction step of the in-flight vectors: entry `from` moves to slot `to` (to <= from).
  void keep(std::size_t from, std::size_t to);
  void deliver(Partition& partition, const Message& message);
  void count_lost(const Message& message);
  void cancel_messages_of(NodeId node);
  // Cancels (and counts lost) the in-flight messages for which `cut` is true.
  template <typename Predicate>
  void cancel_in_flight_if(Predicate cut);
  void cancel_everything();

  TimePoint engine_clock_now() const;
  double to_engine_s(TimePoint at) const;

  const Platform& platform_;
  NetworkModel model_;
  std::deque<SimgridEnvironment>& nodes_;
  double engine_epoch_s_;
  PartitionPlan plan_;
  std::vector<Partition> partitions_;  // one per plan_ partition
  RouteFaults route_faults_;
  TimerQueue::Owner simulation_owner_;  // owner of schedule_event's events
  // Partitions only: the simulation's events, and the time between windows.
  TimerQueue simulation_events_;
  TimePoint now_{};
  TimePoint window_end_{};
  std::unique_ptr<WindowWorkers> workers_;  // started with the first window
  // The partition whose window this thread is running (null between windows).
  static thread_local Partition* tls_running_;

  double loss_probability_ = 0.0;
  TimePoint horizon_{};
  // kFlow. Parallel vectors, in send order: comms_[i] carries in_flight_[i].
  std::vector<simgrid::s4u::CommPtr> comms_;
  std::vector<InFlight> in_flight_;
  std::vector<std::function<void()>> deferred_;

  simgrid::s4u::ActorPtr actor_;
  bool in_driver_ = false;
  bool parked_ = false;
  std::uint64_t parks_ = 0;
  bool stop_requested_ = false;
  std::exception_ptr failure_;
};

}  // namespace mycelium::sim
