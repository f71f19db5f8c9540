#pragma once
// Master-slave's master selection by lease (issue 8, item 5; docs/distribution.md): at most one
// master per lease term, and at most one master at any instant while the nodes' clocks run at the
// same rate. Sans-IO.
//
//  * A node that has heard of no master (and given no grant) for lease_duration plus a random part
//    of `election_timeout` (so candidates rarely collide) becomes a candidate: a term above every
//    term it has seen, and a lease request to every member (and itself).
//  * A member *promises* a candidate a term: it grants a request only for a term above its last
//    promise, or the same term to the same holder (a renewal), and while the grant it gave runs
//    (`lease_duration` from when it gave it, on its own clock) it grants no one else, whatever
//    the term. Otherwise it refuses, saying the term it promised.
//  * With grants from a majority the candidate is master, from the moment it sent its request
//    until that moment + lease_duration - `safety_margin`: every grant it counts was given after
//    the request left, so each granter stays bound past the master's end. Two majorities meet, so
//    two masters at once would need one member bound to both: impossible; and a member promises a
//    term once, so a term has at most one master.
//  * The master renews every `renew_interval`; its requests say it holds a lease, which keeps the
//    others from starting elections (a candidate that hears one gives up, as it does on a request
//    for a higher term). A refusal tells the master of a higher promise: its next renewal bids a
//    new, higher term. A master whose renewals fail steps down when its lease ends.
// The members are a fixed list here; in a deployment they come from the Service Spores' view.
// Every message is sealed under the network's key as the spore's are (sealed_datagram.hpp): only
// members of the network can ask for, grant or refuse a lease, and none can replay one.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <vector>

#include <core/env/environment.hpp>
#include <core/spore/sealed_datagram.hpp>
#include <core/spore/spore_auth.hpp>

namespace mycelium::distribution {

inline constexpr Port kLeasePort{7320};

// The body of a sealed datagram: u8 version (=1) | u8 type | varint term | varint attempt | u8
// holder (requests only, 0 or 1). decode_lease_message() checks everything and returns nullopt
// for anything else.
enum class LeaseMessageType : std::uint8_t { kRequest = 1, kGrant = 2, kRefuse = 3 };
struct LeaseMessage {
  LeaseMessageType type = LeaseMessageType::kRequest;
  std::uint64_t term = 0;     // requested, granted, or (refuse) the term the member promised
  std::uint64_t attempt = 0;  // the candidate's request number, echoed in the answer
  bool holder = false;        // request: the sender holds a lease (a renewal)
  constexpr auto operator<=>(const LeaseMessage&) const = default;
};
std::vector<std::uint8_t> encode(const LeaseMessage& message);
std::optional<LeaseMessage> decode_lease_message(std::span<const std::uint8_t> bytes);

struct LeaseConfig {
  std::vector<NodeId> members;  // this node among them
  Duration lease_duration = std::chrono::seconds(2);
  Duration safety_margin = std::chrono::milliseconds(100);   // < lease_duration
  Duration renew_interval = std::chrono::milliseconds(500);  // < lease_duration - margin
  Duration election_timeout = std::chrono::seconds(1);       // the random part of the wait
  // The network's key and id (spore_auth.hpp) that seal every lease message. Required.
  std::shared_ptr<const spore::Authenticator> authenticator;
  std::uint64_t network_id = 0;
  // The first sealed sequence, as the spore's (spore_auth.hpp, first_sequence): 0 takes the
  // Environment's clock in ns; the real runtime sets the system clock's ns at start.
  std::uint64_t first_sequence = 0;
};

class LeaseElection {
 public:
  // Told when this node becomes master (term) or stops being one.
  using OnChange = std::function<void(bool master, std::uint64_t term)>;

  LeaseElection(Environment& env, LeaseConfig config, OnChange on_change = {});
  ~LeaseElection();
  LeaseElection(const LeaseElection&) = delete;
  LeaseElection& operator=(const LeaseElection&) = delete;

  // This node holds a lease that has not ended (now() before its end).
  bool is_master() const;
  // The term this node is master of (or last tried to be).
  std::uint64_t term() const { return my_term_; }
  // The member this node's last grant still binds it to (the master it backs, itself included),
  // or none once that grant has run out: who the master is, as far as this node can vouch.
  std::optional<NodeId> backed_master() const;
  std::optional<TimePoint> lease_end() const { return lease_end_; }

 private:
  void on_message(const Message& message);
  void on_request(NodeId from, std::uint64_t term, std::uint64_t attempt, bool holder);
  void on_grant(NodeId from, std::uint64_t term, std::uint64_t attempt);
  void on_refuse(std::uint64_t promised_term);
  void on_tick();
  void start_election();
  void request_lease();
  void step_down();
  bool may_grant(NodeId candidate, std::uint64_t term) const;
  Duration draw_election_wait();
  void send(NodeId to, const LeaseMessage& message);

  Environment& env_;
  LeaseConfig config_;
  OnChange on_change_;
  TimerId tick_timer_;
  spore::ReplayWindow replay_window_;  // one window per member
  std::uint64_t next_sequence_;        // of this node's sealed messages

  std::uint64_t term_ = 0;     // the highest term seen
  std::uint64_t my_term_ = 0;  // the term this node stands (or stood) for
  // The last grant this node gave: the term promised, to whom, and until when it binds.
  std::optional<NodeId> promised_to_;
  std::uint64_t promised_term_ = 0;
  TimePoint bound_until_{};
  bool rebid_ = false;  // master: a member promised a higher term; renew with a new one
  // Candidate or master: the current request and the grants it has.
  bool candidate_ = false;
  std::uint64_t attempt_ = 0;
  TimePoint attempt_sent_at_{};
  std::set<NodeId> grants_;
  std::optional<TimePoint> lease_end_;  // set while master
  TimePoint last_heard_master_{};       // a renewal request from a master, or a grant we gave
  Duration election_wait_{};
  TimePoint next_renewal_{};
};

}  // namespace mycelium::distribution
