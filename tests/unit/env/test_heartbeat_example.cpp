// The sans-IO example of docs/architecture.md, compiled and run: if the documented API drifts,
// this stops building.

#include <catch2/catch.hpp>

#include <core/env/environment.hpp>
#include <tests/support/manual_environment.hpp>

using namespace mycelium;
using namespace std::chrono_literals;

namespace {

// Sends a heartbeat to a peer every interval and counts the replies.
class Heartbeat {
 public:
  static constexpr Port kPort{7};

  Heartbeat(Environment& env, NodeId peer, Duration interval) : env_(env), peer_(peer) {
    env_.bind(kPort, [this](const Message& reply) { on_reply(reply); });
    timer_ = env_.schedule_periodic(interval, [this] { env_.send({{}, peer_, kPort, {}, 0}); });
  }
  ~Heartbeat() {
    env_.cancel_timer(timer_);
    env_.unbind(kPort);
  }

 private:
  void on_reply(const Message&) { env_.metrics().add_counter("heartbeat_replies_total", 1); }

  Environment& env_;
  NodeId peer_;
  TimerId timer_;
};

}  // namespace

TEST_CASE("the documented heartbeat component runs on the manual network", "[env][docs]") {
  testing::ManualNetwork network(2, 10ms);
  Heartbeat heartbeat(network.node(0), NodeId{1}, 100ms);
  network.node(1).bind(Heartbeat::kPort, [&](const Message& m) {
    network.node(1).send({{}, m.from, Heartbeat::kPort, {}, 0});
  });
  network.advance(1s);
  // Beats leave at 100, 200, ... 1000 ms; each reply is back 20 ms later.
  CHECK(network.node(0).recorded_metrics().counter("heartbeat_replies_total") == 9);
}
