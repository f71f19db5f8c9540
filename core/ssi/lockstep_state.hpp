#pragma once
// The deterministic state machine the lock-step prototype replicates: a hash chain over every
// applied input, and per client the last input applied (so a client's retry of an input already
// applied is recognised, and answered, instead of applied twice). Replicas that apply the same
// inputs in the same order hold the same hash; one that applied anything else holds another.

#include <cstdint>
#include <map>
#include <optional>

#include <core/assert.hpp>
#include <core/env/random_stream.hpp>
#include <core/ssi/lockstep_messages.hpp>

namespace mycelium::ssi {

class LockstepState {
 public:
  struct ClientRecord {
    std::uint64_t client_seq = 0;
    std::uint64_t step = 0;
  };

  // Applies `input` as `step` (the next one). A client's input at or below its last applied one
  // changes nothing but the step count and the chain, as every replica does the same.
  void apply(std::uint64_t step, const LockstepInput& input) {
    MYCELIUM_ASSERT(step == step_ + 1);
    step_ = step;
    hash_ = mix(mix(mix(mix(hash_, step), input.client), input.client_seq), input.value);
    ClientRecord& record = clients_[input.client];
    if (input.client_seq > record.client_seq) record = ClientRecord{input.client_seq, step};
  }

  std::uint64_t step() const { return step_; }
  std::uint64_t hash() const { return hash_; }
  std::size_t client_count() const { return clients_.size(); }
  std::optional<ClientRecord> client(std::uint32_t client) const {
    const auto it = clients_.find(client);
    if (it == clients_.end()) return std::nullopt;
    return it->second;
  }
  bool knows_client(std::uint32_t client) const { return clients_.contains(client); }

  // A test's way to make one replica differ, so the divergence check has something to find.
  void corrupt_for_test() { hash_ ^= 0x5a5a5a5a5a5a5a5aULL; }

 private:
  // One splitmix64 step from (hash + value): every bit of both reaches every bit of the result.
  static std::uint64_t mix(std::uint64_t hash, std::uint64_t value) {
    std::uint64_t state = hash + value;
    return splitmix64(state);
  }

  std::uint64_t step_ = 0;
  std::uint64_t hash_ = 0x6d7963656c69756dULL;  // "mycelium": the hash of the empty history
  std::map<std::uint32_t, ClientRecord> clients_;
};

}  // namespace mycelium::ssi
