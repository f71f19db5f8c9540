#pragma once
// A client of the lock-step prototype (lockstep_replica.hpp): a closed loop that submits one
// input at a time to every replica (only the sequencer acts on it), waits for the answer, and
// submits the next one `think_time` later. An input not answered within `retry_timeout` is sent
// again, the same input with the same sequence number: after a sequencer crash the next one
// orders it, and a retry of an input already applied is answered, not applied again. Each
// answer's latency (submit to answer, retries included) is reported.

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include <core/env/environment.hpp>
#include <core/ssi/lockstep_messages.hpp>

namespace mycelium::ssi {

struct LockstepClientConfig {
  std::vector<NodeId> replicas;
  Duration think_time{};  // between an answer and the next submit
  Duration retry_timeout = std::chrono::milliseconds(500);
  std::uint64_t max_inputs = 0;  // stop after this many answers; 0: never
};

struct LockstepAnswer {
  std::uint64_t client_seq = 0;
  std::uint64_t value = 0;
  std::uint64_t step = 0;
  Duration latency{};
  std::uint32_t retries = 0;
};

class LockstepClient {
 public:
  using OnAnswer = std::function<void(const LockstepAnswer&)>;

  LockstepClient(Environment& env, LockstepClientConfig config, OnAnswer on_answer = {});
  ~LockstepClient();
  LockstepClient(const LockstepClient&) = delete;
  LockstepClient& operator=(const LockstepClient&) = delete;

  // Submits the first input (now, as a later event).
  void start();

 private:
  void submit_next();
  void send_outstanding();
  void on_message(const Message& message);

  Environment& env_;
  LockstepClientConfig config_;
  OnAnswer on_answer_;
  std::uint64_t next_seq_ = 1;
  std::uint64_t answered_ = 0;
  std::optional<LockstepInput> outstanding_;
  TimePoint submitted_at_;
  std::uint32_t retries_ = 0;
  TimerId retry_timer_;
  TimerId next_timer_;
};

}  // namespace mycelium::ssi
