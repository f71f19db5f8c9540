#pragma once
// Failover, on each backup: detect that the primary is gone and agree on which backup takes over.
//
//   watching --(no word from the primary for failure_timeout, or for twice the longest silence of
//               a live primary lately if that exceeded the timeout, and an epoch applied)-->
//               electing
//   electing: send my claim (restore epoch) to the other backups, kClaimSends times spread
//             over election_window, collect theirs; a claim from a peer also starts my election
//   electing --(window over)--> promoted (mine is the best claim) or following (another's is)
//   watching or electing --(a Handover from the primary: a planned migration completed)-->
//            promoted (I am its target) or following (another backup is)
//
// The best claim has the highest restore epoch, then the lowest node id. Because an epoch is
// committed only once the backups required by the commit policy have applied it, the best
// restore point among the backups is at least the last committed epoch: with emergency pause,
// failover loses no committed state. Claims travel as datagrams, so each is sent kClaimSends
// times (a claim is lost only if every copy is), and a backup that has decided answers a late
// peer's claim with its own, so a peer that suspects the primary after my window closed still
// hears my claim before it decides. Two backups can still both promote if every copy of a claim
// is lost, or if suspicion is skewed by more than the window (docs/replication.md).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include <core/env/environment.hpp>
#include <core/ram/replication_backup.hpp>

namespace mycelium::ram {

struct FailoverConfig {
  std::uint32_t stream = 1;
  NodeId primary;
  std::vector<NodeId> peers;  // the other backups of the stream
  Duration failure_timeout = std::chrono::milliseconds(500);
  Duration election_window = std::chrono::milliseconds(200);
};

std::string validate(const FailoverConfig& config, NodeId self);

class FailoverMonitor {
 public:
  enum class State { kWatching, kElecting, kPromoted, kFollowing };
  // Copies of my claim per election: the first at once, the rest spread over the window.
  static constexpr int kClaimSends = 4;
  // A primary that lately went quiet while alive for longer than the failure timeout is
  // suspected only after this many times that silence (failure_timeout_now).
  static constexpr int kSilenceMargin = 2;
  // Called once, on the backup that wins, with the state it resumes the guest from.
  using PromoteCallback = std::function<void(const RestorePoint& restore_from)>;

  // Binds kFailoverPort and starts watching `backup` (which must outlive this monitor).
  FailoverMonitor(Environment& env, const ReplicationBackup& backup, FailoverConfig config,
                  PromoteCallback on_promote);
  ~FailoverMonitor();
  FailoverMonitor(const FailoverMonitor&) = delete;
  FailoverMonitor& operator=(const FailoverMonitor&) = delete;

  State state() const { return state_; }
  // Once decided: the node that took over (self when promoted).
  std::optional<NodeId> new_primary() const { return new_primary_; }
  std::optional<TimePoint> suspected_at() const { return suspected_at_; }
  std::optional<TimePoint> decided_at() const { return decided_at_; }
  // Decided by the primary's Handover (a planned migration), not by an election.
  bool handed_over() const { return handed_over_; }

 private:
  struct Claim {
    std::uint64_t restore_epoch = 0;
    TimePoint snapshot_time{};
  };

  // The silence after which the primary is suspected: the configured failure timeout, or twice
  // the longest silence of a live primary lately when that exceeded the timeout
  // (ReplicationBackup::recent_longest_silence).
  Duration failure_timeout_now() const;
  void check();
  void start_election();
  void send_claim(NodeId to);
  void send_claim_to_peers();
  void decide();
  void on_message(const Message& message);
  void on_handover(const Handover& handover);
  bool is_peer(NodeId node) const;

  Environment& env_;
  const ReplicationBackup& backup_;
  FailoverConfig config_;
  PromoteCallback on_promote_;
  State state_ = State::kWatching;
  TimePoint watching_since_;
  std::map<NodeId, Claim> claims_;  // ordered: the decision never depends on arrival order
  std::optional<NodeId> new_primary_;
  std::optional<TimePoint> suspected_at_;
  std::optional<TimePoint> decided_at_;
  bool handed_over_ = false;
  TimerId check_timer_;
  TimerId decide_timer_;
  TimerId resend_timer_;
  int claim_sends_ = 0;  // to every peer, this election; bounded by kClaimSends
};

}  // namespace mycelium::ram
