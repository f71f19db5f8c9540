#pragma once
// The rhizomorph connections from one primary to one backup (DESIGN.md, "Rhizomorph
// connections"): `target_count` parallel connections, each measured from the chunk events the
// primary feeds in, each epoch split across the usable ones by the configured load-balancing
// policy, failed connections removed from the split and reconnected with exponential backoff.
// Sans-IO: time comes in as arguments, nothing is sent; docs/rhizomorph.md has the full model.
//
// Health, per connection:
//   live      carries its policy share.
//   degraded  live, but reliability < degraded_reliability or measured throughput below
//             degraded_throughput_fraction x the median of the usable measured connections (itself
//             included). Derived from the numbers on every query (never stale); it gets
//             less through the weights, by degraded_weight_factor under the static-weight
//             policies.
//   failed    after failure_timeouts consecutive timeouts, or fail(): no share, outstanding
//             forgotten (the primary resends those chunks elsewhere), reconnection due at
//             reconnect_at(c) = failure time + reconnect_delay(n-th consecutive failure).
// A failed connection comes back through on_reconnect_attempt(c, now, true) (a backend that
// really dials) or poll(now) (which treats every due attempt as a success: the simulated
// connections have nothing to dial). It returns live with its measurements reset, so the
// policies give it the median prior. Its failure count, which drives the backoff, resets only
// when it next carries an acknowledgement: a connection that flaps backs off further each time.
//
// Contract with the caller: every on_acked/on_timeout answers an earlier on_sent on the same
// connection (late answers after a failure are tolerated), and nothing is sent on a failed
// connection (asserted).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <core/env/random_stream.hpp>
#include <core/env/time.hpp>
#include <core/manifest/endophyte_vm.hpp>
#include <core/rhizo/connection_stats.hpp>
#include <core/rhizo/load_balancing.hpp>
#include <core/rhizo/reconnect_backoff.hpp>

namespace mycelium::rhizo {

inline constexpr std::uint32_t kMaxConnections = 64;

enum class Health { kLive, kDegraded, kFailed };
const char* health_name(Health health);

struct ConnectionSetConfig {
  std::uint32_t target_count = 2;  // in [1, kMaxConnections]
  manifest::LoadBalancing load_balancing = manifest::LoadBalancing::kAdaptiveBandwidth;
  // weighted-round-robin and least-connections: one positive weight per connection; empty
  // means all equal.
  std::vector<double> static_weights;
  std::uint32_t failure_timeouts = 3;          // K consecutive timeouts make a failure
  double degraded_reliability = 0.7;           // below: degraded
  double degraded_throughput_fraction = 0.25;  // below this x the set's median: degraded
  MeterConfig meter;
  WeightConfig weights;
  BackoffConfig backoff;
};

// The defaults, with the manifest's connection count and policy.
ConnectionSetConfig connection_set_config(const manifest::RhizomorphConfig& manifest);

// Why a configuration cannot run; empty when it can.
std::string validate(const ConnectionSetConfig& config);

// One connection's part of an epoch.
struct Share {
  std::uint32_t connection = 0;
  std::uint64_t pages = 0;

  bool operator==(const Share&) const = default;
};

class ConnectionSet {
 public:
  // `jitter`: the stream the backoff jitter draws from; none, no jitter (exact delays).
  explicit ConnectionSet(ConnectionSetConfig config,
                         std::optional<RandomStream> jitter = std::nullopt);

  // --- Measurement: the primary's chunk events. `connection` < size().
  void on_sent(std::uint32_t connection, std::uint64_t bytes, TimePoint now);
  // A chunk of `bytes` sent at `sent_at` was acknowledged at `now`. Only a first transmission
  // is measured (Karn); any acknowledgement counts for reliability and clears the timeout run.
  void on_acked(std::uint32_t connection, std::uint64_t bytes, TimePoint sent_at, TimePoint now,
                bool first_transmission);
  // A chunk of `bytes` was not acknowledged in time (the primary will resend it). The
  // failure_timeouts-th in a row fails the connection.
  void on_timeout(std::uint32_t connection, std::uint64_t bytes, TimePoint now);
  // The backend reports the connection closed. No-op on a failed connection.
  void fail(std::uint32_t connection, TimePoint now);

  // --- Reconnection.
  // The earliest reconnect_at among failed connections (to schedule a timer); empty if none.
  std::optional<TimePoint> next_reconnect_at() const;
  // Failed connections whose reconnection is due at `now`, by index.
  std::vector<std::uint32_t> due_reconnects(TimePoint now) const;
  // The outcome of dialling a failed connection: success revives it; failure backs off again.
  void on_reconnect_attempt(std::uint32_t connection, TimePoint now, bool succeeded);
  // Revives every due connection (a successful attempt each); returns them, by index.
  std::vector<std::uint32_t> poll(TimePoint now);

  // --- Splitting.
  // The shares of an epoch of `page_count` pages (<= kMaxPagesPerSplit): by connection index,
  // usable connections only, no zero shares, pages summing exactly to page_count. An empty
  // epoch gives one empty share on best() (the heartbeat). Empty when all connections failed.
  // Not const: weighted-round-robin rotates its tie-break start on every call.
  std::vector<Share> split(std::uint64_t page_count, std::uint64_t page_size_bytes);
  // The connection the policy prefers right now (heartbeats, a resent chunk): highest weight,
  // or for least-connections lowest outstanding bytes per weight; ties to the lower index.
  std::optional<std::uint32_t> best() const;
  // The policy weights split() would use now; 0 for failed connections.
  std::vector<double> weights() const;

  // --- Queries.
  std::uint32_t size() const { return static_cast<std::uint32_t>(connections_.size()); }
  Health health(std::uint32_t connection) const;
  bool usable(std::uint32_t connection) const;  // not failed
  std::uint32_t usable_count() const;
  bool all_failed() const { return usable_count() == 0; }
  const ConnectionStats& stats(std::uint32_t connection) const;
  std::optional<TimePoint> reconnect_at(std::uint32_t connection) const;
  // Consecutive failures since the connection last carried an acknowledgement.
  std::uint32_t failures(std::uint32_t connection) const;
  const ConnectionSetConfig& config() const { return config_; }

 private:
  struct Connection {
    ConnectionStats stats;
    bool failed = false;
    TimePoint reconnect_at{};  // meaningful while failed
    std::uint32_t failures = 0;
    TimePoint revived_at{};  // acks of chunks sent before this are from a previous life
  };

  std::vector<Candidate> candidates() const;
  bool degraded(std::uint32_t connection, const Priors& priors) const;
  void schedule_reconnect(Connection& connection, TimePoint now);
  Connection& at(std::uint32_t connection);
  const Connection& at(std::uint32_t connection) const;

  ConnectionSetConfig config_;
  std::optional<RandomStream> jitter_;
  std::vector<Connection> connections_;
  std::uint64_t epochs_split_ = 0;  // weighted-round-robin's rotation
};

}  // namespace mycelium::rhizo
