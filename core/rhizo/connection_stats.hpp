#pragma once
// What the primary has measured about one rhizomorph connection, from the events it feeds in.
// Pure bookkeeping: no policy, no health decision (ConnectionSet makes those from these numbers).
//
//   throughput   EWMA of bytes / (ack time - send time) over first transmissions of chunks
//                larger than `small_chunk_bytes` (Karn: a retransmitted chunk's ack cannot be
//                matched to one send; a small chunk's ack time is mostly round trip, so it would
//                report a bandwidth the connection does not have).
//   round trip   SRTT/RTTVAR as TCP (RFC 6298) from first transmissions of small chunks (an
//                empty heartbeat chunk is the purest sample), plus the minimum ack time of any
//                first transmission as a fallback when no small chunk was ever acknowledged.
//   reliability  EWMA of 1 per acknowledgement and 0 per timeout, in [0, 1].
//   outstanding  bytes and chunks sent and neither acknowledged nor timed out.

#include <cstdint>
#include <optional>

#include <core/env/time.hpp>

namespace mycelium::rhizo {

struct MeterConfig {
  double throughput_smoothing = 0.3;       // EWMA weight of a new sample, in (0, 1]
  double reliability_smoothing = 0.125;    // ditto; 1/8 so that one timeout costs 12.5%
  std::uint64_t small_chunk_bytes = 8192;  // at most this many bytes: a round-trip sample
};

class ConnectionStats {
 public:
  ConnectionStats() = default;

  void on_sent(std::uint64_t bytes);
  // `first_transmission` false: the chunk was sent more than once (Karn), so only the
  // outstanding counts and reliability learn from it.
  void on_acked(const MeterConfig& config, std::uint64_t bytes, Duration ack_time,
                bool first_transmission);
  void on_timeout(const MeterConfig& config, std::uint64_t bytes);
  // Forget the outstanding chunks (the connection failed; the primary resends them elsewhere).
  void clear_outstanding();

  // Empty until the first sample: the caller chooses the prior (ConnectionSet uses the median
  // of the other connections, so a fresh connection starts level with them).
  std::optional<double> throughput_bytes_per_s() const { return throughput_bytes_per_s_; }
  std::optional<Duration> smoothed_rtt() const { return smoothed_rtt_; }
  std::optional<Duration> rtt_variation() const { return rtt_variation_; }
  std::optional<Duration> min_ack_time() const { return min_ack_time_; }
  // The latency estimate the policies use: SRTT when small chunks were acknowledged, else the
  // minimum ack time of any chunk (an upper bound on the round trip), else empty.
  std::optional<Duration> latency() const;
  double reliability() const { return reliability_; }
  std::uint64_t outstanding_bytes() const { return outstanding_bytes_; }
  std::uint32_t outstanding_chunks() const { return outstanding_chunks_; }
  std::uint32_t consecutive_timeouts() const { return consecutive_timeouts_; }
  std::uint64_t throughput_samples() const { return throughput_samples_; }
  std::uint64_t rtt_samples() const { return rtt_samples_; }

 private:
  void settle_outstanding(std::uint64_t bytes);
  void add_rtt_sample(Duration sample);

  std::optional<double> throughput_bytes_per_s_;
  std::optional<Duration> smoothed_rtt_;
  std::optional<Duration> rtt_variation_;
  std::optional<Duration> min_ack_time_;
  double reliability_ = 1.0;
  std::uint64_t outstanding_bytes_ = 0;
  std::uint32_t outstanding_chunks_ = 0;
  std::uint32_t consecutive_timeouts_ = 0;
  std::uint64_t throughput_samples_ = 0;
  std::uint64_t rtt_samples_ = 0;
};

}  // namespace mycelium::rhizo
