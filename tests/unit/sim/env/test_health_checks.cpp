// Health checks on the SimGrid backend: answered from the simulation's health model, as a later
// event kHealthCheckDelay after the check, never for a crashed node (the Environment contract).
#include <optional>
#include <vector>

#include <catch2/catch.hpp>

#include <sim/env/simulation.hpp>
#include <tests/unit/sim/env/sim_test_support.hpp>

using namespace mycelium;
using namespace std::chrono_literals;
using namespace mycelium::sim;

TEST_CASE("SimGrid health checks answer from the health model, later, once", "[sim]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  Simulation simulation(uniform_platform(1, 2, 1.25e9), 1, model);
  simulation.health_model().set(NodeId{1}, "orders", "orders-0", TimePoint(100ms), false);
  simulation.health_model().set(NodeId{1}, "orders", "orders-0", TimePoint(300ms), true);
  Environment& node = simulation.node(NodeId{1});
  std::vector<std::pair<TimePoint, bool>> answers;
  const auto check_at = [&](TimePoint at, const char* instance) {
    simulation.schedule_fault(at, [&node, &answers, instance] {
      bool answered_inside = false;
      node.check_health(HealthCheck{"orders", instance, 8080, "/health", 2s},
                        [&node, &answers, &answered_inside](bool healthy) {
                          answered_inside = true;
                          answers.emplace_back(node.now(), healthy);
                        });
      CHECK_FALSE(answered_inside);  // never inside the call
    });
  };
  check_at(TimePoint(50ms), "orders-0");   // healthy before 100 ms
  check_at(TimePoint(150ms), "orders-0");  // unhealthy from 100 ms
  check_at(TimePoint(150ms), "orders-1");  // another instance: unaffected
  check_at(TimePoint(350ms), "orders-0");  // healthy again from 300 ms
  simulation.run_until(TimePoint(1s));
  REQUIRE(answers.size() == 4);
  CHECK(answers[0] == std::pair{TimePoint(50ms) + kHealthCheckDelay, true});
  CHECK(answers[1] == std::pair{TimePoint(150ms) + kHealthCheckDelay, false});
  CHECK(answers[2] == std::pair{TimePoint(150ms) + kHealthCheckDelay, true});
  CHECK(answers[3] == std::pair{TimePoint(350ms) + kHealthCheckDelay, true});
}

TEST_CASE("SimGrid health check of a node that crashes before the answer never answers", "[sim]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  Simulation simulation(uniform_platform(1, 2, 1.25e9), 1, model);
  Environment& node = simulation.node(NodeId{0});
  int answers = 0;
  node.check_health(HealthCheck{"orders", "orders-0", 8080, "/health", 2s},
                    [&answers](bool) { ++answers; });
  simulation.crash_node(NodeId{0});
  simulation.run_until(TimePoint(1s));
  CHECK(answers == 0);
}
