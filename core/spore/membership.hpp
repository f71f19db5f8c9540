#pragma once
// Service Spore membership and failure detection: SWIM (Das et al., 2002) with the Lifeguard
// refinements (Dadgar et al., 2018), as a sans-IO state machine over the Environment.
//
//  * Every protocol period one member is probed, in a randomised round-robin order (a shuffled
//    list, walked, reshuffled when done): a Ping; without an Ack within the probe timeout,
//    PingRequests to k other members, which probe it for us and forward its Ack, or answer a
//    Nack (Lifeguard) when they got none. Still no Ack at the end of the period: suspect it.
//  * A suspicion is gossiped; the suspect refutes it by gossiping itself alive with a higher
//    incarnation. Unrefuted, it becomes dead when the suspicion timeout runs out; that timeout
//    starts long and shrinks with each independent confirmation (suspicion.hpp).
//  * Local health (Lifeguard): failed probes, missed Nacks and having to refute raise it,
//    successful probes lower it; probe interval and timeout are scaled by (1 + health), so a
//    member that is itself slow probes less eagerly and accuses less.
//  * Updates travel piggybacked on every message (gossip_queue.hpp), each lambda * log N times,
//    and in gossip rounds to a few random members; a periodic push-pull with one random member
//    repairs what gossip missed.
//
// Messages leave through `send` as SporeMessage values: encoding, authentication and the port are
// the node's business (spore_node.hpp), so this class is testable message by message.

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include <core/env/environment.hpp>
#include <core/spore/compact_fifo.hpp>
#include <core/spore/gossip_queue.hpp>
#include <core/spore/member_index.hpp>
#include <core/spore/membership_config.hpp>
#include <core/spore/spore_messages.hpp>

namespace mycelium::spore {

// The state beside the id so that the struct is 24 bytes, not 32: a member holds one per entry
// of its view, and at a million members every byte per entry is 32 MB.
struct MemberInfo {
  NodeId id;
  MemberState state = MemberState::kAlive;
  std::uint64_t incarnation = 0;
  TimePoint state_since{};
};

// What the membership needs from the node around it.
// Whether a message may carry pending gossip. A note to a suspect does not: the suspect is often
// dead, and each piggybacked update is sent only lambda log N times, so notes sent to it every
// period would spend those transmissions, news of its own death included, on nobody.
enum class Piggybacking : std::uint8_t { kYes, kNo };

struct MembershipHooks {
  // Sends one message (the node encodes and signs it; with kYes it adds gossip of its own too).
  // Required.
  std::function<void(NodeId to, SporeMessage message, Piggybacking piggyback)> send;
  // A member's state changed (joined, suspected, dead, left, alive again). Optional.
  std::function<void(const MemberInfo& member)> member_changed;
  // Bytes a piggybacked update takes on the wire, and what a message takes without gossip
  // (defaults: fixed estimates, for tests that do not encode).
  std::function<std::size_t(const MemberUpdate&)> update_bytes;
  std::function<std::size_t(const SporeMessage&)> message_bytes;
  // The node has gossip of its own waiting (service records): a gossip round is worth sending
  // even when no member news is. Optional.
  std::function<bool()> node_gossip_pending;
};

class Membership {
 public:
  // Starts probing at once; `seeds` are members to join through (a push-pull with each).
  // `known_members` are believed alive already (a restart from a snapshot, or a simulation that
  // starts from a settled network): they enter the table, as far as it has room, without a
  // message.
  Membership(Environment& env, MembershipConfig config, MembershipHooks hooks,
             std::vector<NodeId> seeds, std::vector<NodeId> known_members = {});
  // The same with a configuration that many members share (a simulation keeps one copy, hot in
  // cache, instead of one per member). `config` must not be null.
  Membership(Environment& env, std::shared_ptr<const MembershipConfig> config,
             MembershipHooks hooks, std::vector<NodeId> seeds,
             std::vector<NodeId> known_members = {});
  ~Membership();
  Membership(const Membership&) = delete;
  Membership& operator=(const Membership&) = delete;

  // A message from `from` (already authenticated and decoded by the node).
  void on_message(NodeId from, const SporeMessage& message);
  // Leaves gracefully: gossips kLeft about itself, then stops probing (it still answers pings
  // so the leave can spread). Idempotent.
  void leave();

  // Known members, self included, in no particular order.
  std::vector<MemberInfo> members() const;
  std::optional<MemberInfo> member(NodeId id) const;
  // The latest this member has heard about `id`: its entry, else (partial view) the rumor it
  // relayed and still remembers; nullopt if neither.
  std::optional<MemberInfo> news(NodeId id) const;
  // Members in the table (the view), self excluded; rumors remembered (partial view only).
  std::size_t view_size() const { return entries_.size(); }
  std::size_t rumor_count() const { return rumors_.size(); }
  // N where SWIM needs it (retransmit limit, suspicion timeout): the live members known, or with
  // a partial view at least expected_members.
  std::size_t network_size() const;
  // Alive or suspect members (suspects still count: they may refute), self included.
  std::size_t live_count() const;
  std::uint64_t incarnation() const { return self_.incarnation; }
  // Independent confirmations of our suspicion of `member` (0 when we do not suspect it).
  std::size_t suspicion_confirmations(NodeId member) const;
  std::uint32_t local_health() const { return local_health_; }

  // Updates for the node to piggyback on a message it sends anyway (e.g. service topology
  // gossip uses the remaining room); `budget_bytes` of them at most.
  std::vector<MemberUpdate> take_gossip(std::size_t budget_bytes);
  // The node queued gossip of its own (node_gossip_pending turned true): gossip rounds resume
  // within gossip_interval if they had stopped.
  void gossip_waiting();
  // The retransmit limit for N members: lambda * ceil(log10(N + 1)).
  std::uint32_t retransmit_limit() const;

 private:
  // What only a suspected member needs, apart: few entries are ever suspected, and an entry is
  // 40 bytes instead of 80 without it (measured: the entries were a quarter of the memory per
  // member at a million members, each holding view_members of them).
  struct Suspicion {
    TimePoint since{};
    std::vector<NodeId> confirmations;  // independent suspecters, bounded by indirect_checks
    TimerId timer;
  };
  struct Entry {
    MemberInfo info;
    NodeId reporter;  // who suspected or declared it
    // Present exactly while info.state == kSuspect.
    std::unique_ptr<Suspicion> suspicion;
  };
  // What we last relayed about a member outside a partial view.
  struct Rumor {
    static constexpr std::size_t kMaxConfirmations = 8;
    MemberInfo info;
    NodeId reporter;
    // Independent suspecters relayed (state kSuspect), up to min(indirect_checks, 8): the
    // members whose views hold the suspect count them towards a shorter suspicion (Lifeguard),
    // and they reach those members only through strangers.
    std::array<NodeId, kMaxConfirmations> confirmations{};
    std::uint8_t confirmation_count = 0;
  };
  struct Probe {
    static constexpr std::size_t kMaxNackers = 8;
    NodeId target;
    std::uint32_t sequence = 0;
    bool acked = false;
    std::size_t expected_nacks = 0;
    std::size_t nacks = 0;
    std::array<NodeId, kMaxNackers> nackers{};  // the first min(nacks, kMaxNackers) helpers
    TimerId timeout_timer;
  };
  // A member asked to probe a suspect of ours (MembershipConfig::witness_after_fraction).
  struct Witness {
    NodeId witness;
    NodeId suspect;
    std::uint32_t sequence = 0;
  };
  // Witnesses asked per period, at most (one per suspect): bounds the traffic of a member that
  // suspects many at once, e.g. the far side of a partition.
  static constexpr std::size_t kMaxWitnessesPerPeriod = 8;
  struct IndirectProbe {  // we probe `target` on behalf of `requester`
    NodeId requester;
    std::uint32_t requester_sequence = 0;
    NodeId target;
    TimerId nack_timer;
  };

  void schedule_next_probe(Duration delay);
  // A first delay for a periodic task, uniform in (0, interval] (members start out of phase).
  Duration stagger(Duration interval);
  void push_pull_with_random_member();
  void start_probe();
  void on_probe_timeout();
  void end_probe_period();
  std::optional<NodeId> next_probe_target();
  // Forgets members gone for longer than gone_member_retention (once per probe round).
  void reap_gone_members();
  std::vector<NodeId> random_members(std::size_t count, NodeId exclude_a, NodeId exclude_b);
  void push_pull(NodeId with, bool is_reply);
  void gossip_round();
  bool anything_to_gossip() const;
  void on_ping(NodeId from, const Ping& ping);
  void on_ping_request(NodeId from, const PingRequest& request);
  void on_ack(NodeId from, const Ack& ack);
  void on_nack(NodeId from, const Nack& nack);
  void on_push_pull(NodeId from, const PushPull& push_pull);
  // Scoped suspicions: notes to our suspects run every probe_interval while we suspect any.
  void suspicion_notes_waiting();
  void send_suspicion_notes();
  // Asks one random member to probe `entry` (a suspect of ours), if the suspicion is old enough
  // and short of confirmations.
  void ask_witness(const Entry& entry);
  // True (and forgotten) when `from` is a witness we asked about `target` with `sequence`.
  bool take_witness(NodeId from, std::uint32_t sequence, NodeId target);
  // Applies one update (gossiped, pushed or our own observation); gossips it on when it changed
  // what we know.
  // Where an update came from: gossip (news, relayed when it changes what we know) or a
  // push-pull sample (the partner's state: what it says of strangers is not relayed).
  enum class Origin : std::uint8_t { kGossip, kPushPull };
  // `from`: the member whose message carried it (invalid for our own observations).
  void apply(const MemberUpdate& update, Origin origin = Origin::kGossip, NodeId from = {});
  // A member not in the table: an entry if it fits (room, or in a partial view a random
  // replacement), else, in a partial view, a rumor to relay.
  void apply_unknown(const MemberUpdate& update, Origin origin);
  bool partial_view() const { return config_.view_members > 0; }
  bool scoped_suspicions() const { return partial_view() && config_.scoped_suspicions; }
  // Scoped suspicions: tells a member we suspect so, in a Gossip of its own with nothing
  // piggybacked (Piggybacking).
  void tell_suspect(const Entry& entry);
  // Sends `update` straight to `member`, in a Gossip of its own (an accuser learns we are alive).
  void send_update(NodeId member, const MemberUpdate& update);
  Entry& add_entry(NodeId member, std::uint64_t incarnation, NodeId reporter);
  // Partial view: true when `member` gets a place (a free one, or that of a random alive entry,
  // with probability view_members / network_size so each member ends in about view_members
  // views).
  bool make_room_for(NodeId member);
  // Partial view: `update` answers a suspicion of a member we do not hold, which earns it no
  // place in our view (nor a relay: apply_rumor).
  bool refutation_of_stranger(const MemberUpdate& update, Origin origin) const;
  void remove_entry(std::size_t index);
  void apply_rumor(const MemberUpdate& update, Origin origin);
  // Partial view: whether `update` beats the rumor we hold about its member (or we hold none).
  bool news_to_us(const MemberUpdate& update) const;
  void remember_rumor(const MemberUpdate& update);
  // A suspect rumor we hold, confirmed by one more independent suspecter: true (and recorded)
  // when `update` is that confirmation.
  bool confirms_rumor(const MemberUpdate& update);
  void forget_old_rumors();
  // `accuser`: who said so; with scoped suspicions it hears the refutation directly.
  void refute(std::uint64_t accused_incarnation, NodeId accuser);
  void suspect(Entry& entry, const MemberUpdate& update);
  // `relay`: gossip the confirmation on (a nack-confirmation is ours to count, not news).
  void confirm_suspicion(Entry& entry, NodeId reporter, bool relay = true);
  void schedule_suspicion_timeout(Entry& entry);
  // Cancels the suspicion's timeout, if any (the suspicion itself stays).
  void cancel_suspicion_timer(Entry& entry);
  void on_suspicion_timeout(NodeId member);
  void set_state(Entry& entry, MemberState state, std::uint64_t incarnation, NodeId reporter);
  // Every change of an entry's state goes through here (keeps gone_count_ exact).
  void change_state(Entry& entry, MemberState state);
  void gossip(const MemberUpdate& update);
  void send(NodeId to, SporeMessage message, Piggybacking piggyback = Piggybacking::kYes);
  void adjust_health(int delta);
  Duration scaled(Duration base) const;
  Entry* find(NodeId id);

  Environment& env_;
  std::shared_ptr<const MembershipConfig> config_holder_;
  const MembershipConfig& config_;  // *config_holder_
  MembershipHooks hooks_;
  RandomStream random_;
  MemberInfo self_;
  bool left_ = false;
  std::vector<Entry> entries_;  // other members; index by entry_of_
  MemberIndex entry_of_;
  std::vector<NodeId> probe_order_;
  std::size_t probe_cursor_ = 0;
  std::optional<Probe> probe_;
  std::unordered_map<std::uint32_t, IndirectProbe> indirect_;  // by our own sequence
  std::vector<Witness> witnesses_;  // asked this period, at most kMaxWitnessesPerPeriod
  std::uint32_t next_sequence_ = 1;
  std::uint32_t local_health_ = 0;
  std::size_t gone_count_ = 0;  // entries dead or left: live_count() without a scan
  std::unordered_map<NodeId, Rumor> rumors_;
  // Rumors in the order they were last changed, with that time; an element whose time differs
  // from its rumor's is stale (the rumor changed since) and is skipped.
  CompactFifo<std::pair<NodeId, TimePoint>> rumor_order_;
  GossipQueue<NodeId, MemberUpdate> gossip_;
  TimerId probe_timer_;
  TimerId push_pull_timer_;
  TimerId gossip_timer_;
  TimerId notes_timer_;  // scoped suspicions: tells our suspects, while there are any
  // Probed before the walk goes on: a member whose death we heard at an older incarnation.
  std::optional<NodeId> priority_probe_;
  std::vector<NodeId> seeds_;  // asked again while we know no live member (start_probe)
  std::size_t join_attempts_ = 0;
};

}  // namespace mycelium::spore
