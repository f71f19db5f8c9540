#pragma once
// The lock-step prototype (issue 9, item 2; docs/ssi.md, "Lock-step prototype"): a deterministic
// state machine (LockstepState) replicated active-active on N nodes. Every replica applies every
// input, in the same order, one step at a time:
//
//  * view v's sequencer is members[v % N]. It orders one client input per step: Order(step) to
//    every replica; a replica acknowledges once it holds the input and has applied every earlier
//    step (its ack carries its state hash after step - 1, which the sequencer compares with its
//    own: a mismatch is a divergence, counted); with a majority of acks the step is committed,
//    Commit(step) goes out, and every replica applies it. The next step is ordered only then:
//    lock-step, so no replica is ever more than one step from another.
//  * A step costs `apply_duration` of compute on every replica (the application's work); the
//    sequencer answers the client after its own apply.
//  * Crash faults, N >= 2f + 1: a replica that hears nothing from the sequencer for
//    `sequencer_timeout` moves to the next view and reports what it knows to that view's
//    sequencer; with a majority of reports the new sequencer starts the view from the highest
//    committed step reported, and proposes again the highest-view input acknowledged beyond it.
//    A committed step was acknowledged by a majority, and any two majorities meet: no committed
//    input is lost, and no step is committed twice with different inputs (single-slot Paxos with
//    a stable leader). Clients retry until answered; the state machine applies a retried input
//    once.
//
// Sans-IO: everything goes through the Environment. Crash-stop only: a replica does not rejoin.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include <core/env/environment.hpp>
#include <core/ssi/lockstep_messages.hpp>
#include <core/ssi/lockstep_state.hpp>

namespace mycelium::ssi {

struct LockstepConfig {
  std::vector<NodeId> members;  // the replicas, this node among them; distinct
  Duration apply_duration = std::chrono::milliseconds(1);  // compute per step, on every replica
  Duration heartbeat_interval = std::chrono::milliseconds(20);
  Duration sequencer_timeout = std::chrono::milliseconds(100);  // > 2 x heartbeat_interval
  std::size_t max_queued_inputs = 1024;  // at the sequencer; beyond, submits are dropped
  std::size_t max_clients = 1024;        // distinct clients the state machine remembers
  std::size_t max_early_commits = 64;    // commits held for steps not yet reachable
};

class LockstepReplica {
 public:
  // Hashes kept for the last this many applied steps (hash_at).
  static constexpr std::size_t kHashHistory = 256;

  LockstepReplica(Environment& env, LockstepConfig config);
  ~LockstepReplica();
  LockstepReplica(const LockstepReplica&) = delete;
  LockstepReplica& operator=(const LockstepReplica&) = delete;

  const LockstepState& state() const { return state_; }
  std::uint64_t view() const { return view_; }
  // This replica leads an active view.
  bool is_sequencer() const;
  // The highest step whose input this replica knows committed (applied, or being applied).
  std::uint64_t committed_step() const { return committed_step_; }
  // The state hash after `step`, if it is one of the last kHashHistory applied.
  std::optional<std::uint64_t> hash_at(std::uint64_t step) const;
  std::uint64_t divergences() const { return divergences_; }

  // Tests only: make this replica's state differ from the others'.
  void corrupt_state_for_test() { state_.corrupt_for_test(); }

 private:
  NodeId sequencer_of(std::uint64_t view) const;
  std::size_t majority() const { return config_.members.size() / 2 + 1; }
  void send(NodeId to, const LockstepMessage& message, Port port = kLockstepPort);
  void broadcast(const LockstepMessage& message);

  void on_message(const Message& message);
  void on_submit(const LockstepInput& input);
  void on_order(NodeId from, const OrderMessage& order);
  void on_ack(NodeId from, const AckMessage& ack);
  void on_heartbeat(NodeId from, const HeartbeatMessage& heartbeat);
  void on_view_change(NodeId from, const ViewChangeMessage& report);
  void on_new_view(NodeId from, const NewViewMessage& new_view);
  void on_tick();

  bool already_known(const LockstepInput& input) const;
  void check_hash(std::uint64_t step, std::uint64_t hash);
  void try_order();
  void propose(std::uint64_t step, const LockstepInput& input);
  void try_ack();
  void commit_in_flight();
  void learn_committed(std::uint64_t step, const LockstepInput& input);
  void start_apply();
  void finish_apply();
  void enter_view(std::uint64_t view);
  void start_view_change(std::uint64_t view);
  void complete_view_change();

  Environment& env_;
  LockstepConfig config_;
  LockstepState state_;

  std::uint64_t view_ = 0;
  bool view_active_ = true;  // false between a view change's start and its NewView
  TimePoint last_heard_;     // from the sequencer of view_ (or the view change's start)
  TimerId tick_timer_;

  // Committed inputs: known up to committed_step_; applied in order, one apply_duration each.
  std::uint64_t committed_step_ = 0;
  std::optional<LockstepInput> committed_input_;  // the input of committed_step_
  std::deque<std::pair<std::uint64_t, LockstepInput>> apply_queue_;
  std::map<std::uint64_t, LockstepInput> early_commits_;
  TimerId apply_timer_;
  std::deque<std::pair<std::uint64_t, std::uint64_t>> hash_history_;  // (step, hash after it)

  // The input proposed for committed_step_ + 1 that this replica holds, and whether acked.
  std::optional<LockstepPending> pending_;
  bool pending_acked_ = false;

  // Sequencer only.
  std::deque<LockstepInput> queue_;
  std::optional<LockstepPending> in_flight_;
  std::set<NodeId> acks_;
  std::map<std::uint64_t, LockstepInput> replies_owed_;  // step -> whose input it applied
  std::map<NodeId, ViewChangeMessage> reports_;          // for view_, while it starts
  std::uint64_t view_floor_ = 0;              // the committed step this view started from
  std::optional<LockstepPending> repropose_;  // to propose again once caught up to view_floor_
  // Replicas' hashes after steps this replica has not applied yet: checked when it has.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> unverified_;

  std::uint64_t divergences_ = 0;
};

}  // namespace mycelium::ssi
