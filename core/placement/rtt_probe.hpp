#pragma once
// Measures round-trip times to other nodes before a deployment chooses its backups and latency
// profile: `probes_per_target` small pings to every target, `probe_interval` apart, each answered
// by the target's RttResponder. A target's RTT is the smallest answer: delays only ever add to
// the path's own round trip (queueing, or a busy host that reads the answer late: a myceliumd
// primary scanning its guest's memory on the same thread measured medians above 2 ms on
// loopback, minimums of 0.1-0.2 ms), so the smallest of several is the closest to what backup
// selection and latency profiles are about. A target that never answers is reported
// unreachable. Sans-IO: everything goes through the Environment, so the same probe runs in the
// simulator and in the real runtime.
//
// Wire: u8 version (=1) | u8 type (1 ping, 2 pong) | u32 sequence | v sent_at_ns (echoed).

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include <core/env/environment.hpp>

namespace mycelium::placement {

// Pings go to the target's kRttProbePort (its RttResponder), answers to the prober's
// kRttProbeReplyPort: a node can answer others' probes and run its own at the same time.
inline constexpr Port kRttProbePort{7102};
inline constexpr Port kRttProbeReplyPort{7103};

struct RttProbeConfig {
  std::vector<NodeId> targets;
  std::uint32_t probes_per_target = 5;
  Duration probe_interval = std::chrono::milliseconds(20);
  Duration answer_timeout = std::chrono::seconds(1);  // after the last probe
};

struct RttMeasurement {
  NodeId target;
  std::optional<Duration> rtt;  // smallest answer; empty: the target never answered
  std::uint32_t answers = 0;
};

// Answers pings on every node that may be probed.
class RttResponder {
 public:
  explicit RttResponder(Environment& env);
  ~RttResponder();
  RttResponder(const RttResponder&) = delete;
  RttResponder& operator=(const RttResponder&) = delete;

 private:
  Environment& env_;
};

class RttProbe {
 public:
  using Done = std::function<void(const std::vector<RttMeasurement>& measurements)>;

  // Starts probing at once; `done` is called once, with one measurement per target in order.
  // One probe at a time per node (each binds kRttProbeReplyPort); an RttResponder may run beside.
  RttProbe(Environment& env, RttProbeConfig config, Done done);
  ~RttProbe();
  RttProbe(const RttProbe&) = delete;
  RttProbe& operator=(const RttProbe&) = delete;

 private:
  void send_round();
  void on_message(const Message& message);
  void finish();

  Environment& env_;
  RttProbeConfig config_;
  Done done_;
  std::uint32_t rounds_sent_ = 0;
  std::map<NodeId, std::vector<Duration>> answers_;
  std::vector<TimerId> timers_;
  bool finished_ = false;
};

// The codec, exposed for the fuzz target and tests.
struct ProbeMessage {
  bool pong = false;
  std::uint32_t sequence = 0;
  TimePoint sent_at{};
  bool operator==(const ProbeMessage&) const = default;
};
std::vector<std::uint8_t> encode(const ProbeMessage& message);
std::optional<ProbeMessage> decode_probe_message(std::span<const std::uint8_t> bytes);

}  // namespace mycelium::placement
