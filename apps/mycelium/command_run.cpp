// `mycelium run SCENARIO`: runs every point of a scenario's sweep in its own child process (a
// fresh SimGrid engine each, so results are bit-for-bit reproducible and runs parallelise), then
// merges the per-run files into one results file and prints the ranked summary.

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <sys/wait.h>
#include <unistd.h>

#include <analysis/results/results.hpp>
#include <apps/mycelium/commands.hpp>
#include <apps/mycelium/file_io.hpp>
#include <sim/scenario/replication_run.hpp>
#include <sim/scenario/scenario_loader.hpp>

namespace mycelium::cli {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxScenarioBytes = 1U << 20;

std::string format_clock(double seconds) {
  const auto total = static_cast<long>(std::lround(seconds));
  char text[32];
  std::snprintf(text, sizeof text, "%ld:%02ld", total / 60, total % 60);
  return text;
}

// One line on stderr: a bar on a terminal (redrawn), a line per tenth otherwise.
class Progress {
 public:
  Progress(std::size_t total, bool quiet) : total_(total), quiet_(quiet), tty_(isatty(2) != 0) {}

  void update(std::size_t done) {
    if (quiet_) return;
    const double elapsed_s = std::chrono::duration<double>(Clock::now() - start_).count();
    const double eta_s = done == 0 ? 0.0 : elapsed_s / done * (total_ - done);
    constexpr std::size_t kWidth = 30;
    const std::size_t filled = total_ == 0 ? kWidth : kWidth * done / total_;
    std::ostringstream line;
    line << "[" << std::string(filled, '#') << std::string(kWidth - filled, '.') << "] " << done
         << "/" << total_ << " runs, elapsed " << format_clock(elapsed_s) << ", ETA "
         << (done == 0 ? std::string("?") : format_clock(eta_s));
    if (tty_) {
      std::cerr << "\r" << line.str() << (done == total_ ? "\n" : "") << std::flush;
    } else if (done == total_ || done * 10 / total_ != last_tenth_) {
      last_tenth_ = done * 10 / total_;
      std::cerr << line.str() << "\n";
    }
  }

 private:
  std::size_t total_;
  bool quiet_;
  bool tty_;
  std::size_t last_tenth_ = 0;
  Clock::time_point start_ = Clock::now();
};

// Runs in the child: never returns.
[[noreturn]] void run_child(const sim::Scenario& scenario, const sim::RunSpec& run,
                            const fs::path& file) {
  int code = 0;
  try {
    analysis::ResultsFile results;
    results.mycelium_version = MYCELIUM_VERSION;
    results.scenario_name = scenario.name;
    results.runs.push_back(sim::run_replication(scenario, run));
    analysis::write_results(file, results);
  } catch (const std::exception& error) {
    std::cerr << "mycelium: run " << run.name << ": " << error.what() << "\n";
    code = kExitUserError;
  }
  std::cerr.flush();
  _exit(code);  // not exit(): the parent's atexit handlers and buffers are not ours
}

double mean_of(const std::vector<double>& values) {
  double sum = 0.0;
  std::size_t count = 0;
  for (double value : values) {
    if (std::isnan(value)) continue;
    sum += value;
    ++count;
  }
  return count == 0 ? std::nan("") : sum / static_cast<double>(count);
}

std::string cell(double value, int precision) {
  if (std::isnan(value)) return "-";
  std::ostringstream text;
  text.setf(std::ios::fixed);
  text.precision(precision);
  text << value;
  return text.str();
}

// Per network and workload, one row per configuration (mean over seeds), ranked: first the
// configurations no other beats on both guest slowdown and p99 lag (rank 1), then by how many
// beat them, ties by slowdown.
void print_summary(const analysis::ResultsFile& results) {
  struct Row {
    std::map<std::string, std::vector<double>> metrics;
  };
  std::map<std::pair<std::string, std::string>, std::map<std::string, Row>> groups;
  std::vector<std::string> configuration_order;
  for (const analysis::RunResult& run : results.runs) {
    const auto key = std::pair{run.labels.at("network"), run.labels.at("workload")};
    const std::string& configuration = run.labels.at("configuration");
    if (std::find(configuration_order.begin(), configuration_order.end(), configuration) ==
        configuration_order.end())
      configuration_order.push_back(configuration);
    Row& row = groups[key][configuration];
    for (const auto& [name, value] : run.summary)
      row.metrics[name].push_back(value);
  }
  for (const auto& [key, rows] : groups) {
    std::cout << "\nnetwork " << key.first << ", workload " << key.second << "\n";
    struct Ranked {
      std::string configuration;
      double slowdown, lag_p99, pause, rpo, committed_lost, failover;
      int beaten_by = 0;
    };
    std::vector<Ranked> ranked;
    for (const auto& entry : rows) {
      // Not a structured binding: clang 14 cannot capture one in a lambda.
      const std::string& configuration = entry.first;
      const Row& row = entry.second;
      const auto metric = [&row](const std::string& name) {
        const auto it = row.metrics.find(name);
        return it == row.metrics.end() ? std::nan("") : mean_of(it->second);
      };
      ranked.push_back({configuration, metric("slowdown_pct"), metric("lag_p99_ms"),
                        metric("pause_s"), metric("rpo_bytes"), metric("committed_lost_bytes"),
                        metric("failover_s")});
    }
    for (Ranked& a : ranked) {
      for (const Ranked& b : ranked) {
        const bool no_worse = b.slowdown <= a.slowdown && b.lag_p99 <= a.lag_p99;
        const bool better = b.slowdown < a.slowdown || b.lag_p99 < a.lag_p99;
        if (no_worse && better) ++a.beaten_by;
      }
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
      return a.beaten_by != b.beaten_by ? a.beaten_by < b.beaten_by : a.slowdown < b.slowdown;
    });
    std::printf("  %-4s %-22s %12s %12s %9s %12s %16s %11s\n", "rank", "configuration",
                "slowdown %", "lag p99 ms", "pause s", "RPO MiB", "committed lost", "failover s");
    for (const Ranked& row : ranked) {
      std::printf("  %-4d %-22s %12s %12s %9s %12s %16s %11s\n", row.beaten_by + 1,
                  row.configuration.c_str(), cell(row.slowdown, 2).c_str(),
                  cell(row.lag_p99, 1).c_str(), cell(row.pause, 2).c_str(),
                  cell(row.rpo / (1 << 20), 2).c_str(), cell(row.committed_lost, 0).c_str(),
                  cell(row.failover, 3).c_str());
    }
  }
  std::cout << "\nrank 1: no other configuration has both less slowdown and less p99 lag "
               "(Pareto-optimal); means over seeds.\n";
}

}  // namespace

int run_scenario(const RunOptions& options) {
  const std::string text = read_text_file(options.scenario_file, kMaxScenarioBytes);
  const fs::path base_dir = fs::path(options.scenario_file).parent_path();
  const sim::ScenarioLoad load = sim::parse_scenario(text, options.scenario_file, base_dir);
  if (!load.scenario) {
    std::cerr << load.diagnostics.format();
    return kExitUserError;
  }
  const sim::Scenario& scenario = *load.scenario;
  const std::vector<sim::RunSpec> runs = sim::expand_sweep(scenario);
  const fs::path output = options.output_file.empty()
                              ? fs::path("results") / (scenario.name + ".h5")
                              : fs::path(options.output_file);
  const fs::path output_dir = output.parent_path().empty() ? fs::path(".") : output.parent_path();
  std::error_code error;
  fs::create_directories(output_dir, error);
  if (error) throw UserError("cannot create " + output_dir.string() + ": " + error.message());

  std::string scratch_template = (output_dir / ".mycelium-run-XXXXXX").string();
  if (mkdtemp(scratch_template.data()) == nullptr) {
    throw UserError("cannot create a scratch folder in " + output_dir.string());
  }
  const fs::path scratch(scratch_template);
  const auto run_file = [&scratch](std::size_t index) {
    return scratch / ("run-" + std::to_string(index) + ".h5");
  };

  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  const std::size_t jobs =
      options.jobs > 0 ? options.jobs : static_cast<std::size_t>(std::max(1L, cores));
  if (!options.quiet) {
    std::cerr << "scenario " << scenario.name << ": " << runs.size() << " runs, " << jobs
              << " in parallel\n";
  }
  Progress progress(runs.size(), options.quiet);
  progress.update(0);
  std::size_t next = 0;
  std::size_t done = 0;
  std::size_t active = 0;
  bool failed = false;
  std::cout.flush();
  std::cerr.flush();
  while (done < runs.size() && !(failed && active == 0)) {
    while (!failed && active < jobs && next < runs.size()) {
      const pid_t child = fork();
      if (child < 0) throw std::runtime_error("fork failed");
      if (child == 0) run_child(scenario, runs[next], run_file(next));
      ++next;
      ++active;
    }
    int status = 0;
    if (waitpid(-1, &status, 0) < 0) throw std::runtime_error("waitpid failed");
    --active;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      progress.update(++done);
    } else {
      failed = true;
    }
  }
  if (failed) {
    fs::remove_all(scratch, error);
    std::cerr << "mycelium: a run failed (see above); no results written\n";
    return kExitUserError;
  }

  analysis::ResultsFile merged;
  merged.mycelium_version = MYCELIUM_VERSION;
  merged.scenario_name = scenario.name;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    analysis::ResultsFile one = analysis::read_results(run_file(i));
    merged.runs.push_back(std::move(one.runs.at(0)));
  }
  analysis::write_results(output, merged);
  fs::remove_all(scratch, error);
  print_summary(merged);
  std::cout << "\nresults: " << output.string() << " (" << merged.runs.size() << " runs)\n";
  return kExitOk;
}

}  // namespace mycelium::cli
