#include <algorithm>
#include <cmath>

#include <core/assert.hpp>
#include <core/rhizo/apportion.hpp>
#include <core/rhizo/connection_set.hpp>

namespace mycelium::rhizo {

using manifest::LoadBalancing;

const char* health_name(Health health) {
  switch (health) {
    case Health::kLive:
      return "live";
    case Health::kDegraded:
      return "degraded";
    case Health::kFailed:
      return "failed";
  }
  return "?";
}

ConnectionSetConfig connection_set_config(const manifest::RhizomorphConfig& manifest) {
  ConnectionSetConfig config;
  config.target_count = manifest.target_count;
  config.load_balancing = manifest.load_balancing;
  return config;
}

std::string validate(const ConnectionSetConfig& config) {
  if (config.target_count < 1 || config.target_count > kMaxConnections)
    return "target_count must be in [1, 64]";
  if (!config.static_weights.empty()) {
    if (config.static_weights.size() != config.target_count)
      return "static_weights must be empty or have one weight per connection";
    for (double weight : config.static_weights) {
      if (!(weight > 0.0) || !std::isfinite(weight)) return "static weights must be positive";
    }
  }
  if (config.failure_timeouts < 1) return "failure_timeouts must be at least 1";
  if (!(config.degraded_reliability >= 0.0 && config.degraded_reliability <= 1.0))
    return "degraded_reliability must be in [0, 1]";
  if (!(config.degraded_throughput_fraction >= 0.0 && config.degraded_throughput_fraction < 1.0))
    return "degraded_throughput_fraction must be in [0, 1)";
  if (!(config.meter.throughput_smoothing > 0.0 && config.meter.throughput_smoothing <= 1.0) ||
      !(config.meter.reliability_smoothing > 0.0 && config.meter.reliability_smoothing <= 1.0))
    return "smoothing factors must be in (0, 1]";
  if (!(config.weights.min_weight_fraction > 0.0 && config.weights.min_weight_fraction <= 1.0))
    return "min_weight_fraction must be in (0, 1]";
  if (!(config.weights.degraded_weight_factor > 0.0 &&
        config.weights.degraded_weight_factor <= 1.0))
    return "degraded_weight_factor must be in (0, 1]";
  if (config.backoff.initial <= Duration::zero() || config.backoff.cap < config.backoff.initial)
    return "reconnect backoff needs 0 < initial <= cap";
  if (!(config.backoff.jitter_fraction >= 0.0 && config.backoff.jitter_fraction < 1.0))
    return "jitter_fraction must be in [0, 1)";
  return "";
}

ConnectionSet::ConnectionSet(ConnectionSetConfig config, std::optional<RandomStream> jitter)
    : config_(std::move(config)), jitter_(std::move(jitter)) {
  MYCELIUM_ASSERT(validate(config_).empty());
  if (config_.static_weights.empty()) config_.static_weights.assign(config_.target_count, 1.0);
  connections_.resize(config_.target_count);
}

// ---------------------------------------------------------------------------------------------
// Measurement

void ConnectionSet::on_sent(std::uint32_t connection, std::uint64_t bytes, TimePoint /*now*/) {
  Connection& c = at(connection);
  MYCELIUM_ASSERT(!c.failed);  // a failed connection carries nothing
  c.stats.on_sent(bytes);
}

void ConnectionSet::on_acked(std::uint32_t connection, std::uint64_t bytes, TimePoint sent_at,
                             TimePoint now, bool first_transmission) {
  Connection& c = at(connection);
  // A late answer to a chunk sent before the connection failed belongs to its previous life:
  // its outstanding bytes were already forgotten, and its timing describes a connection that
  // no longer exists. Only a reconnection revives a failed connection.
  if (c.failed || sent_at < c.revived_at) return;
  c.stats.on_acked(config_.meter, bytes, now - sent_at, first_transmission);
  c.failures = 0;  // it carried data: the next failure backs off from the start again
}

void ConnectionSet::on_timeout(std::uint32_t connection, std::uint64_t bytes, TimePoint now) {
  Connection& c = at(connection);
  if (c.failed) return;  // already counted as failed; outstanding already forgotten
  c.stats.on_timeout(config_.meter, bytes);
  if (c.stats.consecutive_timeouts() >= config_.failure_timeouts) fail(connection, now);
}

void ConnectionSet::fail(std::uint32_t connection, TimePoint now) {
  Connection& c = at(connection);
  if (c.failed) return;  // one failure, however many ways it is reported
  c.failed = true;
  c.stats.clear_outstanding();
  ++c.failures;
  schedule_reconnect(c, now);
}

// ---------------------------------------------------------------------------------------------
// Reconnection

std::optional<TimePoint> ConnectionSet::next_reconnect_at() const {
  std::optional<TimePoint> next;
  for (const Connection& c : connections_) {
    if (c.failed && (!next || c.reconnect_at < *next)) next = c.reconnect_at;
  }
  return next;
}

std::vector<std::uint32_t> ConnectionSet::due_reconnects(TimePoint now) const {
  std::vector<std::uint32_t> due;
  for (std::uint32_t i = 0; i < size(); ++i) {
    if (connections_[i].failed && connections_[i].reconnect_at <= now) due.push_back(i);
  }
  return due;
}

void ConnectionSet::on_reconnect_attempt(std::uint32_t connection, TimePoint now, bool succeeded) {
  Connection& c = at(connection);
  MYCELIUM_ASSERT(c.failed);
  if (!succeeded) {
    ++c.failures;
    schedule_reconnect(c, now);
    return;
  }
  // Back with a clean slate: old numbers describe a connection that no longer exists, and the
  // median prior gives it a fair share to be measured on.
  c.failed = false;
  c.stats = ConnectionStats{};
  c.revived_at = now;
}

std::vector<std::uint32_t> ConnectionSet::poll(TimePoint now) {
  std::vector<std::uint32_t> revived = due_reconnects(now);
  for (std::uint32_t connection : revived)
    on_reconnect_attempt(connection, now, true);
  return revived;
}

void ConnectionSet::schedule_reconnect(Connection& connection, TimePoint now) {
  connection.reconnect_at =
      now + reconnect_delay(config_.backoff, connection.failures, jitter_ ? &*jitter_ : nullptr);
}

// ---------------------------------------------------------------------------------------------
// Splitting

std::vector<Share> ConnectionSet::split(std::uint64_t page_count, std::uint64_t page_size_bytes) {
  MYCELIUM_ASSERT(page_count <= kMaxPagesPerSplit && page_size_bytes > 0);
  const std::uint64_t epoch = epochs_split_++;
  std::vector<Share> shares;
  if (all_failed()) return shares;
  if (page_count == 0) {
    shares.push_back(Share{*best(), 0});
    return shares;
  }

  const std::vector<double> w = weights();
  std::vector<std::uint64_t> pages;
  if (config_.load_balancing == LoadBalancing::kLeastConnections) {
    std::vector<std::uint64_t> outstanding;
    for (const Connection& c : connections_)
      outstanding.push_back(c.stats.outstanding_bytes());
    pages = water_fill(outstanding, w, page_count, page_size_bytes);
  } else {
    // Equal remainders go first to the epoch's starting connection, which only
    // weighted-round-robin rotates (over the usable ones, so a failure does not skew it).
    std::size_t first = 0;
    if (config_.load_balancing == LoadBalancing::kWeightedRoundRobin) {
      std::uint64_t skip = epoch % usable_count();
      for (first = 0; first < size(); ++first) {
        if (usable(static_cast<std::uint32_t>(first)) && skip-- == 0) break;
      }
    }
    pages = apportion(w, page_count, first);
  }

  std::uint64_t total = 0;
  for (std::uint32_t i = 0; i < size(); ++i) {
    if (pages[i] == 0) continue;
    MYCELIUM_ASSERT(usable(i));
    shares.push_back(Share{i, pages[i]});
    total += pages[i];
  }
  MYCELIUM_ASSERT(total == page_count);
  return shares;
}

std::optional<std::uint32_t> ConnectionSet::best() const {
  const std::vector<double> w = weights();
  std::optional<std::uint32_t> best;
  double best_score = 0.0;
  for (std::uint32_t i = 0; i < size(); ++i) {
    if (!usable(i)) continue;
    // Higher is better: the weight, or for least-connections minus the level it drains from.
    const double score =
        config_.load_balancing == LoadBalancing::kLeastConnections
            ? -static_cast<double>(connections_[i].stats.outstanding_bytes()) / w[i]
            : w[i];
    if (!best || score > best_score) {
      best = i;
      best_score = score;
    }
  }
  return best;
}

std::vector<double> ConnectionSet::weights() const {
  return balancing_weights(config_.load_balancing, candidates(), config_.weights);
}

std::vector<Candidate> ConnectionSet::candidates() const {
  std::vector<Candidate> result;
  result.reserve(connections_.size());
  for (std::uint32_t i = 0; i < size(); ++i) {
    const Connection& c = connections_[i];
    result.push_back(Candidate{c.failed ? nullptr : &c.stats, config_.static_weights[i], false});
  }
  const Priors priors = median_priors(config_.load_balancing, result);
  for (std::uint32_t i = 0; i < size(); ++i) {
    if (result[i].stats != nullptr) result[i].degraded = degraded(i, priors);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Queries

bool ConnectionSet::degraded(std::uint32_t connection, const Priors& priors) const {
  const ConnectionStats& stats = at(connection).stats;
  if (stats.reliability() < config_.degraded_reliability) return true;
  const std::optional<double> throughput = stats.throughput_bytes_per_s();
  return throughput && priors.throughput_bytes_per_s &&
         *throughput < config_.degraded_throughput_fraction * *priors.throughput_bytes_per_s;
}

Health ConnectionSet::health(std::uint32_t connection) const {
  if (at(connection).failed) return Health::kFailed;
  return candidates()[connection].degraded ? Health::kDegraded : Health::kLive;
}

bool ConnectionSet::usable(std::uint32_t connection) const {
  return !at(connection).failed;
}

std::uint32_t ConnectionSet::usable_count() const {
  return static_cast<std::uint32_t>(std::count_if(connections_.begin(), connections_.end(),
                                                  [](const Connection& c) { return !c.failed; }));
}

const ConnectionStats& ConnectionSet::stats(std::uint32_t connection) const {
  return at(connection).stats;
}

std::optional<TimePoint> ConnectionSet::reconnect_at(std::uint32_t connection) const {
  const Connection& c = at(connection);
  if (!c.failed) return std::nullopt;
  return c.reconnect_at;
}

std::uint32_t ConnectionSet::failures(std::uint32_t connection) const {
  return at(connection).failures;
}

ConnectionSet::Connection& ConnectionSet::at(std::uint32_t connection) {
  MYCELIUM_ASSERT(connection < connections_.size());
  return connections_[connection];
}

const ConnectionSet::Connection& ConnectionSet::at(std::uint32_t connection) const {
  MYCELIUM_ASSERT(connection < connections_.size());
  return connections_[connection];
}

}  // namespace mycelium::rhizo
