// What the network models cost (sim/env/network_model.hpp): N nodes (one zone per 1000), each
// sending a 100-byte datagram to a random node every second (from a random offset, so events are
// spread over time like a protocol's), each receiver answering with a 100-byte reply; S simulated
// seconds. For each model (the flow model only up to 10 000 nodes: beyond, it takes hours) prints
// the setup and run wall times, simulated seconds per wall second, delivered messages per wall
// second and the peak RSS, then the datagram / flow speed ratio of this run. Each model runs in a
// child process of its own, so each peak RSS is its own. A figure, not a test.
//
//   build/release/bench/bench_network_model [NODES] [SIMULATED_SECONDS]   (default 1000 10)

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sim/env/simulation.hpp>

using namespace mycelium;
using namespace mycelium::sim;
using namespace std::chrono_literals;

namespace {

constexpr Port kRequestPort{1};
constexpr Port kReplyPort{2};
constexpr std::size_t kDatagramBytes = 100;
constexpr std::size_t kFlowNodeLimit = 10'000;

struct Figures {
  double setup_s = 0;
  double run_s = 0;
  double run_cpu_s = 0;  // user + system: on a shared machine, steadier than wall time
  double delivered = 0;
  double peak_rss_mib = 0;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

Message datagram_to(NodeId to, Port port) {
  return Message{{}, to, port, std::vector<std::uint8_t>(kDatagramBytes, 0x5a), 0};
}

Figures run_model(NetworkModel model, std::size_t nodes, std::uint64_t simulated_s) {
  const auto setup_start = std::chrono::steady_clock::now();
  const std::size_t per_zone = std::min<std::size_t>(nodes, 1000);
  const std::size_t zones = (nodes + per_zone - 1) / per_zone;
  Simulation simulation(uniform_platform(zones, per_zone, 1.25e9), 1, model);
  const std::size_t count = simulation.node_count();
  std::uint64_t delivered = 0;
  for (std::uint32_t i = 0; i < count; ++i) {
    Environment* env = &simulation.node(NodeId{i});
    std::uint64_t* delivered_total = &delivered;
    env->bind(kRequestPort, [env, delivered_total](const Message& request) {
      ++*delivered_total;
      env->send(datagram_to(request.from, kReplyPort));
    });
    env->bind(kReplyPort, [delivered_total](const Message&) { ++*delivered_total; });
    const auto send_request = [env, count] {
      const NodeId to{static_cast<std::uint32_t>(env->random().uniform_int(0, count - 1))};
      env->send(datagram_to(to, kRequestPort));
    };
    const Duration offset(env->random().uniform_int(0, 999'999'999));
    env->schedule_once(offset, [env, send_request] {
      send_request();
      env->schedule_periodic(1s, send_request);
    });
  }
  Figures figures;
  figures.setup_s = seconds_since(setup_start);
  const auto run_start = std::chrono::steady_clock::now();
  const double run_start_cpu_s = cpu_seconds();
  simulation.run_until(TimePoint(std::chrono::seconds(simulated_s)));
  figures.run_s = seconds_since(run_start);
  figures.run_cpu_s = cpu_seconds() - run_start_cpu_s;
  figures.delivered = static_cast<double>(delivered);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  figures.peak_rss_mib = static_cast<double>(usage.ru_maxrss) / 1024;
  return figures;
}

// Runs the model in a child process (its own peak RSS, a fresh SimGrid engine) and returns its
// figures, or nothing if it failed.
std::optional<Figures> run_in_child(NetworkModel model, std::size_t nodes,
                                    std::uint64_t simulated_s) {
  int fds[2];
  if (pipe(fds) != 0) return std::nullopt;
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    close(fds[0]);
    const Figures figures = run_model(model, nodes, simulated_s);
    const ssize_t written = write(fds[1], &figures, sizeof figures);
    _exit(written == static_cast<ssize_t>(sizeof figures) ? 0 : 1);
  }
  close(fds[1]);
  Figures figures;
  const ssize_t got = read(fds[0], &figures, sizeof figures);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (got != static_cast<ssize_t>(sizeof figures) || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    return std::nullopt;
  }
  return figures;
}

void print(NetworkModel model, std::size_t nodes, std::uint64_t simulated_s, const Figures& f) {
  std::printf(
      "%-8s %9zu nodes %4llu sim s: setup %7.2f s, run %8.2f s wall (%8.2f s CPU), "
      "%8.3f sim s/wall s, %11.0f delivered (%10.0f per wall s), peak RSS %7.0f MiB "
      "(%5.0f B/node)\n",
      std::string(to_string(model)).c_str(), nodes, static_cast<unsigned long long>(simulated_s),
      f.setup_s, f.run_s, f.run_cpu_s, static_cast<double>(simulated_s) / f.run_s, f.delivered,
      f.delivered / f.run_s, f.peak_rss_mib,
      f.peak_rss_mib * 1024 * 1024 / static_cast<double>(nodes));
}

}  // namespace

int main(int argc, char** argv) {
  const long nodes_argument = argc > 1 ? std::atol(argv[1]) : 1000;
  const long seconds_argument = argc > 2 ? std::atol(argv[2]) : 10;
  if (nodes_argument < 2 || seconds_argument < 1) {
    std::fprintf(stderr, "usage: bench_network_model [NODES >= 2] [SIMULATED_SECONDS >= 1]\n");
    return 2;
  }
  const auto nodes = static_cast<std::size_t>(nodes_argument);
  const auto simulated_s = static_cast<std::uint64_t>(seconds_argument);

  const std::optional<Figures> datagram = run_in_child(NetworkModel::kDatagram, nodes, simulated_s);
  if (!datagram) {
    std::fprintf(stderr, "the datagram run failed\n");
    return 1;
  }
  print(NetworkModel::kDatagram, nodes, simulated_s, *datagram);
  if (nodes > kFlowNodeLimit) {
    std::printf("flow     skipped above %zu nodes\n", kFlowNodeLimit);
    return 0;
  }
  const std::optional<Figures> flow = run_in_child(NetworkModel::kFlow, nodes, simulated_s);
  if (!flow) {
    std::fprintf(stderr, "the flow run failed\n");
    return 1;
  }
  print(NetworkModel::kFlow, nodes, simulated_s, *flow);
  // Small datagrams far below link capacity: no contention, so both models deliver the same.
  std::printf(
      "datagram / flow speed ratio: %.1f (run wall time), setup %.1f; same deliveries: %s\n",
      flow->run_s / datagram->run_s, flow->setup_s / datagram->setup_s,
      flow->delivered == datagram->delivered ? "yes" : "no");
  return 0;
}
