// Whole SporeScenario runs in SimGrid (each in a forked child, as `mycelium run` does): the
// registration, the leave and the crash reach every live member, the metrics are finite and
// plausible, false positives are attributed, and the same seed gives the same result.

#include <cmath>
#include <cstdio>
#include <sstream>

#include <catch2/catch.hpp>

#include <sim/scenario/spore_run.hpp>
#include <tests/unit/sim/env/fork_helper.hpp>

using namespace mycelium;
using namespace mycelium::sim;
using namespace std::chrono_literals;

namespace {

// 30 members in one zone, 60 simulated seconds: register at 2 s, leave at 4 s, crash at 6 s.
SporeScenario small_scenario(double loss) {
  SporeScenario scenario;
  scenario.name = "spore-test";
  scenario.duration = 60s;
  scenario.sample_interval = 100ms;
  scenario.seeds = {5};
  scenario.members = {30};
  scenario.packet_loss = {loss};
  scenario.register_at = 2s;
  scenario.leave_at = 4s;
  scenario.crash_at = 6s;
  return scenario;
}

// Everything a run returns, floating-point values in hex (exact), one line per item.
std::string to_text(const analysis::RunResult& run) {
  std::ostringstream out;
  const auto hex = [](double value) {
    char text[64];
    std::snprintf(text, sizeof text, "%a", value);
    return std::string(text);
  };
  out << run.name << "\n" << run.resolved_config_yaml;
  for (const auto& [key, value] : run.labels)
    out << "label " << key << "=" << value << "\n";
  for (std::size_t i = 0; i < run.time_s.size(); ++i) {
    out << hex(run.time_s[i]);
    for (const auto& column : run.series)
      out << " " << hex(column.values[i]);
    out << "\n";
  }
  for (const auto& [name, value] : run.summary)
    out << "summary " << name << " " << hex(value) << "\n";
  for (const auto& [kind, at] : run.events)
    out << "event " << kind << " " << hex(at) << "\n";
  return out.str();
}

// Parses the "summary NAME VALUE" lines back.
double metric(const std::string& text, const std::string& name) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const std::string prefix = "summary " + name + " ";
    if (line.rfind(prefix, 0) == 0) return std::strtod(line.c_str() + prefix.size(), nullptr);
  }
  FAIL("no metric " << name);
  return 0.0;
}

// The last sample of a series: "<time> <series...>" lines, `column` counted from 0.
double last_sample(const std::string& text, std::size_t column) {
  std::istringstream lines(text);
  std::string line, last;
  while (std::getline(lines, line)) {
    if (!line.empty() && line[0] == '0' && line[1] == 'x') last = line;
  }
  std::istringstream fields(last);
  std::string field;
  for (std::size_t i = 0; i <= column + 1; ++i)
    fields >> field;
  return std::strtod(field.c_str(), nullptr);
}

std::string run_child(double loss) {
  return testing::run_in_child_process([loss] {
    const SporeScenario scenario = small_scenario(loss);
    return to_text(run_spore(scenario, expand_sweep(scenario).at(0)));
  });
}

}  // namespace

TEST_CASE("a spore run spreads the registration, the leave and the crash to every live member") {
  const std::string text = run_child(0.0);
  INFO(text.substr(text.find("summary")));
  // Series order: registration_known, leave_known, crash_known, live_members, messages, bytes.
  CHECK(last_sample(text, 0) == 1.0);
  CHECK(last_sample(text, 1) == 1.0);
  CHECK(last_sample(text, 2) == 1.0);
  CHECK(last_sample(text, 3) == 28.0);  // one crashed, one left
  for (const char* name :
       {"registration_p50_s", "registration_p99_s", "registration_p9999_s", "leave_p99_s",
        "crash_p99_s", "crash_detection_first_s", "crash_detection_all_s"}) {
    INFO(name);
    CHECK(std::isfinite(metric(text, name)));
  }
  // Gossip rides on the probes (one a second each), so the number who know about doubles every
  // period or so: log2(30) = 5 periods, not instant.
  CHECK(metric(text, "registration_p50_s") > 0.0);
  CHECK(metric(text, "registration_p9999_s") < 10.0);
  CHECK(metric(text, "registration_p50_s") <= metric(text, "registration_p99_s"));
  // Every member probes every other once a round (29 periods of 1 s), so somebody suspects the
  // crashed member within a round. The suspicion lasts alpha * max(1, log10 30) * 1 s = 5.9 s at
  // the least, beta = 6 times that (35.4 s) without independent confirmations; then the death
  // spreads like the registration.
  CHECK(metric(text, "crash_detection_first_s") <= 30.0);
  CHECK(metric(text, "crash_detection_all_s") > 5.9);
  CHECK(metric(text, "crash_detection_all_s") <
        metric(text, "crash_detection_first_s") + 35.4 + 10.0);
  CHECK(metric(text, "crash_detection_first_s") < metric(text, "crash_detection_all_s"));
  // No loss on a quiet LAN: nobody alive is suspected.
  CHECK(metric(text, "false_suspicions_per_member_hour") == 0.0);
  CHECK(metric(text, "false_deaths_per_member_hour") == 0.0);
  // About one probe (ping + ack) a second each, plus push-pulls and joins.
  CHECK(metric(text, "messages_per_member_per_s") > 1.0);
  CHECK(metric(text, "messages_per_member_per_s") < 10.0);
  CHECK(metric(text, "bytes_per_member_per_s") > 40.0 * metric(text, "messages_per_member_per_s"));
  CHECK(metric(text, "topology_records_per_member") > 0.0);
  CHECK(metric(text, "topology_records_per_member") <= 1.0);
  CHECK(text.find("event registration 0x1p+1\nevent leave 0x1p+2\nevent crash 0x1.8p+2\n") !=
        std::string::npos);
}

TEST_CASE("a spore run under 30 % loss attributes false suspicions and still detects the crash") {
  const std::string text = run_child(0.3);
  INFO(text.substr(text.find("summary")));
  CHECK(metric(text, "false_suspicions_per_member_hour") > 0.0);
  CHECK(std::isfinite(metric(text, "crash_detection_first_s")));
  // Most members know the registration; a member that falsely declared its owner dead hides it
  // until the owner refutes, so not necessarily all of them at the end.
  CHECK(last_sample(text, 0) >= 0.9);
  CHECK(std::isfinite(metric(text, "registration_p50_s")));
}

TEST_CASE("a spore run with the same seed gives the same result bit for bit") {
  const std::string first = run_child(0.1);
  const std::string second = run_child(0.1);
  CHECK(first.size() > 1000);
  CHECK(first == second);
}

// 400 members in 4 zones of 100 that each know 16, cut into `threads` partitions.
std::string partitioned_run(std::uint32_t threads) {
  return testing::run_in_child_process([threads] {
    SporeScenario scenario = small_scenario(0.1);
    scenario.members = {400};
    scenario.members_per_zone = 100;
    scenario.duration = 30s;
    scenario.view_members = 16;
    scenario.settled_start = true;
    scenario.threads = threads;
    return to_text(run_spore(scenario, expand_sweep(scenario).at(0)));
  });
}

TEST_CASE("a spore run on two threads repeats bit for bit and measures what one thread does") {
  const std::string first = partitioned_run(2);
  const std::string second = partitioned_run(2);
  const std::string single = partitioned_run(1);
  INFO(first.substr(first.find("summary")));
  CHECK(first.find("partitions: 2\n") != std::string::npos);
  CHECK(single.find("partitions: 1\n") != std::string::npos);
  CHECK(first == second);
  // Same protocol and node streams; the order of same-instant events and, under loss, which
  // datagrams are lost (a stream per partition) differ, so the figures agree closely (the
  // registration, leave and crash reach everyone either way).
  for (std::size_t column : {0, 1, 2})
    CHECK(last_sample(first, column) == last_sample(single, column));
  CHECK(metric(first, "messages_per_member_per_s") ==
        Approx(metric(single, "messages_per_member_per_s")).epsilon(0.05));
  CHECK(metric(first, "registration_p99_s") ==
        Approx(metric(single, "registration_p99_s")).margin(0.5));
}

TEST_CASE("a spore run with partial views spreads the events to every live member") {
  // 400 members that each know 16: the registration and the deaths travel as relayed news
  // through members that do not know the member concerned.
  const std::string text = testing::run_in_child_process([] {
    SporeScenario scenario = small_scenario(0.0);
    scenario.members = {400};
    scenario.duration = 45s;
    scenario.view_members = 16;
    scenario.settled_start = true;
    return to_text(run_spore(scenario, expand_sweep(scenario).at(0)));
  });
  INFO(text.substr(text.find("summary")));
  CHECK(text.find("viewMembers: 16\n") != std::string::npos);
  CHECK(text.find("settledStart: true\n") != std::string::npos);
  CHECK(last_sample(text, 0) == 1.0);
  CHECK(last_sample(text, 1) == 1.0);
  CHECK(last_sample(text, 2) == 1.0);
  CHECK(last_sample(text, 3) == 398.0);
  // Gossip rounds (200 ms, fanout 3) spread news in well under a second per log3(400) ~ 5.5
  // rounds; the crashed member is probed by the ~16 members whose views hold it.
  CHECK(metric(text, "registration_p9999_s") < 5.0);
  CHECK(metric(text, "crash_detection_first_s") <= 10.0);
  CHECK(std::isfinite(metric(text, "crash_detection_all_s")));
  CHECK(metric(text, "false_suspicions_per_member_hour") == 0.0);
  CHECK(metric(text, "false_deaths_per_member_hour") == 0.0);
}

TEST_CASE("a spore run with CPU-starved members counts the false suspicions they cause") {
  // Slower than a protocol period (1 s): their acks miss the end of the prober's period (an ack
  // after the probe timeout but within the period still counts), so they are suspected although
  // alive, and refute; with no loss, the other runs here see no false suspicion at all.
  const std::string text = testing::run_in_child_process([] {
    SporeScenario scenario = small_scenario(0.0);
    scenario.slow_members = SporeSlowMembers{0.3, 1500ms};
    return to_text(run_spore(scenario, expand_sweep(scenario).at(0)));
  });
  INFO(text.substr(text.find("summary")));
  CHECK(metric(text, "slow_members") >= 3.0);
  CHECK(metric(text, "false_suspicions_per_member_hour") > 0.0);
  CHECK(last_sample(text, 0) == 1.0);  // the registration still reaches everyone
}

TEST_CASE("a spore run with churn joins, leaves and crashes members and still spreads the events") {
  // 100 members; from 8 s to 40 s members join (1/s), leave (0.5/s) and crash (0.3/s). The
  // joiners discover the registration made before they came; the leave and the crash reach
  // every member live at the time.
  const std::string text = testing::run_in_child_process([] {
    SporeScenario scenario = small_scenario(0.0);
    scenario.members = {100};
    scenario.churn = SporeChurn{0.3, 1.0, 0.5, 8s, 40s};
    return to_text(run_spore(scenario, expand_sweep(scenario).at(0)));
  });
  INFO(text.substr(text.find("summary")));
  const double joins = metric(text, "churn_joins");
  const double leaves = metric(text, "churn_leaves");
  const double crashes = metric(text, "churn_crashes");
  // Poisson counts over 32 s: means 32, 16 and 9.6.
  CHECK(joins >= 15.0);
  CHECK(leaves >= 5.0);
  CHECK(crashes >= 2.0);
  CHECK(text.find("event churn_join ") != std::string::npos);
  CHECK(text.find("event churn_leave ") != std::string::npos);
  // Live at the end: the members, less the scenario's leave and crash, plus the churn.
  CHECK(last_sample(text, 3) == 100.0 - 2.0 + joins - leaves - crashes);
  CHECK(last_sample(text, 0) == 1.0);  // joiners included
  CHECK(last_sample(text, 1) == 1.0);
  CHECK(last_sample(text, 2) == 1.0);
  CHECK(metric(text, "false_deaths_per_member_hour") == 0.0);
}
