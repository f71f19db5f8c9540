// Timer semantics of the SimGrid backend, against the contract in core/env/environment.hpp,
// under both network models (the driver waits differently in each).
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <sim/env/simulation.hpp>
#include <tests/unit/sim/env/sim_test_support.hpp>

using namespace mycelium;
using namespace std::chrono_literals;
using sim::Simulation;
using sim::uniform_platform;

namespace {

struct Firing {
  std::string label;
  TimePoint at;
  bool operator==(const Firing&) const = default;
};

}  // namespace

TEST_CASE("SimGrid timers fire in deadline order, same deadline in scheduling order",
          "[sim][timers]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  Simulation simulation(uniform_platform(1, 2, 1e9), 1, model);
  Environment& a = simulation.node(NodeId{0});
  Environment& b = simulation.node(NodeId{1});
  std::vector<Firing> fired;
  auto record = [&fired](Environment& env, std::string label) {
    return [&fired, &env, label] { fired.push_back({label, env.now()}); };
  };
  a.schedule_once(30ms, record(a, "a30"));
  a.schedule_once(10ms, record(a, "a10-first"));
  b.schedule_once(20ms, record(b, "b20"));
  b.schedule_once(10ms, record(b, "b10-second"));
  a.schedule_once(10ms, record(a, "a10-third"));
  a.schedule_once(0ms, record(a, "a0"));

  simulation.run_until(TimePoint(1s));

  CHECK(fired == std::vector<Firing>{{"a0", TimePoint(0ms)},
                                     {"a10-first", TimePoint(10ms)},
                                     {"b10-second", TimePoint(10ms)},
                                     {"a10-third", TimePoint(10ms)},
                                     {"b20", TimePoint(20ms)},
                                     {"a30", TimePoint(30ms)}});
  CHECK(simulation.now() == TimePoint(1s));
}

TEST_CASE("SimGrid schedule_once with delay 0 runs later at the same instant", "[sim][timers]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  Simulation simulation(uniform_platform(1, 1, 1e9), 1, model);
  Environment& env = simulation.node(NodeId{0});
  std::vector<std::string> fired;
  env.schedule_once(5ms, [&] {
    env.schedule_once(0ms, [&] { fired.push_back("zero-delay at " + format_time(env.now())); });
    fired.push_back("outer");  // runs to completion first: the zero-delay timer is a later event
  });
  simulation.run_until(TimePoint(5ms));
  CHECK(fired == std::vector<std::string>{"outer", "zero-delay at t=0.005000000s"});
}

TEST_CASE("SimGrid periodic timers do not drift and can cancel themselves", "[sim][timers]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  Simulation simulation(uniform_platform(1, 1, 1e9), 1, model);
  Environment& env = simulation.node(NodeId{0});
  std::vector<TimePoint> ticks;
  TimerId periodic;
  periodic = env.schedule_periodic(100ms, [&] {
    ticks.push_back(env.now());
    if (ticks.size() == 5) CHECK(env.cancel_timer(periodic));  // pending: re-armed already
  });
  // Run in uneven slices: the schedule must not depend on where runs stop.
  simulation.run_until(TimePoint(150ms));
  simulation.run_until(TimePoint(333ms));
  simulation.run_until(TimePoint(2s));
  CHECK(ticks == std::vector<TimePoint>{TimePoint(100ms), TimePoint(200ms), TimePoint(300ms),
                                        TimePoint(400ms), TimePoint(500ms)});
  CHECK_FALSE(env.cancel_timer(periodic));
}

TEST_CASE("SimGrid periodic re-arm counts as scheduled when it fires", "[sim][timers]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  Simulation simulation(uniform_platform(1, 1, 1e9), 1, model);
  Environment& env = simulation.node(NodeId{0});
  std::vector<std::string> fired;
  TimerId periodic;
  periodic = env.schedule_periodic(10ms, [&] {
    fired.push_back("periodic@" + format_time(env.now()));
    if (env.now() == TimePoint(10ms)) {
      env.schedule_once(10ms, [&] { fired.push_back("scheduled-by-periodic@20ms"); });
    } else {
      env.cancel_timer(periodic);
    }
  });
  env.schedule_once(20ms, [&] { fired.push_back("scheduled-first@20ms"); });
  simulation.run_until(TimePoint(100ms));
  CHECK(fired == std::vector<std::string>{"periodic@t=0.010000000s", "scheduled-first@20ms",
                                          "periodic@t=0.020000000s", "scheduled-by-periodic@20ms"});
}

TEST_CASE("SimGrid cancel_timer returns true only for pending timers", "[sim][timers]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  Simulation simulation(uniform_platform(1, 1, 1e9), 1, model);
  Environment& env = simulation.node(NodeId{0});
  int fired = 0;
  const TimerId pending = env.schedule_once(10ms, [&] { ++fired; });
  const TimerId one_shot = env.schedule_once(5ms, [&] { ++fired; });
  CHECK(pending.valid());
  CHECK(pending != one_shot);

  CHECK(env.cancel_timer(pending));
  CHECK_FALSE(env.cancel_timer(pending));      // already cancelled
  CHECK_FALSE(env.cancel_timer(TimerId{}));    // never a timer
  CHECK_FALSE(env.cancel_timer(TimerId{99}));  // never existed
  simulation.run_until(TimePoint(20ms));
  CHECK(fired == 1);
  CHECK_FALSE(env.cancel_timer(one_shot));  // already fired

  SECTION("a timer cancelled by another callback at the same instant never fires") {
    TimerId victim;
    env.schedule_once(10ms, [&] { CHECK(env.cancel_timer(victim)); });
    victim = env.schedule_once(10ms, [&] { ++fired; });
    simulation.run_for(1s);
    CHECK(fired == 1);
  }
}

TEST_CASE("SimGrid callbacks see now() at their deadline and run only when the run reaches it",
          "[sim][timers]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  Simulation simulation(uniform_platform(1, 1, 1e9), 1, model);
  Environment& env = simulation.node(NodeId{0});
  std::vector<TimePoint> seen;
  env.schedule_once(1234567ns, [&] { seen.push_back(env.now()); });
  simulation.run_until(TimePoint(1234566ns));
  CHECK(seen.empty());
  CHECK(env.now() == TimePoint(1234566ns));
  simulation.run_until(TimePoint(1234567ns));
  CHECK(seen == std::vector<TimePoint>{TimePoint(1234567ns)});
}

TEST_CASE("SimGrid run_until rethrows what a callback threw", "[sim][timers]") {
  MYCELIUM_EACH_NETWORK_MODEL(model);
  Simulation simulation(uniform_platform(1, 1, 1e9), 1, model);
  Environment& env = simulation.node(NodeId{0});
  env.schedule_once(1ms, [] { throw std::runtime_error("protocol bug"); });
  CHECK_THROWS_WITH(simulation.run_until(TimePoint(1s)), "protocol bug");
}
