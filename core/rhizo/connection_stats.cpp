#include <algorithm>
#include <chrono>

#include <core/assert.hpp>
#include <core/rhizo/connection_stats.hpp>

namespace mycelium::rhizo {

void ConnectionStats::on_sent(std::uint64_t bytes) {
  outstanding_bytes_ += bytes;
  ++outstanding_chunks_;
}

void ConnectionStats::on_acked(const MeterConfig& config, std::uint64_t bytes, Duration ack_time,
                               bool first_transmission) {
  settle_outstanding(bytes);
  consecutive_timeouts_ = 0;
  reliability_ += config.reliability_smoothing * (1.0 - reliability_);
  // Karn; and a non-positive ack time is a caller's clock mix-up, not a measurement.
  if (!first_transmission || ack_time <= Duration::zero()) return;
  min_ack_time_ = min_ack_time_ ? std::min(*min_ack_time_, ack_time) : ack_time;
  if (bytes <= config.small_chunk_bytes) {
    add_rtt_sample(ack_time);
    return;
  }
  const double sample = static_cast<double>(bytes) / to_seconds(ack_time);
  // The first sample replaces the prior outright: the prior was a guess, the sample is not.
  throughput_bytes_per_s_ = throughput_bytes_per_s_
                                ? *throughput_bytes_per_s_ + config.throughput_smoothing *
                                                                 (sample - *throughput_bytes_per_s_)
                                : sample;
  ++throughput_samples_;
}

void ConnectionStats::on_timeout(const MeterConfig& config, std::uint64_t bytes) {
  settle_outstanding(bytes);
  ++consecutive_timeouts_;
  reliability_ -= config.reliability_smoothing * reliability_;
  MYCELIUM_ASSERT(reliability_ >= 0.0 && reliability_ <= 1.0);
}

void ConnectionStats::clear_outstanding() {
  outstanding_bytes_ = 0;
  outstanding_chunks_ = 0;
}

std::optional<Duration> ConnectionStats::latency() const {
  return smoothed_rtt_ ? smoothed_rtt_ : min_ack_time_;
}

void ConnectionStats::settle_outstanding(std::uint64_t bytes) {
  // Saturating on purpose: after a failure the outstanding counts were cleared, and the chunks
  // sent before it may still be acknowledged or time out later. Those late events must not
  // underflow the counts of the connection's next life.
  outstanding_bytes_ -= std::min(outstanding_bytes_, bytes);
  if (outstanding_chunks_ > 0) --outstanding_chunks_;
}

void ConnectionStats::add_rtt_sample(Duration sample) {
  // RFC 6298 section 2, in integer nanoseconds so a replay gives the same numbers everywhere:
  // first sample R: SRTT = R, RTTVAR = R/2; then RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R| and
  // SRTT = 7/8 SRTT + 1/8 R (RTTVAR first, from the old SRTT, as the RFC orders it).
  if (!smoothed_rtt_) {
    smoothed_rtt_ = sample;
    rtt_variation_ = sample / 2;
  } else {
    const Duration error =
        *smoothed_rtt_ > sample ? *smoothed_rtt_ - sample : sample - *smoothed_rtt_;
    rtt_variation_ = (3 * *rtt_variation_ + error) / 4;
    smoothed_rtt_ = (7 * *smoothed_rtt_ + sample) / 8;
  }
  ++rtt_samples_;
}

}  // namespace mycelium::rhizo
