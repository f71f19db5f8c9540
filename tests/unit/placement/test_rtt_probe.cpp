// RttProbe on ManualNetwork: the smallest round trip per target, unreachable targets reported,
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

TEST_CASE("late answers do not inflate the round trip: the smallest answer counts") {
  // 1 ms each way. Node 1 answers four of five pings 30 ms late (a busy host reading its socket
  // late): a median would say 32 ms, the path's round trip is 2 ms.
  ManualNetwork network(2, 1ms);
  Environment& target = network.node(1);
  int pings = 0;
  target.bind(kRttProbePort, [&](const Message& message) {
    ProbeMessage pong = *decode_probe_message(message.payload);
    pong.pong = true;
    const Duration late = ++pings == 3 ? 0ms : 30ms;
    target.schedule_once(late, [&target, pong, to = message.from] {
      Message answer;
      answer.to = to;
      answer.port = kRttProbeReplyPort;
      answer.payload = encode(pong);
      target.send(std::move(answer));
    });
  });
  std::vector<RttMeasurement> result;
  RttProbe probe(network.node(0), RttProbeConfig{{NodeId{1}}, 5, 20ms, 1s},
                 [&](const std::vector<RttMeasurement>& measurements) { result = measurements; });
  network.advance(3s);
  REQUIRE(result.size() == 1);
  CHECK(result[0].answers == 5);
  CHECK(result[0].rtt == 2ms);
}

TEST_CASE("a node answers others' probes while it runs its own") {
  ManualNetwork network(2, 1ms);
  RttResponder responder_0(network.node(0));
  RttResponder responder_1(network.node(1));
  std::vector<RttMeasurement> from_0;
  std::vector<RttMeasurement> from_1;
  RttProbe probe_0(network.node(0), RttProbeConfig{{NodeId{1}}, 3, 10ms, 1s},
                   [&](const std::vector<RttMeasurement>& measured) { from_0 = measured; });
  RttProbe probe_1(network.node(1), RttProbeConfig{{NodeId{0}}, 3, 10ms, 1s},
                   [&](const std::vector<RttMeasurement>& measured) { from_1 = measured; });
  network.advance(2s);
  REQUIRE(from_0.size() == 1);
  REQUIRE(from_1.size() == 1);
  CHECK(from_0[0].rtt == 2ms);
  CHECK(from_1[0].rtt == 2ms);
  CHECK(network.node(0).recorded_metrics().counter("rtt_probe_messages_unexpected_total") == 0);
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
