// What a Service Spore datagram's MAC costs (spore_auth.hpp): Authenticator::mac on a 120-byte
// datagram (a typical probe with a little gossip), against two baselines measured in the same
// run: OpenSSL's one-shot HMAC (EVP_Q_mac, which keys a fresh context every call) and one plain
// SHA-256 of the datagram (the floor: HMAC hashes it once, plus two blocks of pad and digest).
// The counter "ratio_to_one_shot" is the figure: the simulator computes two MACs per datagram.
//
//   build/release/bench/bench_spore_mac

#include <array>
#include <chrono>
#include <cstdint>
#include <vector>

#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <core/spore/spore_auth.hpp>

namespace {

constexpr std::size_t kDatagramBytes = 120;

const std::vector<std::uint8_t>& key() {
  static const std::vector<std::uint8_t> bytes(32, 0x5a);
  return bytes;
}

const std::vector<std::uint8_t>& datagram() {
  static const std::vector<std::uint8_t> bytes = [] {
    std::vector<std::uint8_t> out(kDatagramBytes);
    for (std::size_t i = 0; i < out.size(); ++i)
      out[i] = static_cast<std::uint8_t>(i * 7 + 3);
    return out;
  }();
  return bytes;
}

std::array<std::uint8_t, 32> one_shot_hmac() {
  std::array<std::uint8_t, 32> out{};
  std::size_t out_bytes = 0;
  char digest[] = "SHA256";
  benchmark::DoNotOptimize(EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, key().data(),
                                     key().size(), datagram().data(), datagram().size(), out.data(),
                                     out.size(), &out_bytes));
  return out;
}

// Seconds per one-shot HMAC, measured once, for the ratio counters.
double one_shot_seconds() {
  static const double seconds = [] {
    constexpr int kRounds = 200000;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kRounds; ++i)
      benchmark::DoNotOptimize(one_shot_hmac());
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
           kRounds;
  }();
  return seconds;
}

void report_ratio(benchmark::State& state, double seconds_per_iteration) {
  state.counters["ratio_to_one_shot"] = seconds_per_iteration / one_shot_seconds();
}

double seconds_per_iteration(benchmark::State& state, std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
         static_cast<double>(state.iterations());
}

void BM_AuthenticatorMac(benchmark::State& state) {
  const mycelium::spore::Authenticator authenticator(key());
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state)
    benchmark::DoNotOptimize(authenticator.mac(datagram()));
  report_ratio(state, seconds_per_iteration(state, start));
}
BENCHMARK(BM_AuthenticatorMac);

void BM_OneShotHmac(benchmark::State& state) {
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state)
    benchmark::DoNotOptimize(one_shot_hmac());
  report_ratio(state, seconds_per_iteration(state, start));
}
BENCHMARK(BM_OneShotHmac);

void BM_Sha256Alone(benchmark::State& state) {
  std::array<std::uint8_t, EVP_MAX_MD_SIZE> out{};
  unsigned int out_bytes = 0;
  const auto start = std::chrono::steady_clock::now();
  for (auto _ : state)
    benchmark::DoNotOptimize(EVP_Digest(datagram().data(), datagram().size(), out.data(),
                                        &out_bytes, EVP_sha256(), nullptr));
  report_ratio(state, seconds_per_iteration(state, start));
}
BENCHMARK(BM_Sha256Alone);

}  // namespace

BENCHMARK_MAIN();
