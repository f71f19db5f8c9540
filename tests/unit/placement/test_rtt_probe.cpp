// RttProbe on ManualNetwork: the median round trip per target, unreachable targets reported,
// and a codec that refuses what it did not write.

#include <catch2/catch.hpp>

#include <core/placement/rtt_probe.hpp>
#include <tests/support/manual_environment.hpp>

using namespace mycelium;
using namespace mycelium::placement;
using namespace mycelium::testing;
using namespace std::chrono_literals;

TEST_CASE("the probe measures the round trip to every target") {
  ManualNetwork network(4, 5ms);
  RttResponder responder_1(network.node(1));
  RttResponder responder_2(network.node(2));
  RttResponder responder_3(network.node(3));
  network.set_drop_filter([](const Message& m) { return m.to == NodeId{3}; });  // unreachable
  std::vector<RttMeasurement> result;
  int calls = 0;
  RttProbe probe(network.node(0), RttProbeConfig{{NodeId{1}, NodeId{2}, NodeId{3}}, 5, 20ms, 1s},
                 [&](const std::vector<RttMeasurement>& measurements) {
                   result = measurements;
                   ++calls;
                 });
  network.advance(3s);
  REQUIRE(calls == 1);
  REQUIRE(result.size() == 3);
  CHECK(result[0].target == NodeId{1});
  CHECK(result[0].rtt == 10ms);
  CHECK(result[0].answers == 5);
  CHECK(result[1].rtt == 10ms);
  CHECK_FALSE(result[2].rtt.has_value());
  CHECK(result[2].answers == 0);
}

TEST_CASE("the probe finishes as soon as every target answered every probe") {
  ManualNetwork network(2, 1ms);
  RttResponder responder(network.node(1));
  std::optional<TimePoint> done_at;
  RttProbe probe(network.node(0), RttProbeConfig{{NodeId{1}}, 3, 10ms, 1s},
                 [&](const std::vector<RttMeasurement>&) { done_at = network.node(0).now(); });
  network.advance(2s);
  REQUIRE(done_at.has_value());
  CHECK(*done_at == TimePoint(22ms));  // the third ping leaves at 20 ms, its answer is back at 22
}

TEST_CASE("probe messages round-trip and malformed ones are refused") {
  const ProbeMessage ping{false, 7, TimePoint(3s)};
  CHECK(decode_probe_message(encode(ping)) == ping);
  const ProbeMessage pong{true, 8, TimePoint(4s)};
  CHECK(decode_probe_message(encode(pong)) == pong);
  std::vector<std::uint8_t> bytes = encode(ping);
  bytes[1] = 3;  // unknown type
  CHECK_FALSE(decode_probe_message(bytes).has_value());
  bytes = encode(ping);
  bytes.push_back(0);  // trailing byte
  CHECK_FALSE(decode_probe_message(bytes).has_value());
  bytes = encode(ping);
  bytes.pop_back();  // truncated
  CHECK_FALSE(decode_probe_message(bytes).has_value());
}
