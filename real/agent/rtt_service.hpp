#pragma once
// Round trips from this agent to its peers, on request (admin API), for choices made outside the
// agent: `mycelium vm deploy` chooses backups by latency with them. Every agent answers probes
// (the core's RttResponder, always on); this one probes when asked:
//   POST /rtt?targets=2%2C3   202: starts the core's RttProbe (5 pings each, 20 ms apart, 1 s for
//                             the last answers); 409 while one runs or while this agent's VM
//                             primary owns probing; 400 for a bad query or a target that is not
//                             a peer
//   GET /rtt                  the last measurement: {"state": "idle" | "probing" | "done",
//                             "results": [{"node", "rtt_ms" (null: no answer), "answers"}]}

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include <core/placement/rtt_probe.hpp>
#include <real/agent/admin_server.hpp>
#include <real/agent/agent_config.hpp>
#include <real/env/asio_environment.hpp>

namespace mycelium::real {

class RttService {
 public:
  // Probes only `config`'s peers (it must outlive the service). `busy()`: why probing is not
  // possible now (another part of the agent probes), or empty.
  RttService(AsioEnvironment& env, const AgentConfig& config, std::function<std::string()> busy);
  ~RttService();
  RttService(const RttService&) = delete;
  RttService& operator=(const RttService&) = delete;

  HttpResponse start(std::string_view query);
  HttpResponse last() const;

 private:
  static constexpr std::size_t kMaxTargets = 64;

  AsioEnvironment& env_;
  const AgentConfig& config_;
  std::function<std::string()> busy_;
  placement::RttResponder responder_;
  std::unique_ptr<placement::RttProbe> probe_;
  TimerId release_timer_;  // destroys the finished probe, outside its own callback
  bool probing_ = false;
  bool done_ = false;
  std::vector<placement::RttMeasurement> results_;
};

}  // namespace mycelium::real
